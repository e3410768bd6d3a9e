"""The resolver per region of a display's layout (DESIGN.md "What a display shows at
instant t", run once per region): each region plays its own schedules and tiers, a region
other than main with nothing on stays empty, and alerts and power cover every region."""

from __future__ import annotations

from signage.core.model import (
    AlertShown,
    Recurrence,
    ScheduleSpec,
    Severity,
    Target,
    TargetKind,
    Tier,
)
from signage.core.timeline import Resolver
from tests.unit.core.timeline_helpers import (
    alert,
    content,
    display,
    local,
    playing,
    playlist,
    schedule,
    slide,
    slides_of,
    spans_where,
    utc,
)

NOON = local(2026, 6, 10, 12)  # a Wednesday
MAIN_TICKER = display(layout="main-ticker", locations=(10,))
MORNING = Recurrence(window=(8 * 60, 11 * 60))


def main_and_ticker(*extra_schedules: ScheduleSpec, **rest: object) -> Resolver:
    """Slide 1 in main and slide 2 in the ticker, everywhere, plus `extra_schedules`."""
    return Resolver(
        content(
            [schedule(1, 1), schedule(2, 2, region="ticker"), *extra_schedules],
            [playlist(1, 1), playlist(2, 2), playlist(3, 3), playlist(4, 4)],
            [slide(1), slide(2), slide(3), slide(4)],
            **rest,
        )
    )


def test_a_main_ticker_display_plays_each_regions_own_schedule() -> None:
    resolver = main_and_ticker()

    assert resolver.regions(MAIN_TICKER) == ("main", "ticker")
    main = resolver.now(MAIN_TICKER, NOON)
    ticker = resolver.now(MAIN_TICKER, NOON, "ticker")

    assert (main.segment.region, main.segment.tier, slides_of(main.segment.loop)) == (
        "main",
        Tier.NORMAL,
        [1],
    )
    assert (ticker.segment.region, ticker.segment.tier, slides_of(ticker.segment.loop)) == (
        "ticker",
        Tier.NORMAL,
        [2],
    )


def test_a_schedule_into_a_region_the_layout_lacks_shows_nowhere() -> None:
    resolver = main_and_ticker(schedule(3, 3, region="side"))
    full = display(locations=(10,))

    assert resolver.regions(full) == ("main",)
    assert slides_of(resolver.now(full, NOON).segment.loop) == [1]
    for region in resolver.regions(MAIN_TICKER):
        assert 3 not in slides_of(resolver.now(MAIN_TICKER, NOON, region).segment.loop)


def test_a_region_other_than_main_with_nothing_on_is_empty_while_main_shows_the_brand() -> None:
    resolver = Resolver(content([], [], []))
    side_display = display(layout="main-side-ticker")

    main = resolver.now(side_display, NOON)
    assert (main.segment.tier, main.segment.blank, main.segment.loop) == (Tier.BRAND, False, ())
    for region in ("side", "ticker"):
        segment = resolver.now(side_display, NOON, region).segment
        assert (segment.tier, segment.blank, segment.loop) == (None, False, ())


def test_a_ticker_runs_on_its_own_timeline_without_splitting_main() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1), schedule(2, 2, region="ticker", recurrence=MORNING)],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )
    day = (local(2026, 6, 10), local(2026, 6, 11))

    main = resolver.timeline(MAIN_TICKER, *day)
    ticker = resolver.timeline(MAIN_TICKER, *day, region="ticker")

    assert len(main) == 1
    assert slides_of(main[0].loop) == [1]
    assert spans_where(ticker, playing) == [(local(2026, 6, 10, 8), local(2026, 6, 10, 11))]
    assert all(s.tier is None and not s.blank for s in ticker if not s.loop)


