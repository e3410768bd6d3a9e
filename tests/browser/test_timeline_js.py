"""The kiosk's pure timeline code (static/player/timeline.js) in Chromium, on
hand-made manifests: which entry plays at an instant, and when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.processes import REPO

pytestmark = pytest.mark.browser

LOOP = [
    {"slide": 1, "revision": 11, "duration": 10, "language": "da"},
    {"slide": 1, "revision": 11, "duration": 10, "language": "en"},
    {"slide": 2, "revision": 21, "duration": 5, "language": "da"},
]
MANIFEST: dict[str, Any] = {
    "segments": [
        {
            "region": "main",
            "start": "2026-11-26T23:00:00+00:00",
            "end": "2026-11-27T05:30:00+00:00",
            "anchor": "2026-11-26T23:00:00+00:00",
            "tier": None,
            "blank": True,
            "alerts": [],
            "loop": [],
        },
        {
            "region": "main",
            "start": "2026-11-27T05:30:00+00:00",
            "end": "2026-11-27T12:00:00+00:00",
            "anchor": "2026-11-27T05:30:00+00:00",
            "tier": "normal",
            "blank": False,
            "alerts": [],
            "loop": LOOP,
        },
        {
            "region": "main",
            "start": "2026-11-27T12:00:00+00:00",
            "end": "2026-11-27T13:00:00+00:00",
            # clipped: the anchor stays where the constant run began
            "anchor": "2026-11-27T05:30:00+00:00",
            "tier": "normal",
            "blank": False,
            "alerts": [],
            "loop": LOOP,
        },
        {
            "region": "main",
            "start": "2026-11-27T13:00:00+00:00",
            "end": "2026-11-27T14:00:00+00:00",
            "anchor": "2026-11-27T13:00:00+00:00",
            "tier": "brand",
            "blank": False,
            "alerts": [],
            "loop": [],
        },
    ],
    "slides": {
        "1": {"fields": {"heading": "Hej", "body": "Krop"}, "variants": {"en": {"heading": "Hi"}}},
        "2": {"fields": {"heading": "To"}, "variants": {}},
    },
}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><body></body>")
    page.add_script_tag(content=(REPO / "static" / "player" / "timeline.js").read_text())
    yield page
    context.close()


def at(page: Page, instant: str) -> list[Any]:
    return page.evaluate(  # type: ignore[no-any-return]
        """([manifest, instant]) => {
          const s = Infotavle.timeline.entryAt(manifest, Date.parse(instant), 'main');
          const iso = (ms) => isFinite(ms) ? new Date(ms).toISOString() : 'never';
          return [s.kind, s.kind === 'slide' ? s.index : null, iso(s.startsAt), iso(s.endsAt)];
        }""",
        [MANIFEST, instant],
    )


DAY = "2026-11-27T"


def iso(moment: str) -> str:
    """`05:30:10` on DAY, or a full ISO instant, as JavaScript prints it."""
    if moment == "never":
        return moment
    full = moment if "T" in moment else f"{DAY}{moment}"
    return full + ("Z" if "." in full else ".000Z")


@pytest.mark.parametrize(
    ("instant", "kind", "index", "starts", "ends"),
    [
        ("04:00:00", "blank", None, "2026-11-26T23:00:00", "05:30:00"),
        ("05:30:00", "slide", 0, "05:30:00", "05:30:10"),
        ("05:30:09.999", "slide", 0, "05:30:00", "05:30:10"),
        ("05:30:10", "slide", 1, "05:30:10", "05:30:20"),
        ("05:30:24", "slide", 2, "05:30:20", "05:30:25"),
        ("05:30:25", "slide", 0, "05:30:25", "05:30:35"),
        # 6.5 h = 23,400 s = 936 loops of 25 s: the clipped segment keeps counting
        ("12:00:03", "slide", 0, "12:00:00", "12:00:10"),
        ("12:59:59", "slide", 2, "12:59:55", "13:00:00"),
        ("13:30:00", "brand", None, "13:00:00", "14:00:00"),
        # past the horizon the last segment goes on
        ("2026-11-28T09:00:00", "brand", None, "13:00:00", "never"),
    ],
)
def test_the_entry_at_an_instant_follows_the_anchor_and_the_durations(
    page: Page, instant: str, kind: str, index: int | None, starts: str, ends: str
) -> None:
    moment = instant if "T" in instant else f"{DAY}{instant}"
    assert at(page, moment + "Z") == [kind, index, iso(starts), iso(ends)]


def test_a_variant_overrides_only_the_fields_it_has(page: Page) -> None:
    fields = page.evaluate(
        "m => [Infotavle.timeline.fieldsFor(m.slides['1'], 'en'),"
        " Infotavle.timeline.fieldsFor(m.slides['1'], 'da')]",
        MANIFEST,
    )
    assert fields == [{"heading": "Hi", "body": "Krop"}, {"heading": "Hej", "body": "Krop"}]


def test_the_clock_is_corrected_by_the_server_time_at_the_middle_of_the_request(
    page: Page,
) -> None:
    skew = page.evaluate(
        "() => { Infotavle.clock.correct('2026-11-27T12:00:10.000Z',"
        " Date.parse('2026-11-27T12:00:00.000Z'), Date.parse('2026-11-27T12:00:02.000Z'));"
        " return Infotavle.clock.skew(); }"
    )
    assert skew == 9000
