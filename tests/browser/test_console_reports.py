"""Reports in Chromium: the played figures as a bar chart and a table, and a CSV that
downloads ready for Danish Excel."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import (
    MANAGER,
    Instance,
    Server,
    Servers,
    assert_accessible,
    seed_reports,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def server(instance: Instance, servers: Servers) -> Server:
    seed_reports(instance, days=3)
    return servers.start()


def test_the_plays_report_draws_its_figures_and_downloads_them_for_excel(
    server: Server, staff_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    page = sign_in(staff_context(), server.base, MANAGER)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Rapporter").click()
    page.get_by_role("link", name="Skærm", exact=True).click()

    # The link loads a new page: wait for its chart, not the one being left.
    expect(page).to_have_url(re.compile(r"group_by=display"))
    bars = page.locator("figure.chart svg rect.chart-bar")
    expect(bars).to_have_count(2)  # Reception and Kantine
    widths = [float(bars.nth(i).get_attribute("width") or 0) for i in range(2)]
    assert widths[0] > 0
    assert widths[0] == widths[1]  # both played the same
    rows = page.locator("table.report tbody tr")
    assert rows.count() == 2
    assert_accessible(page)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Hent som CSV (Excel)").click()
    saved = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(saved)
    data = saved.read_bytes()
    assert saved.name.startswith("visninger-display-")
    assert data.startswith(b"\xef\xbb\xbf")
    header, *lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert header[:3] == ["Skærm", "Visninger", "Skærmtid (sekunder)"]
    assert sorted(line[0] for line in lines) == ["Kantine", "Reception"]
    shown = [rows.nth(i).locator("td").first.inner_text() for i in range(2)]
    assert sorted(int(line[1]) for line in lines) == sorted(int(text) for text in shown)


def test_the_uptime_report_shows_the_outage(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(staff_context(), server.base, MANAGER)
    page.goto(f"{server.base}/console/reports/uptime")

    expect(page.locator("figure.chart svg rect.chart-bar")).to_have_count(2)
    outages = page.get_by_role("region", name="Perioder offline, seneste først")
    assert outages.locator("tbody tr").count() == 1
    assert_accessible(page)