def test_fallback_tiers_work_per_region() -> None:
    at_location = Target(TargetKind.LOCATION, 10)
    at_display = Target(TargetKind.DISPLAY, 1)
    resolver = main_and_ticker(
        # The ticker: a morning campaign, else its normal slide 2; a fallback at the
        # location waits behind both.
        schedule(3, 3, at_location, MORNING, tier=Tier.CAMPAIGN, region="ticker"),
        schedule(4, 4, at_location, tier=Tier.FALLBACK, region="ticker"),
        # Main's display-level fallback does not hide the ticker's location-level one.
        schedule(5, 1, at_display, tier=Tier.FALLBACK),
    )

    def ticker_at(hour: int) -> tuple[Tier | None, list[int]]:
        segment = resolver.now(MAIN_TICKER, local(2026, 6, 10, hour), "ticker").segment
        return segment.tier, slides_of(segment.loop)

    assert ticker_at(9) == (Tier.CAMPAIGN, [3])
    assert ticker_at(12) == (Tier.NORMAL, [2])
    assert resolver.now(MAIN_TICKER, local(2026, 6, 10, 9)).segment.tier is Tier.NORMAL

    only_fallbacks = Resolver(
        content(
            [
                schedule(4, 4, at_location, tier=Tier.FALLBACK, region="ticker"),
                schedule(5, 1, at_display, tier=Tier.FALLBACK),
            ],
            [playlist(1, 1), playlist(4, 4)],
            [slide(1), slide(4)],
        )
    )
    main = only_fallbacks.now(MAIN_TICKER, NOON).segment
    ticker = only_fallbacks.now(MAIN_TICKER, NOON, "ticker").segment
    assert (main.tier, slides_of(main.loop)) == (Tier.FALLBACK, [1])
    assert (ticker.tier, slides_of(ticker.loop)) == (Tier.FALLBACK, [4])


def test_a_critical_alert_covers_every_region_and_a_warning_is_the_banner_over_them() -> None:
    critical = alert(1, Severity.CRITICAL, utc(2026, 6, 10, 8), utc(2026, 6, 10, 9))
    warning = alert(2, Severity.WARNING, utc(2026, 6, 10, 7))
    resolver = main_and_ticker(alerts=(critical, warning))

    for region in resolver.regions(MAIN_TICKER):
        during = resolver.now(MAIN_TICKER, utc(2026, 6, 10, 8, 30), region).segment
        after = resolver.now(MAIN_TICKER, utc(2026, 6, 10, 9, 30), region).segment
        assert {a.id: a.shown for a in during.alerts} == {1: "fullscreen", 2: "waiting"}
        assert after.alerts == (AlertShown(2, Severity.WARNING, "banner"),)
        assert during.loop
        assert after.loop
        # Every region's timeline splits where the critical starts and ends.
        segments = resolver.timeline(MAIN_TICKER, utc(2026, 6, 10, 6), utc(2026, 6, 10, 12), region)
        fullscreen = spans_where(segments, lambda s: any(a.shown == "fullscreen" for a in s.alerts))
        assert fullscreen == [(utc(2026, 6, 10, 8), utc(2026, 6, 10, 9))]


def test_outside_its_power_windows_every_region_is_blank_yet_a_critical_shows() -> None:
    powered = display(
        layout="main-side-ticker", locations=(10,), power=(Recurrence(window=(7 * 60, 18 * 60)),)
    )
    resolver = main_and_ticker(
        schedule(3, 3, region="side"),
        alerts=(alert(1, Severity.CRITICAL, utc(2026, 6, 10, 0), utc(2026, 6, 10, 2)),),
    )

    for region in ("main", "side", "ticker"):
        night = resolver.now(powered, local(2026, 6, 10, 5), region).segment
        day = resolver.now(powered, NOON, region).segment
        assert (night.blank, night.tier, night.loop, night.alerts) == (True, None, (), ())
        assert (day.blank, day.tier) == (False, Tier.NORMAL)
        early = resolver.now(powered, utc(2026, 6, 10, 0, 30), region).segment
        assert early.blank
        assert early.alerts == (AlertShown(1, Severity.CRITICAL, "fullscreen"),)
