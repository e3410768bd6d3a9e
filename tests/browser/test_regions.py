"""A kiosk with several regions in real Chromium against a real server (issue 13's
acceptance): a display with main + ticker plays both from a schedule each, keeps both
through a server outage, reports the plays of each region with its region, and a
critical alert covers the whole screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import SLIDE_S, Servers, open_kiosk, pair, playing, wait_for
from tests.browser.test_kiosk import BACKOFF_CEILING_S, offline_ready, queued_plays, send_queued
from tests.databases import instance_rows
from tests.processes import signage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TICKER = f"""\
slug: nyhedsbaand
name: Nyhedsbånd
location: testhus
slides:
  - key: baand.kantine
    title: Kantinen
    template: ticker
    duration: {2 * SLIDE_S}
    fields: {{items: "Kantinen lukker kl. 14\\nHusk personalemødet"}}
  - key: baand.vej
    title: Vejarbejde
    template: ticker
    duration: {2 * SLIDE_S}
    fields: {{items: "Vejarbejde på Hovedgaden"}}
schedules:
  - target: {{location: testhus}}
    tier: normal
    region: ticker
"""


def regions(page: Page) -> dict[str, dict[str, Any]]:
    """Each region on screen: its rectangle and what it shows (slide id, kind, text)."""
    return page.evaluate(  # type: ignore[no-any-return]
        """(() => {
          const found = {};
          document.querySelectorAll('#stage .region').forEach((region) => {
            const box = region.getBoundingClientRect();
            const layer = region.querySelector('.layer.visible');
            found[region.dataset.region] = {
              slide: region.dataset.slideId || '',
              box: [box.left, box.top, box.width, box.height].map(Math.round),
              text: layer ? layer.textContent : '',
              scrolling: !!(layer && layer.querySelector('.ticker-text.scrolling')),
            };
          });
          return found;
        })()"""
    )


def slide_in(page: Page, region: str) -> str:
    return str(regions(page).get(region, {}).get("slide", ""))


def assert_both_advance(page: Page, when: str) -> None:
    """Both regions play on: each shows at least two different slides."""
    seen: dict[str, set[str]] = {"main": set(), "ticker": set()}

    def advanced() -> bool:
        for name, shown in regions(page).items():
            if name in seen and shown["slide"].isdigit():
                seen[name].add(shown["slide"])
        return all(len(slides) >= 2 for slides in seen.values())

    wait_for(advanced, 6 * SLIDE_S, f"both regions play on {when}")


def covers(page: Page, selector: str, region: str, at: str = "middle") -> bool:
    """The element `selector` is what shows at the middle (or the top) of `region`."""
    return page.evaluate(  # type: ignore[no-any-return]
        """([selector, name, at]) => {
          const region = document.querySelector(`#stage .region[data-region="${name}"]`);
          const box = region.getBoundingClientRect();
          const y = at === 'top' ? box.top + 5 : box.top + box.height / 2;
          const top = document.elementFromPoint(box.left + box.width / 2, y);
          return !!(top && top.closest(selector));
        }""",
        [selector, region, at],
    )


def test_a_main_and_ticker_display_plays_both_through_an_outage_and_an_alert_covers_both(
    servers: Servers, kiosk_context
) -> None:
    # The layouts and the ticker's playlist and schedule, imported as staff would write
    # them: the import builds the manifests of the displays they reach.
    content = servers.instance.content
    screens = content / "displays" / "testhus.yaml"
    screens.write_text(
        screens.read_text()
        .replace("  - name: Reception\n", "  - name: Reception\n    layout: main-ticker\n")
        .replace("  - name: Kantine\n", "  - name: Kantine\n    layout: main-side\n")
    )  # the canteen has nothing for its side column
    (content / "playlists" / "nyhedsbaand.yaml").write_text(TICKER)
    imported = signage(servers.instance.path, "import", str(content))
    assert imported.returncode == 0, imported.stderr
    server = servers.start()
    display_id = server.display_id("Reception")

    page = open_kiosk(kiosk_context(), server.base)
    pair(page, server, "Reception")
    playing(page)
    ticker_slides = {str(server.slide_id("Kantinen")), str(server.slide_id("Vejarbejde"))}
    wait_for(lambda: slide_in(page, "ticker") in ticker_slides, 10, "the ticker plays")
    shown = regions(page)
    assert list(shown) == ["main", "ticker"]
    # main above, the ticker a twelfth of the 960 x 540 screen along the bottom
    assert shown["main"]["box"] == [0, 0, 960, 495]
    assert shown["ticker"]["box"] == [0, 495, 960, 45]
    assert shown["main"]["slide"] not in ticker_slides
    wait_for(lambda: regions(page)["ticker"]["scrolling"], 5, "the ticker text scrolls")
    assert_both_advance(page, "online")

    # A side column with nothing to play shows its background: no brand slide, no gap.
    canteen = open_kiosk(kiosk_context(), server.base)
    canteen_id = pair(canteen, server, "Kantine")
    playing(canteen)
    wait_for(lambda: slide_in(canteen, "side") == "empty", 10, "the idle side is empty")
    side_by_side = regions(canteen)
    assert side_by_side["main"]["box"] == [0, 0, 720, 540]
    assert side_by_side["side"]["box"] == [720, 0, 240, 540]
    assert side_by_side["side"]["text"] == ""
    # A warning is a banner over every region, the side column's top included.
    warned = server.api(
        "POST",
        "/alerts",
        {
            "title": "Glat føre",
            "body": "Brug hovedindgangen",
            "severity": "warning",
            "targets": {"display_ids": [canteen_id]},
        },
    )
    assert warned.status_code == 201, warned.text
    wait_for(lambda: canteen.locator("#alert-banner").is_visible(), 5, "the warning shows")
    assert covers(canteen, "#alert-banner", "main", at="top")
    assert covers(canteen, "#alert-banner", "side", at="top")
    canteen.close()

    wait_for(lambda: offline_ready(page), 20, "the service worker keeps the shell and manifest")
    servers.stop()
    assert_both_advance(page, "while the server is down")
    page.reload()
    playing(page, within_s=10)
    assert_both_advance(page, "after a reload without the server")

    queued = queued_plays(page)
    servers.start()
    wait_for(
        lambda: page.evaluate("Infotavle.player.state.connected"),
        BACKOFF_CEILING_S,
        "the kiosk reconnects",
    )
    # What each region played, the outage included, reaches the server with its region.
    send_queued(page, queued)

    def stored() -> set[tuple[str, str]] | None:
        """The (slide, region) pairs played, once both regions have some."""
        rows = instance_rows(
            servers.instance.path, "SELECT DISTINCT slide_id, region FROM play_events"
        )
        played = {(str(slide), region) for slide, region in rows}
        return played if {region for _, region in played} == {"main", "ticker"} else None

    # The server takes plays at once and writes them in batches, a second or so apart.
    played = wait_for(stored, 20, "plays of both regions are stored")
    assert all((region == "ticker") == (slide in ticker_slides) for slide, region in played)

    sent = server.api(
        "POST",
        "/alerts",
        {
            "title": "Brand",
            "body": "Forlad bygningen",
            "severity": "critical",
            "targets": {"display_ids": [display_id]},
        },
        token=server.instance.communicator_token,
    )
    assert sent.status_code == 201, sent.text
    wait_for(lambda: page.locator("#alert-critical").is_visible(), 5, "the alert shows")
    assert covers(page, "#alert-critical", "main")
    assert covers(page, "#alert-critical", "ticker")
