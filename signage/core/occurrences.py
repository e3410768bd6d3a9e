"""Rule 3: the instants a recurrence is on, in one timezone, over a range of dates.

Local wall-clock times become instants as RFC 5545 §3.3.5 says: a time in a
spring-forward gap takes the offset before the gap; an ambiguous autumn time takes its
first instant. Python's `fold=0` does exactly that, so no special cases appear here.

Every instant leaves this module in UTC: Python compares and subtracts datetimes that
share a tzinfo by wall clock, which is wrong across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from dateutil.rrule import rrulestr

from signage.core.model import Recurrence
from signage.core.recurrence import DEFAULT_DTSTART

Interval = tuple[datetime, datetime]
ONE_DAY = timedelta(days=1)
MINUTES_PER_DAY = 1440


def local_instant(day: date, minutes: int, zone: tzinfo) -> datetime:
    """Local `day` + `minutes` as an aware instant (24:00 is the next midnight)."""
    if minutes >= MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=minutes // MINUTES_PER_DAY), minutes % MINUTES_PER_DAY
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone).astimezone(UTC)


def to_instant(value: date | datetime, zone: tzinfo) -> datetime:
    """A local date (its midnight) or naive local datetime as an instant."""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=4096)
def _rule_dates(rule: str, dtstart: date, first: date, last: date) -> frozenset[date]:
    start = datetime.combine(dtstart, time())
    parsed = rrulestr(rule, dtstart=start, ignoretz=True)
    window_start = datetime.combine(first, time())
    window_end = datetime.combine(last, time())
    return frozenset(d.date() for d in parsed.between(window_start, window_end, inc=True))


def selected_dates(
    recurrence: Recurrence, first: date, last: date, holidays: Mapping[str, frozenset[date]]
) -> Iterator[date]:
    """The dates in [first, last] that the recurrence selects, in order."""
    starts, ends = recurrence.starts, recurrence.ends
    # Dates filter dates; date-times clip the intervals instead (see `occurrences`).
    low = starts if _is_date(starts) else None
    high = ends if _is_date(ends) else None
    if (low is not None and low > last) or (high is not None and high <= first):
        return  # no date of the range passes: the rule need not be expanded
    dtstart = starts.date() if isinstance(starts, datetime) else starts or DEFAULT_DTSTART
    by_rule = _rule_dates(recurrence.rrule, dtstart, first, last) if recurrence.rrule else None
    skipped = holidays.get(recurrence.holidays, frozenset()) if recurrence.holidays else frozenset()
    day = first
    while day <= last:
        if (
            (by_rule is None or day in by_rule)
            and day not in recurrence.exdates
            and day not in skipped
            and (low is None or day >= low)
            and (high is None or day < high)
        ):
            yield day
        day += ONE_DAY


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def occurrences(
    recurrence: Recurrence,
    zone: tzinfo,
    first: date,
    last: date,
    holidays: Mapping[str, frozenset[date]],
) -> list[Interval]:
    """The on-intervals of occurrences whose date lies in [first, last], clipped by
    date-time starts/ends, merged where they touch."""
    found: list[Interval] = []
    for day in selected_dates(recurrence, first, last, holidays):
        if recurrence.window is None:
            start, end = local_instant(day, 0, zone), local_instant(day + ONE_DAY, 0, zone)
        else:
            begin, finish = recurrence.window
            end_day = day + ONE_DAY if finish <= begin else day
            start, end = local_instant(day, begin, zone), local_instant(end_day, finish, zone)
        found.append((start, end))
    clip_start = recurrence.starts if isinstance(recurrence.starts, datetime) else None
    clip_end = recurrence.ends if isinstance(recurrence.ends, datetime) else None
    if clip_start is not None or clip_end is not None:
        low = to_instant(clip_start, zone) if clip_start else None
        high = to_instant(clip_end, zone) if clip_end else None
        found = [(max(s, low) if low else s, min(e, high) if high else e) for s, e in found]
        found = [(s, e) for s, e in found if s < e]
    return merge(found)


def merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def covers(intervals: list[Interval], instant: datetime) -> bool:
    return any(start <= instant < end for start, end in intervals)
