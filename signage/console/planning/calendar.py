"""Week calendars: schedule occurrences and timeline segments cut into blocks per local
day, with what each block needs to be drawn and read aloud.

Pure: no Flask, no database; labels arrive already translated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from signage.core.model import Recurrence
from signage.core.occurrences import occurrences

MINUTES_PER_DAY = 1440
WEEK_DAYS = 7


@dataclass(frozen=True)
class Block:
    """One piece of something on one local day, in minutes after local midnight."""

    start: int
    end: int
    title: str
    detail: str
    tone: int = 0
    lane: int = 0
    from_previous_day: bool = False
    into_next_day: bool = False

    @property
    def time_range(self) -> str:
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass(frozen=True)
class Day:
    date: date
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Week:
    days: tuple[Day, ...]
    lanes: int

    @property
    def first(self) -> date:
        return self.days[0].date


@dataclass(frozen=True)
class Planned:
    """A schedule as the calendar draws it: when it is on, and its words."""

    recurrence: Recurrence
    title: str
    detail: str
    tone: int


@dataclass(frozen=True)
class Shown:
    """A stretch of a display's timeline: [start, end) with what plays, in the lane of
    its region."""

    start: datetime
    end: datetime
    title: str
    detail: str
    tone: int
    lane: int = 0


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def pieces(
    start: datetime, end: datetime, zone: ZoneInfo
) -> Iterator[tuple[date, int, int, bool, bool]]:
    """Cut [start, end) at local midnights: (day, start minute, end minute, began the
    day before, runs into the next day) for each local day it touches."""
    day = start.astimezone(zone).date()
    while True:
        day_start, day_end = midnight(day, zone), midnight(day + timedelta(days=1), zone)
        if day_start >= end:
            return
        low, high = max(start, day_start), min(end, day_end)
        if low < high:
            first = _minutes(low, zone) if low > day_start else 0
            last = _minutes(high, zone) if high < day_end else MINUTES_PER_DAY
            yield day, first, last, start < day_start, end > day_end
        day += timedelta(days=1)


def _minutes(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def schedule_week(
    planned: Sequence[Planned],
    zone: ZoneInfo,
    monday: date,
    holidays: Mapping[str, frozenset[date]],
) -> Week:
    """The week from `monday` with each schedule's occurrences, one lane per schedule.
    Sunday's night shift before the week shows on Monday morning, as it plays."""
    sunday = monday + timedelta(days=WEEK_DAYS - 1)
    found: dict[date, list[Block]] = {}
    for lane, plan in enumerate(planned):
        spans = occurrences(plan.recurrence, zone, monday - timedelta(days=1), sunday, holidays)
        for start, end in spans:
            for day, first, last, before, after in pieces(start, end, zone):
                block = Block(first, last, plan.title, plan.detail, plan.tone, lane, before, after)
                found.setdefault(day, []).append(block)
    return _week(found, monday, max(len(planned), 1))


def timeline_week(shown: Sequence[Shown], zone: ZoneInfo, first: date, lanes: int = 1) -> Week:
    """Seven days from `first` of what a display plays, stretches that carry on across
    a change of segment joined into one block (one lane per region)."""
    found: dict[date, list[Block]] = {}
    for stretch in _joined(shown):
        for day, low, high, before, after in pieces(stretch.start, stretch.end, zone):
            block = Block(
                low, high, stretch.title, stretch.detail, stretch.tone, stretch.lane, before, after
            )
            found.setdefault(day, []).append(block)
    return _week(found, first, lanes)


def _joined(shown: Sequence[Shown]) -> list[Shown]:
    joined: list[Shown] = []
    for stretch in sorted(shown, key=lambda s: (s.lane, s.start)):
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.end == stretch.start
            and (last.title, last.detail, last.tone, last.lane)
            == (stretch.title, stretch.detail, stretch.tone, stretch.lane)
        ):
            joined[-1] = Shown(
                last.start, stretch.end, last.title, last.detail, last.tone, last.lane
            )
        else:
            joined.append(stretch)
    return joined


def _week(found: Mapping[date, list[Block]], first: date, lanes: int) -> Week:
    days = tuple(
        Day(day, tuple(sorted(found.get(day, []), key=lambda b: (b.start, b.lane))))
        for day in (first + timedelta(days=n) for n in range(WEEK_DAYS))
    )
    return Week(days, lanes)
