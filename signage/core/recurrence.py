"""Validation of the date-only recurrence rules and daily windows of schedules.

Pure: standard library and dateutil only; never reads the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil.rrule import rrulestr

ALLOWED_FREQS = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
FORBIDDEN_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND", "COUNT"})
DEFAULT_DTSTART = date(2000, 1, 3)  # a Monday
_TIME = re.compile(r"^(\d{2}):(\d{2})$")
MAX_RRULE_LENGTH = 500


class RecurrenceError(ValueError):
    """A schedule's rrule, window or dates break the rules of DESIGN.md."""


def parse_time_of_day(value: str) -> int:
    """'HH:MM' → minutes after midnight; '24:00' is allowed and gives 1440."""
    match = _TIME.match(value)
    if not match:
        raise RecurrenceError(f"time {value!r} must look like HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise RecurrenceError(f"time {value!r} is not between 00:00 and 24:00")
    return hours * 60 + minutes


def validate_window(start: str, end: str) -> tuple[int, int]:
    start_min, end_min = parse_time_of_day(start), parse_time_of_day(end)
    if start_min == end_min:
        raise RecurrenceError(
            f"window {start}–{end} starts and ends at the same time; omit it for all day"
        )
    return start_min, end_min


def validate_rrule(rule: str) -> str:
    """Check a date-only RRULE and return it normalised (upper case, no 'RRULE:')."""
    text = rule.strip()
    if len(text) > MAX_RRULE_LENGTH:
        raise RecurrenceError(f"rrule is longer than {MAX_RRULE_LENGTH} characters")
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    text = text.upper()
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep or not name or not value:
            raise RecurrenceError(f"rrule part {chunk!r} must look like NAME=VALUE")
        if name in parts:
            raise RecurrenceError(f"rrule names {name} twice")
        parts[name] = value
    forbidden = FORBIDDEN_PARTS & parts.keys()
    if forbidden:
        raise RecurrenceError(
            f"rrule may not use {', '.join(sorted(forbidden))}: recurrence selects dates only; "
            "use the window for times and 'ends' instead of COUNT"
        )
    if "DTSTART" in parts:
        raise RecurrenceError("rrule may not carry DTSTART: use the schedule's 'starts'")
    freq = parts.get("FREQ")
    if freq not in ALLOWED_FREQS:
        raise RecurrenceError(
            f"rrule FREQ must be one of {', '.join(sorted(ALLOWED_FREQS))}, got {freq!r}"
        )
    until = parts.get("UNTIL")
    if until is not None and not re.fullmatch(r"\d{8}", until):
        raise RecurrenceError(f"rrule UNTIL must be a date (YYYYMMDD), got {until!r}")
    try:
        rrulestr(text, dtstart=datetime.combine(DEFAULT_DTSTART, datetime.min.time()))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"rrule is not valid: {exc}") from exc
    return text


def parse_date_or_datetime(value: str) -> date | datetime:
    """An ISO date ('2026-01-05') or a local date-time ('2026-01-05T07:00')."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RecurrenceError(
            f"{value!r} is not a date (YYYY-MM-DD) or a local date-time (YYYY-MM-DDTHH:MM)"
        ) from exc
    if parsed.tzinfo is not None:
        raise RecurrenceError(
            f"{value!r} carries an offset; give local wall-clock time in the display's timezone"
        )
    return parsed


def validate_span(starts: str | None, ends: str | None) -> None:
    start = parse_date_or_datetime(starts) if starts else None
    end = parse_date_or_datetime(ends) if ends else None
    if start is not None and end is not None and _as_datetime(end) <= _as_datetime(start):
        raise RecurrenceError(f"ends ({ends}) must come after starts ({starts})")


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time())
