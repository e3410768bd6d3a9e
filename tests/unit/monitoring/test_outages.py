"""When a silent display counts as out: only for the time its power windows say it
should be on, measured from its last heartbeat or from the window's start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.core.model import DisplaySpec, Recurrence
from signage.monitoring.outages import ALWAYS_ON, is_out, powered_since
from signage.scheduling.snapshot import holiday_dates, recurrence_of

ZONE = ZoneInfo("Europe/Copenhagen")
THRESHOLD = timedelta(minutes=5)
HOLIDAYS = holiday_dates(range(2026, 2028))


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def display(*power: Recurrence) -> DisplaySpec:
    return DisplaySpec(id=1, timezone="Europe/Copenhagen", power=power)


DAYTIME = recurrence_of(None, ("06:30", "22:00"), None, None, None, None)
NIGHT_SHIFT = recurrence_of(None, ("22:00", "06:00"), None, None, None, None)
WEEKDAYS = recurrence_of("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", ("08:00", "16:00"), None, None,
                         None, "dk")  # fmt: skip

# 2026-11-26 is a Thursday, 2026-11-28 a Saturday, 2026-12-25 Christmas Day (a Friday).
CASES = [
    # (power windows, last heartbeat, now, out?)
    ((), local(26, 12, 0), local(26, 12, 6), True),
    ((), local(26, 12, 0), local(26, 12, 4), False),
    ((DAYTIME,), local(26, 12, 0), local(26, 12, 5), True),
    ((DAYTIME,), local(26, 21, 58), local(26, 23, 0), False),  # switched off for the night
    ((DAYTIME,), local(26, 21, 58), local(27, 6, 33), False),  # three minutes to come up
    ((DAYTIME,), local(26, 21, 58), local(27, 6, 36), True),
    ((NIGHT_SHIFT,), local(27, 1, 50), local(27, 2, 0), True),  # a window across midnight
    ((NIGHT_SHIFT,), local(26, 5, 59), local(26, 12, 0), False),
    ((WEEKDAYS,), local(27, 15, 0), local(28, 12, 0), False),  # Saturday: off
    ((WEEKDAYS,), local(24, 15, 0, month=12), local(25, 12, 0, month=12), False),  # holiday
    ((WEEKDAYS,), local(27, 15, 0), local(30, 8, 5), True),  # Monday morning
]


@pytest.mark.parametrize(("power", "seen", "now", "out"), CASES)
def test_a_display_is_out_only_when_silent_while_it_should_be_on(
    power: tuple[Recurrence, ...], seen: datetime, now: datetime, out: bool
) -> None:
    assert is_out(display(*power), seen, now, THRESHOLD, HOLIDAYS) is out


def test_a_display_without_power_windows_is_always_on() -> None:
    assert powered_since(display(), local(26, 3), HOLIDAYS) == ALWAYS_ON


def test_the_window_a_display_is_in_starts_when_it_was_switched_on() -> None:
    assert powered_since(display(DAYTIME), local(26, 12), HOLIDAYS) == local(26, 6, 30)
    assert powered_since(display(DAYTIME), local(26, 23), HOLIDAYS) is None
    assert powered_since(display(NIGHT_SHIFT), local(27, 3), HOLIDAYS) == local(26, 22)


def test_a_spring_forward_morning_counts_from_the_local_start_of_the_window() -> None:
    # 2026-03-29: clocks jump from 02:00 to 03:00; 06:30 local is 04:30 UTC.
    start = powered_since(display(DAYTIME), local(29, 7, month=3), HOLIDAYS)
    assert start == datetime(2026, 3, 29, 4, 30, tzinfo=UTC)
