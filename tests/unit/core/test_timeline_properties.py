"""Properties of the resolver's timelines over small random contents (DESIGN.md
"Timeline"): they cover their range, split and join cleanly, agree with `now`, and are
deterministic, in every region of the display's layout."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from signage.core.layouts import LAYOUTS, REGIONS
from signage.core.model import (
    DEFAULT_REGION,
    AlertSpec,
    Content,
    DisplaySpec,
    PlaylistSpec,
    Recurrence,
    ScheduleSpec,
    Severity,
    SlideSpec,
    Target,
    TargetKind,
    Tier,
)
from signage.core.occurrences import local_instant
from signage.core.timeline import Resolver
from tests.unit.core.timeline_helpers import all_in_utc, expected_index, in_utc, join, segment_at

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None)

ZONES = ["Europe/Copenhagen", "America/New_York", "Atlantic/Faroe", "Asia/Kolkata", "UTC"]
# DST changes in Europe and the USA, the year's ends and ordinary days.
NOTABLE_DAYS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 1, 1),
    date(2026, 12, 31),
]
RULES = [
    None,
    None,
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=WEEKLY;BYDAY=SA,SU",
    "FREQ=DAILY;INTERVAL=2",
    "FREQ=MONTHLY;BYMONTHDAY=1,8,25,29",
]
# Minutes on a 30-minute grid: edges land in spring gaps and autumn repeats too.
WINDOW_MINUTES = list(range(0, 1441, 30))

days_2026 = st.one_of(
    st.sampled_from(NOTABLE_DAYS),
    st.dates(min_value=date(2026, 1, 2), max_value=date(2026, 12, 29)),
)
minutes = st.sampled_from(WINDOW_MINUTES)
windows = st.none() | st.tuples(minutes.filter(lambda m: m < 1440), minutes).filter(
    lambda w: w[0] != w[1]
)


@st.composite
def local_bounds(draw: st.DrawFn, near: date) -> date | datetime | None:
    """None, a date or a local date-time within a few days of `near`."""
    kind = draw(st.sampled_from(["none"] * 5 + ["date", "datetime"]))
    if kind == "none":
        return None
    day = near + timedelta(days=draw(st.integers(-3, 3)))
    if kind == "date":
        return day
    return datetime.combine(day, time()) + timedelta(
        minutes=draw(minutes.filter(lambda m: m < 1440))
    )


@st.composite
def recurrences(draw: st.DrawFn, near: date) -> Recurrence:
    starts = draw(local_bounds(near))
    ends = draw(local_bounds(near))
    if starts is not None and ends is not None and _naive(ends) <= _naive(starts):
        starts, ends = ends, starts
        if _naive(ends) <= _naive(starts):
            ends = None
    exdates = draw(
        st.sampled_from([frozenset(), frozenset(), frozenset({near + timedelta(days=1)})])
    )
    return Recurrence(
        rrule=draw(st.sampled_from(RULES)),
        window=draw(windows),
        starts=starts,
        ends=ends,
        exdates=exdates,
        holidays=draw(st.sampled_from([None, "dk"])),
    )


def _naive(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


TARGETS = [
    Target(TargetKind.ALL),
    Target(TargetKind.DISPLAY, 1),
    Target(TargetKind.DISPLAY, 2),  # another display
    Target(TargetKind.GROUP, 5),
    Target(TargetKind.LOCATION, 10),
    Target(TargetKind.LOCATION, 20),
    Target(TargetKind.LOCATION, 99),  # elsewhere
]


@st.composite
def slides(draw: st.DrawFn, slide_id: int, near: date) -> SlideSpec:
    return SlideSpec(
        id=slide_id,
        revision=draw(st.integers(1, 3)) * 100 + slide_id,
        duration=draw(st.none() | st.integers(1, 40)),
        orientation=draw(st.sampled_from(["any"] * 4 + ["landscape", "portrait"])),
        valid_from=draw(local_bounds(near)),
        valid_until=draw(local_bounds(near)),
        languages=draw(st.frozensets(st.sampled_from(["en", "uk"]))),
        ready_for=draw(st.sampled_from([None] * 5 + [frozenset()])),
        media_duration_s=draw(st.none() | st.floats(0.1, 120.0)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Content, DisplaySpec, datetime, datetime]:
    """A content, a display and a range [start, end) of up to three days in 2026."""
    day = draw(days_2026)
    slide_pool = {i: draw(slides(i, day)) for i in range(1, 7)}
    slide_pool.pop(draw(st.integers(1, 12)), None)  # sometimes a slide without approval
    playlists = {
        pid: PlaylistSpec(
            pid,
            tuple(
                draw(
                    st.lists(
                        st.tuples(st.integers(1, 6), st.none() | st.integers(0, 30)),
                        min_size=1,
                        max_size=4,
                    )
                )
            ),
        )
        for pid in range(1, draw(st.integers(1, 3)) + 1)
    }
    schedules = tuple(
        ScheduleSpec(
            id=sid,
            playlist_id=draw(st.integers(1, len(playlists))),
            target=draw(st.sampled_from(TARGETS)),
            recurrence=draw(recurrences(day)),
            tier=draw(st.sampled_from([Tier.CAMPAIGN, Tier.NORMAL, Tier.NORMAL, Tier.FALLBACK])),
            weight=draw(st.integers(1, 10)),
            region=draw(st.sampled_from(REGIONS)),
        )
        for sid in range(1, draw(st.integers(1, 5)) + 1)
    )
    zone = draw(st.sampled_from(ZONES))
    start = datetime.combine(day, time(), tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(-720, 1440))
    )
    end = start + timedelta(seconds=draw(st.integers(1, 3 * 86_400)))
    alerts = tuple(
        AlertSpec(
            id=aid,
            severity=draw(st.sampled_from(list(Severity))),
            starts_at=start + timedelta(minutes=draw(st.integers(-600, 3 * 1440))),
            ends_at=draw(
                st.none() | st.just(end + timedelta(minutes=draw(st.integers(-2000, 60))))
            ),
            targets=(draw(st.sampled_from(TARGETS)),),
        )
        for aid in range(1, draw(st.integers(0, 2)) + 1)
    )
    alerts = tuple(a for a in alerts if a.ends_at is None or a.starts_at < a.ends_at)
    power = draw(st.sampled_from([(), (), (Recurrence(window=(420, 1080)),)]))
    display = DisplaySpec(
        id=1,
        timezone=zone,
        orientation=draw(st.sampled_from(["landscape", "portrait"])),
        languages=draw(st.sampled_from([(), ("da",), ("da", "en", "uk"), ("uk", "da"), ("en",)])),
        locations=(10, 20),
        groups=frozenset({5}),
        power=power,
        layout=draw(st.sampled_from(sorted(LAYOUTS))),
    )
    holidays = {"dk": frozenset({date(2026, 12, 25), date(2026, 3, 29), day + timedelta(days=1)})}
    content = Content(
        schedules=schedules,
        playlists=playlists,
        slides=slide_pool,
        alerts=alerts,
        holidays=holidays,
    )
    return content, display, start, end


def instant_in(start: datetime, end: datetime, share: float) -> datetime:
    """An instant in [start, end) on a whole second after `start`."""
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=min(seconds - 1, int(seconds * share)))


def midpoint(start: datetime, end: datetime, share: float) -> datetime:
    """An instant strictly inside (start, end)."""
    seconds = int((end - start).total_seconds())
    if seconds < 2:
        return start + (end - start) / 2
    return start + timedelta(seconds=min(seconds - 1, max(1, int(seconds * share))))


@PROPERTY_SETTINGS
@given(scenarios())
def test_segments_are_ordered_contiguous_and_cover_the_range_exactly(
    scenario: tuple[Content, DisplaySpec, datetime, datetime],
) -> None:
    content, display, start, end = scenario
    resolver = Resolver(content)

    for region in resolver.regions(display):
        segments = all_in_utc(resolver.timeline(display, start, end, region))

        assert segments
        assert segments[0].start == start
        assert segments[-1].end == end
        for segment in segments:
            assert segment.start < segment.end
            assert segment.region == region
        for earlier, later in pairwise(segments):
            assert earlier.end == later.start


@PROPERTY_SETTINGS
@given(scenarios(), st.floats(0.0, 1.0))
def test_a_timeline_is_its_two_halves_joined_anchors_included(
    scenario: tuple[Content, DisplaySpec, datetime, datetime], share: float
) -> None:
    content, display, start, end = scenario
    middle = midpoint(start, end, share)
    resolver = Resolver(content)

    for region in resolver.regions(display):
        whole = all_in_utc(resolver.timeline(display, start, end, region))
        left = all_in_utc(resolver.timeline(display, start, middle, region))
        right = all_in_utc(Resolver(content).timeline(display, middle, end, region))

        assert join(left, right) == whole


@PROPERTY_SETTINGS
@given(scenarios(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
def test_now_at_any_instant_is_the_timelines_entry_at_that_instant(
    scenario: tuple[Content, DisplaySpec, datetime, datetime], shares: list[float]
) -> None:
    content, display, start, end = scenario
    resolver = Resolver(content)

    for region in resolver.regions(display):
        segments = resolver.timeline(display, start, end, region)
        for share in shares:
            instant = instant_in(start, end, share)
            expected = segment_at(segments, instant)

            now = resolver.now(display, instant, region)

            assert in_utc(now.segment).same_answer(in_utc(expected))
            assert now.segment.start.astimezone(UTC) <= instant < now.segment.end.astimezone(UTC)
            assert now.index == expected_index(expected, instant)


@PROPERTY_SETTINGS
@given(scenarios())
def test_equal_inputs_give_an_equal_timeline_anchored_within_the_local_day(
    scenario: tuple[Content, DisplaySpec, datetime, datetime],
) -> None:
    content, display, start, end = scenario
    resolver = Resolver(content)
    zone = ZoneInfo(display.timezone)

    for region in resolver.regions(display):
        first = all_in_utc(resolver.timeline(display, start, end, region))
        again = all_in_utc(resolver.timeline(display, start, end, region))
        afresh = all_in_utc(Resolver(content).timeline(display, start, end, region))

        assert first == again == afresh
        for segment in first:
            midnight = local_instant(segment.start.astimezone(zone).date(), 0, zone)
            assert midnight <= segment.anchor <= segment.start


@PROPERTY_SETTINGS
@given(scenarios())
def test_each_region_plays_only_its_own_schedules_and_only_main_shows_the_brand(
    scenario: tuple[Content, DisplaySpec, datetime, datetime],
) -> None:
    content, display, start, end = scenario
    resolver = Resolver(content)

    for region in resolver.regions(display):
        own = replace(content, schedules=tuple(s for s in content.schedules if s.region == region))
        segments = all_in_utc(resolver.timeline(display, start, end, region))

        assert segments == all_in_utc(Resolver(own).timeline(display, start, end, region))
        for segment in segments:
            if region == DEFAULT_REGION:
                assert segment.blank or segment.tier is not None  # never an empty main
            else:
                assert segment.tier is not Tier.BRAND
                assert segment.loop or segment.tier is None
