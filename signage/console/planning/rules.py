"""A schedule's "when" as staff give it — weekdays, a time window, first and last day —
turned into the RRULE, window and dates the scheduler stores, and back into words.

Checks what a person can get wrong and says so per field; the service checks again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Literal

from babel.dates import get_day_names
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signage.core.recurrence import (
    RecurrenceError,
    parse_date_or_datetime,
    parse_time_of_day,
    validate_rrule,
)

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WORKDAYS = WEEKDAYS[:5]
DAY_OR_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?")
WINDOW_SAME = _l(
    "The time cannot start and end at the same minute. Leave both empty for the whole day."
)
WINDOW_HALF = _l("Fill in both times, or leave both empty for the whole day.")
TIME_FORM = _l("Write the time as HH:MM, for example 07:00.")
NO_DAYS = _l("Choose at least one day.")
UNKNOWN_DAYS = _l("Choose the days from the list.")
BAD_RULE = _l(
    "This rule cannot be used. Write for example FREQ=WEEKLY;BYDAY=MO,WE; the time of day "
    "belongs in the fields for the time, not in the rule."
)
DATE_FORM = _l("Write a date as YYYY-MM-DD.")
LAST_BEFORE_FIRST = _l("The last day cannot come before the first day.")


def day_names(width: Literal["abbreviated", "wide"] = "wide") -> dict[str, str]:
    names = get_day_names(width, locale=get_locale())
    return {code: str(names[index]) for index, code in enumerate(WEEKDAYS)}


def days_of(rrule: str | None) -> list[str] | None:
    """The weekdays of a rule the day picker can show (every day without a rule), or
    None when the rule says more than weekdays."""
    if not rrule:
        return list(WEEKDAYS)
    parts = dict(part.partition("=")[::2] for part in rrule.upper().split(";"))
    if parts.get("FREQ") == "DAILY" and len(parts) == 1:
        return list(WEEKDAYS)
    days = parts.get("BYDAY", "").split(",")
    if (
        parts.get("FREQ") == "WEEKLY"
        and set(parts) == {"FREQ", "BYDAY"}
        and set(days) <= set(WEEKDAYS)
    ):
        return [day for day in WEEKDAYS if day in days]
    return None


def rule_of(days: list[str], advanced: str, problems: dict[str, str]) -> str | None:
    """The RRULE for the chosen days (none for every day), or the advanced rule when
    one is written; a problem is recorded under `days` or `rrule`."""
    if advanced:
        try:
            return validate_rrule(advanced)
        except RecurrenceError as exc:
            problems["rrule"] = f"{BAD_RULE} ({exc})"
            return None
    if not set(days) <= set(WEEKDAYS):
        problems["days"] = str(UNKNOWN_DAYS)
        return None
    if not days:
        problems["days"] = str(NO_DAYS)
        return None
    if len(set(days)) == len(WEEKDAYS):
        return None
    return "FREQ=WEEKLY;BYDAY=" + ",".join(day for day in WEEKDAYS if day in days)


def window_of(start: str, end: str, problems: dict[str, str]) -> list[str] | None:
    """[start, end] or None for the whole day; an end at or before the start runs into
    the next day (a night shift), but never ends at the very minute it starts."""
    if not start and not end:
        return None
    if not start or not end:
        problems["window"] = str(WINDOW_HALF)
        return None
    start, end = start[:5], end[:5]  # a browser may add seconds
    try:
        first, last = parse_time_of_day(start), parse_time_of_day(end)
    except RecurrenceError:
        problems["window"] = str(TIME_FORM)
        return None
    if first == last:
        problems["window"] = str(WINDOW_SAME)
        return None
    return [start, end]


def span_of(first: str, last: str, problems: dict[str, str]) -> tuple[str | None, str | None]:
    """`starts` and `ends` from a first and a last day (both included); a local
    date-time (given through the API) passes as it is."""
    starts = _day_or_moment(first, "first_day", problems)
    ends = _day_or_moment(last, "last_day", problems)
    if ends is not None and "T" not in ends:
        ends = (date.fromisoformat(ends) + timedelta(days=1)).isoformat()
    if starts and ends and ends <= starts:
        problems["last_day"] = str(LAST_BEFORE_FIRST)
    return starts, ends


def _day_or_moment(text: str, field: str, problems: dict[str, str]) -> str | None:
    if not text:
        return None
    try:
        if not DAY_OR_MOMENT.fullmatch(text):
            raise RecurrenceError(text)
        parse_date_or_datetime(text)
    except RecurrenceError:
        problems[field] = str(DATE_FORM)
        return None
    return text


def last_day(ends: str | None) -> str:
    """The form's last day for a stored `ends` (exclusive)."""
    if not ends:
        return ""
    if "T" in ends:
        return ends
    return (date.fromisoformat(ends) - timedelta(days=1)).isoformat()


def describe(schedule: Mapping[str, Any]) -> str:
    """`Monday–Friday 07:00–10:00, from 5 January 2026, not on public holidays`."""
    words = [_days_text(schedule.get("rrule"))]
    window = schedule.get("window")
    if window:
        overnight = parse_time_of_day(window[1]) <= parse_time_of_day(window[0])
        words.append(
            _("%(start)s–%(end)s (ends the next day)", start=window[0], end=window[1])
            if overnight
            else f"{window[0]}–{window[1]}"
        )
    else:
        words.append(_("all day"))
    text = " ".join(words)
    if schedule.get("starts"):
        text += ", " + _("from %(day)s", day=_day_text(schedule["starts"]))
    if schedule.get("ends"):
        text += ", " + _("until %(day)s", day=_day_text(last_day(schedule["ends"])))
    if schedule.get("holidays"):
        text += ", " + _("not on public holidays")
    return text


def _days_text(rrule: str | None) -> str:
    days = days_of(rrule)
    if days is None:
        return _("By the rule %(rule)s", rule=rrule)
    if len(days) == len(WEEKDAYS):
        return _("Every day")
    names = day_names()
    if tuple(days) == WORKDAYS:
        return f"{names['MO']}–{names['FR']}"
    short = day_names("abbreviated")
    return ", ".join(short[day] for day in days)


def _day_text(value: str) -> str:
    if "T" in value:
        return value.replace("T", " ")
    return str(format_date(date.fromisoformat(value), "long"))
