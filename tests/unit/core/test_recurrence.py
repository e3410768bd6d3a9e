"""Validation of schedule recurrence rules, windows and spans."""

from __future__ import annotations

import pytest

from signage.core.recurrence import (
    RecurrenceError,
    parse_time_of_day,
    validate_rrule,
    validate_span,
    validate_window,
)


@pytest.mark.parametrize(
    ("rule", "normalised"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("rrule:freq=daily", "FREQ=DAILY"),
        ("FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20261231", "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20261231"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24"),
    ],
)
def test_date_only_rules_are_accepted_and_normalised(rule: str, normalised: str) -> None:
    assert validate_rrule(rule) == normalised


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ("FREQ=DAILY;BYHOUR=7", "BYHOUR"),
        ("FREQ=DAILY;BYMINUTE=30", "BYMINUTE"),
        ("FREQ=DAILY;BYSECOND=1", "BYSECOND"),
        ("FREQ=WEEKLY;COUNT=3", "COUNT"),
        ("FREQ=HOURLY", "FREQ"),
        ("FREQ=MINUTELY", "FREQ"),
        ("BYDAY=MO", "FREQ"),
        ("FREQ=DAILY;UNTIL=20261231T120000Z", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid"),
        ("FREQ", "NAME=VALUE"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
    ],
)
def test_rules_outside_the_date_only_subset_are_refused_with_the_reason(
    rule: str, complaint: str
) -> None:
    with pytest.raises(RecurrenceError, match=complaint):
        validate_rrule(rule)


def test_times_of_day_allow_midnight_at_both_ends() -> None:
    assert parse_time_of_day("00:00") == 0
    assert parse_time_of_day("24:00") == 1440
    assert parse_time_of_day("22:30") == 1350


@pytest.mark.parametrize("bad", ["24:01", "25:00", "7:00", "07:60", "0700", ""])
def test_malformed_times_of_day_are_refused(bad: str) -> None:
    with pytest.raises(RecurrenceError):
        parse_time_of_day(bad)


def test_a_window_may_cross_midnight_but_not_start_where_it_ends() -> None:
    assert validate_window("22:00", "06:00") == (1320, 360)
    assert validate_window("00:00", "24:00") == (0, 1440)
    with pytest.raises(RecurrenceError, match="same time"):
        validate_window("07:00", "07:00")


def test_spans_must_end_after_they_start() -> None:
    validate_span("2026-01-05", "2026-12-23")
    validate_span("2026-01-05T07:00", "2026-01-05T08:00")
    with pytest.raises(RecurrenceError, match="after"):
        validate_span("2026-12-23", "2026-01-05")
    with pytest.raises(RecurrenceError, match="offset"):
        validate_span("2026-01-05T07:00+01:00", None)
