"""Reports in the console: Danish pages with a chart and a table, and CSV exports that
Danish Excel opens (BOM, semicolons, decimal commas) and that parse back to the same
figures the API gives."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from signage.db import Database, utcnow
from signage.reports.export import csv_bytes
from tests.factories import World
from tests.integration.test_console_dashboard import as_staff
from tests.integration.test_reports import Played, kiosk_clock, seed_plays

ZONE = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def played(database: Database, world: World) -> Played:
    return seed_plays(database, world)


def parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def danish_number(text: str) -> float:
    assert "." not in text, f"{text!r}: Danish Excel reads a point as a thousands separator"
    return float(text.replace(",", "."))


@pytest.mark.parametrize("group_by", ["slide", "theme", "location", "display", "day"])
def test_the_plays_csv_parses_back_to_the_figures_of_the_api(
    client: FlaskClient, as_user: Any, played: Played, group_by: str
) -> None:
    api = as_user("communicator").get("reports/plays", query_string={"group_by": group_by})
    staff = as_staff(client, "communicator")

    answer = staff.get("/console/reports/plays.csv", query_string={"group_by": group_by})

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    header, *rows = parse_csv(answer.data)
    assert header[1:3] == ["Visninger", "Skærmtid (sekunder)"]
    items = api.get_json()["items"]
    with_alerts = "alert_seconds" in items[0]
    parsed = [
        (int(row[1]), danish_number(row[2]), *((danish_number(row[4]),) if with_alerts else ()))
        for row in rows
    ]
    expected = [
        (i["plays"], i["seconds"], *((i["alert_seconds"],) if with_alerts else ())) for i in items
    ]
    if not with_alerts:  # the alerts' own line closes the file
        expected.append((1, 60.0))
    assert parsed == expected
    if group_by == "slide":
        assert [row[0] for row in rows] == ["Åbent", "Plejen", "Lukket", "Varsler (holdt for sig)"]


def test_the_uptime_csvs_parse_back_to_the_figures_of_the_api(
    client: FlaskClient, as_user: Any, database: Database, world: World
) -> None:
    display = world.displays["bibliotek"]
    assert as_user("manager").post(f"displays/{display}/token").status_code == 200
    heard, sweep = kiosk_clock(database, display)
    now = utcnow()
    heard(now - timedelta(hours=3))
    sweep(now - timedelta(hours=2))
    heard(now - timedelta(hours=1))
    sweep(now - timedelta(minutes=59))
    api = as_user("manager").get("reports/uptime").get_json()["items"]
    staff = as_staff(client, "manager")

    uptime = parse_csv(staff.get("/console/reports/uptime.csv").data)
    outages = parse_csv(staff.get("/console/reports/outages.csv").data)

    assert uptime[0] == ["Skærm", "Lokation", "Oppetid (%)", "Offline (timer)", "Udfald"]
    [row] = uptime[1:]
    [item] = api
    assert row[0:2] == ["Indgang", "Bibliotek"]
    assert danish_number(row[2]) == pytest.approx(item["uptime"] * 100, abs=0.001)
    assert danish_number(row[3]) == pytest.approx(item["offline_seconds"] / 3600, abs=0.001)
    assert int(row[4]) == 1
    [outage] = outages[1:]
    start = (now - timedelta(hours=3)).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    end = (now - timedelta(hours=1)).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    assert outage == ["Indgang", "Bibliotek", start, end]


def test_the_plays_page_is_danish_with_a_chart_and_a_table(
    client: FlaskClient, played: Played
) -> None:
    staff = as_staff(client, "manager")

    page = staff.get("/console/reports", query_string={"group_by": "slide"})
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Visninger og skærmtid" in html
    assert '<svg viewBox="0 0 640' in html
    assert 'role="img"' in html
    assert "<desc" in html
    assert "Åbent: 0,5" in html  # 30.5 s is 0.5 minutes, written the Danish way
    assert "Plejen" not in html  # the nursing home's screen is not the manager's
    assert 'href="/console/reports/plays.csv?' in html


def test_the_uptime_page_lists_the_screens_of_ones_locations(
    client: FlaskClient, world: World
) -> None:
    staff = as_staff(client, "other_manager")

    page = staff.get("/console/reports/uptime")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Skærmenes oppetid" in html
    assert "Personalestue" in html
    assert "Indgang" not in html
    assert "aldrig forbundet" in html


@pytest.mark.parametrize(
    "query",
    [{"from": "igår"}, {"from": "2026-11-20", "to": "2026-11-01"}, {"from": "2020-01-01"}],
)
def test_a_period_that_cannot_be_used_is_explained_and_the_last_30_days_shown(
    client: FlaskClient, world: World, query: dict[str, str]
) -> None:
    staff = as_staff(client, "viewer")

    page = staff.get("/console/reports", query_string=query)
    html = page.get_data(as_text=True)

    assert page.status_code == 400
    assert 'role="alert"' in html
    assert "De seneste 30 dage vises." in html


def test_the_menu_offers_reports_to_a_viewer(client: FlaskClient, world: World) -> None:
    html = as_staff(client, "viewer").get("/console").get_data(as_text=True)

    assert 'href="/console/reports">Rapporter</a>' in html


def test_csv_cells_that_excel_would_run_as_formulas_stay_text() -> None:
    body = csv_bytes(["a", "b"], [["=1+1", 1.5], ["-2", None]], ZONE)

    assert parse_csv(body)[1:] == [["'=1+1", "1,500"], ["'-2", ""]]
