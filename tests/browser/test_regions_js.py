"""The kiosk's region code in Chromium on hand-made manifests: each region plays its own
segments, and slides in a ticker region become a strip of items that scrolls at a
constant speed (or steps through them, one at a time, with reduced motion)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.processes import REPO

pytestmark = pytest.mark.browser

PLAYER = REPO / "static" / "player"


def segment(region: str, loop: list[dict[str, Any]], tier: str = "normal") -> dict[str, Any]:
    return {
        "region": region,
        "start": "2026-11-27T05:00:00+00:00",
        "end": "2026-11-27T23:00:00+00:00",
        "anchor": "2026-11-27T05:00:00+00:00",
        "tier": tier,
        "blank": False,
        "alerts": [],
        "loop": loop,
    }


MANIFEST: dict[str, Any] = {
    "timezone": "Europe/Copenhagen",
    "layout": {
        "key": "main-ticker",
        "grid": 12,
        "regions": [
            {"name": "main", "x": 0, "y": 0, "w": 12, "h": 11},
            {"name": "ticker", "x": 0, "y": 11, "w": 12, "h": 1},
        ],
    },
    "segments": [
        segment("main", [{"slide": 1, "revision": 11, "duration": 10, "language": "da"}]),
        segment(
            "ticker",
            [
                {"slide": 2, "revision": 21, "duration": 20, "language": "da"},
                {"slide": 2, "revision": 21, "duration": 20, "language": "en"},
                {"slide": 3, "revision": 31, "duration": 20, "language": "da"},
                {"slide": 4, "revision": 41, "duration": 20, "language": "da"},
            ],
        ),
    ],
    "slides": {
        "1": {"kind": "text", "fields": {"heading": "Velkommen"}, "variants": {}},
        "2": {
            "kind": "ticker",
            "fields": {"items": "Kantinen lukker kl. 14\n\n  Husk mødet  "},
            "variants": {"en": {"items": "The canteen closes at 2 pm\nMind the meeting"}},
        },
        "3": {
            "kind": "feed_news",
            "fields": {"heading": "Nyheder", "feed": "1"},
            "variants": {},
            "items": [{"title": "Ny skole åbner"}, {"title": "Vejarbejde på Hovedgaden"}],
        },
        "4": {"kind": "news", "fields": {"heading": "Byrådet mødes", "body": "Lang tekst"}},
    },
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 960, "height": 540})
    page = context.new_page()
    page.set_content("<!doctype html><html><head></head><body></body></html>")
    page.add_style_tag(content=(PLAYER / "player.css").read_text())
    for name in ("timeline.js", "slides.js"):
        page.add_script_tag(content=(PLAYER / name).read_text())
    yield page
    context.close()


def showing(page: Page, region: str, instant: str) -> list[Any]:
    return page.evaluate(  # type: ignore[no-any-return]
        """([manifest, region, instant]) => {
          const s = Infotavle.timeline.entryAt(manifest, Date.parse(instant), region);
          return [s.kind, s.kind === 'slide' ? s.entry.slide : null];
        }""",
        [MANIFEST, region, instant],
    )


def test_each_region_plays_its_own_segments_and_a_region_without_any_has_nothing(
    page: Page,
) -> None:
    assert showing(page, "main", "2026-11-27T05:00:30Z") == ["slide", 1]
    assert showing(page, "ticker", "2026-11-27T05:00:30Z") == ["slide", 2]
    assert showing(page, "ticker", "2026-11-27T05:00:50Z") == ["slide", 3]
    # no segments for the side column: the player leaves it empty (never the brand)
    assert showing(page, "side", "2026-11-27T05:00:30Z")[0] == "brand"


def ticker_items(page: Page, slide: str, language: str) -> list[str]:
    return page.evaluate(  # type: ignore[no-any-return]
        """([manifest, id, language]) => {
          const slide = manifest.slides[id];
          const fields = Infotavle.timeline.fieldsFor(slide, language);
          return Infotavle.slides.tickerItems(slide, fields, {timeZone: manifest.timezone});
        }""",
        [MANIFEST, slide, language],
    )


def test_a_ticker_region_shows_a_tickers_lines_feed_headlines_and_a_news_heading(
    page: Page,
) -> None:
    assert ticker_items(page, "2", "da") == ["Kantinen lukker kl. 14", "Husk mødet"]
    assert ticker_items(page, "2", "en") == ["The canteen closes at 2 pm", "Mind the meeting"]
    assert ticker_items(page, "3", "da") == ["Ny skole åbner", "Vejarbejde på Hovedgaden"]
    assert ticker_items(page, "4", "da") == ["Byrådet mødes"]


def render_strip(page: Page) -> dict[str, Any]:
    """Slide 2 rendered into a ticker region a twelfth of the screen high, then started."""
    return page.evaluate(  # type: ignore[no-any-return]
        """(manifest) => {
          const region = document.createElement('div');
          region.className = 'region region-ticker short';
          region.style.position = 'fixed';
          region.style.left = '0';
          region.style.bottom = '0';
          region.style.width = '100vw';
          region.style.height = (100 / 12) + 'vh';
          region.style.setProperty('--region-h', String(1 / 12));
          const layer = document.createElement('div');
          layer.className = 'layer visible';
          region.appendChild(layer);
          document.body.appendChild(region);
          const showing = {kind: 'slide', entry: {slide: 2, revision: 21, language: 'da'},
                           startsAt: 0, endsAt: 20000};
          return Infotavle.slides.render(layer, showing, manifest,
                                         {region: 'ticker', timeZone: 'UTC'}).then(() => {
            Infotavle.slides.start(layer);
            const strip = layer.querySelector('.ticker');
            const text = layer.querySelector('.ticker-text');
            const items = [...layer.querySelectorAll('.ticker-item')];
            return {
              stepped: strip.classList.contains('stepped'),
              animation: getComputedStyle(text).animationName,
              seconds: parseFloat(getComputedStyle(text).animationDuration),
              distance: text.offsetWidth,
              stripWidth: strip.clientWidth,
              shown: items.filter((item) => !item.hidden).map((item) => item.textContent),
            };
          });
        }""",
        MANIFEST,
    )


def test_a_ticker_strip_scrolls_its_whole_width_at_ninety_pixels_a_second(page: Page) -> None:
    strip = render_strip(page)
    assert not strip["stepped"]
    assert strip["animation"] == "ticker"
    # the text enters at the right edge and leaves at the left: strip width + text width
    assert strip["distance"] > strip["stripWidth"] == 960
    assert strip["seconds"] == pytest.approx(strip["distance"] / 90, rel=0.01)
    assert strip["shown"] == ["Kantinen lukker kl. 14", "Husk mødet"]


def test_with_reduced_motion_a_ticker_shows_its_items_one_at_a_time_without_moving(
    page: Page,
) -> None:
    page.emulate_media(reduced_motion="reduce")
    strip = render_strip(page)
    assert strip["stepped"]
    assert strip["animation"] == "none"
    assert strip["shown"] == ["Kantinen lukker kl. 14"]
