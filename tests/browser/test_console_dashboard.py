"""Journey 4 in Chromium: a facility manager watches a real kiosk on the displays
dashboard — online, the slide it shows now, live as it moves on — narrows the list by
location and group, and sends identify and reload, seen on the kiosk itself."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    MANAGER,
    Server,
    assert_accessible,
    inline_scripts,
    live,
    open_kiosk,
    pair,
    playing,
    sign_in,
    wait_for,
)

pytestmark = pytest.mark.browser
UPDATE_S = 15  # heartbeat written (≤ 2 s), console told, row fetched again (≤ 1 s later)

# The kiosk's own status, sent as one extra heartbeat the moment the slide on its stage
# is the one it reports (it beats every 30 s by itself; the test does not wait that long).
REPORT_SHOWN_SLIDE = """(unlike) => {
  const player = Infotavle.player;
  const status = player.status();
  const onStage = document.getElementById('stage').dataset.slideId;
  if (!player.state.connected || status.slide === null || String(status.slide) !== onStage
      || String(status.slide) === String(unlike)) {
    return null;
  }
  player.state.socket.emit('heartbeat', status);
  return status.slide;
}"""


def listed(page: Page) -> list[str]:
    return page.locator("#dashboard tbody td.name a").all_inner_texts()


def row(page: Page, display_id: int) -> str:
    return f'#dashboard tr[data-live-display="{display_id}"]'


def shown_on_dashboard(page: Page, display_id: int) -> tuple[str | None, str]:
    """The slide in the row's "showing now": its id and its title."""
    cell = page.locator(f"{row(page, display_id)} td.showing")
    titles = cell.locator(".title").all_inner_texts()
    return cell.get_attribute("data-slide"), titles[0] if titles else ""


def report_shown_slide(kiosk: Page, unlike: int | None) -> int:
    """Let the kiosk report the slide it shows (one that differs from `unlike`)."""
    return wait_for(  # type: ignore[no-any-return]
        lambda: kiosk.evaluate(REPORT_SHOWN_SLIDE, unlike),
        20,
        "the kiosk reports the slide on its stage",
    )


def dashboard_follows(
    page: Page, kiosk: Page, display_id: int, titles: dict[int, str], unlike: int | None = None
) -> int:
    """The kiosk reports its slide; the open dashboard comes to show that slide by id and
    title. The kiosk also beats by itself every 30 s, which may overtake the report with
    a later slide: then it reports again. Returns the slide seen."""
    reported, asked = report_shown_slide(kiosk, unlike), time.monotonic()
    deadline = asked + 3 * UPDATE_S
    while shown_on_dashboard(page, display_id) != (str(reported), titles[reported]):
        if time.monotonic() > deadline:
            pytest.fail(f"the dashboard does not show slide {reported} the kiosk reported")
        if time.monotonic() - asked > UPDATE_S:
            reported, asked = report_shown_slide(kiosk, unlike), time.monotonic()
        time.sleep(0.1)
    return reported


def filter_by(page: Page, field: str, label: str) -> None:
    page.select_option(f"#filter-{field}", label=label)
    page.click("#filter-submit")


def test_a_manager_watches_a_kiosk_live_filters_the_list_and_commands_it(
    server: Server,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
) -> None:
    page = sign_in(staff_context(), server.base, MANAGER)
    watch_filter_and_command(server, page, kiosk_context)


def watch_filter_and_command(
    server: Server, page: Page, kiosk_context: Callable[[], BrowserContext]
) -> None:
    """Journey 4 from a console page signed in as a facility manager of the test
    location."""
    locations = server.api("GET", "/locations").json()["items"]
    root = next(loc["id"] for loc in locations if loc["slug"] == "testby")
    town_hall = server.api(
        "POST",
        "/displays",
        {"name": "Rådhus", "location_id": root},
        token=server.instance.admin_token,
    )
    assert town_hall.status_code == 201, town_hall.text
    reception_id = server.display_id("Reception")
    foyer = server.api(
        "POST",
        "/groups",
        {
            "slug": "forhal",
            "name": "Forhal",
            "location_id": server.location_id(),
            "display_ids": [reception_id],
        },
    )
    assert foyer.status_code == 201, foyer.text

    kiosk = open_kiosk(kiosk_context(), server.base)
    assert pair(kiosk, server, "Reception") == reception_id
    playing(kiosk)

    page.get_by_role("navigation").get_by_role("link", name="Skærme").click()
    page.wait_for_url(f"{server.base}/console/displays")
    live(page)
    # The manager reads the municipality's screen too, but may not command it.
    assert listed(page) == ["Rådhus", "Kantine", "Reception"]
    assert page.locator(f"#identify-{town_hall.json()['id']}").count() == 0
    page.evaluate("window.stillTheSamePage = true")

    # Filters narrow the list in place, and the address says what was chosen.
    filter_by(page, "location", "Testby Kommune › Testhuset")
    wait_for(lambda: listed(page) == ["Kantine", "Reception"], 10, "the location filter")
    assert f"location={server.location_id()}" in page.url
    filter_by(page, "group", "Forhal")
    wait_for(lambda: listed(page) == ["Reception"], 10, "the group filter")
    assert page.evaluate("window.stillTheSamePage") is True

    # Online, with the slide the kiosk shows now and its player version.
    reception = row(page, reception_id)
    titles = {s["id"]: s["title"] for s in server.api("GET", "/slides").json()["items"]}
    first = dashboard_follows(page, kiosk, reception_id, titles)
    assert page.locator(f"{reception} td.status").inner_text().endswith("Online")
    version = kiosk.evaluate("document.body.dataset.playerVersion")
    assert version
    assert version in page.locator(reception).inner_text()
    # The counts follow the same live event as the row, drawn a moment after it.
    expect(page.locator('#display-counts [data-count="online"]')).to_have_text("1")
    assert_accessible(page)
    assert inline_scripts(page) == []

    # The kiosk moves on: "showing now" follows without reloading the page.
    second = dashboard_follows(page, kiosk, reception_id, titles, unlike=first)
    assert second != first
    assert page.evaluate("window.stillTheSamePage") is True

    # Identify: the kiosk shows its name, and the manager is told it was sent.
    page.click(f"#identify-{reception_id}")
    wait_for(lambda: kiosk.locator("#identify").is_visible(), 10, "the kiosk identifies")
    assert kiosk.locator("#identify").inner_text() == "Reception"
    # The kiosk may hear the command before the page has the answer to its request.
    told = "Reception viser nu sit navn på skærmen."
    wait_for(lambda: page.locator("#command-result").inner_text() == told, 10, "told")

    # Reload: the kiosk page loads again and plays on.
    kiosk.evaluate("window.beforeReload = true")
    page.click(f"#reload-{reception_id}")
    wait_for(lambda: kiosk.evaluate("window.beforeReload") is None, 10, "the kiosk reloads")
    playing(kiosk)
    told = "Reception genindlæser nu."
    wait_for(lambda: page.locator("#command-result").inner_text() == told, 10, "told")
    assert page.evaluate("window.stillTheSamePage") is True


def test_the_dashboard_fits_a_phone_and_is_accessible_there(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(staff_context(390, 844), server.base, MANAGER)
    page.goto(f"{server.base}/console/displays")
    assert listed(page) == ["Kantine", "Reception"]
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
