"""The proof-of-play sweep: roll the hours that got new plays up into hourly and daily
figures per display and slide (or alert), and purge raw plays past their kept period.

Each marked (display, hour) is recomputed from the raw plays in full, and each local day
it falls in from its hours, so running the sweep twice, or over a late play, gives the
same figures. Plays count in the hour they start. Runs in the jobs process.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, delete, func, insert, literal, literal_column, select
from sqlalchemy.orm import Session

from signage.reports.ingest import chunks
from signage.reports.models import ALERT, SLIDE, PlayDay, PlayEvent, PlayHour, PlayMark
from signage.screens.models import Display

MARKS_PER_SWEEP = 20_000  # a backlog is worked off over several sweeps


@dataclass(frozen=True)
class Sweep:
    hours: int
    days: int
    purged: int

    def summary(self) -> str:
        return f"{self.hours} hours and {self.days} days rolled up, {self.purged} plays purged"


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of a local day's midnight and the next (23 or 25 h apart at DST)."""
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def roll_up(session: Session, zone: ZoneInfo, now: datetime, keep: timedelta) -> Sweep:
    marks = session.execute(
        select(PlayMark.display_id, PlayMark.hour, PlayMark.version)
        .order_by(PlayMark.hour)
        .limit(MARKS_PER_SWEEP)
    ).all()
    hours: dict[datetime, list[int]] = defaultdict(list)
    for mark in marks:
        hours[mark.hour].append(mark.display_id)
    days: dict[date, set[int]] = defaultdict(set)
    for hour, displays in hours.items():
        for part in chunks(sorted(displays)):
            _roll_hour(session, hour, part)
        days[hour.astimezone(zone).date()].update(displays)
    for day, seen in days.items():
        for part in chunks(sorted(seen)):
            _roll_day(session, day, zone, part)
    _unmark(session, marks)
    purged = purge(session, now - keep)
    return Sweep(len(marks), sum(len(d) for d in days.values()), purged)


def _roll_hour(session: Session, hour: datetime, displays: Any) -> None:
    session.execute(
        delete(PlayHour).where(PlayHour.hour == hour, PlayHour.display_id.in_(displays))
    )
    end = hour + timedelta(hours=1)
    # Grouped by the raw columns: PostgreSQL refuses a GROUP BY on an expression that
    # only equals the selected one.
    source = (
        select(
            PlayEvent.display_id,
            literal(hour, PlayHour.__table__.c.hour.type),
            _kind(),
            func.coalesce(PlayEvent.alert_id, PlayEvent.slide_id, 0),
            func.count(),
            func.sum(PlayEvent.duration_ms),
        )
        .where(
            PlayEvent.display_id.in_(displays),
            PlayEvent.started_at >= hour,
            PlayEvent.started_at < end,
        )
        .group_by(PlayEvent.display_id, PlayEvent.alert_id, PlayEvent.slide_id)
    )
    columns = ["display_id", "hour", "kind", "subject_id", "plays", "duration_ms"]
    session.execute(insert(PlayHour).from_select(columns, source))


def _kind() -> Any:
    return case(
        (PlayEvent.alert_id.is_not(None), literal_column(f"'{ALERT}'")),
        else_=literal_column(f"'{SLIDE}'"),
    )


def _roll_day(session: Session, day: date, zone: ZoneInfo, displays: Any) -> None:
    session.execute(delete(PlayDay).where(PlayDay.day == day, PlayDay.display_id.in_(displays)))
    start, end = day_bounds(day, zone)
    source = (
        select(
            PlayHour.display_id,
            literal(day, PlayDay.__table__.c.day.type),
            PlayHour.kind,
            PlayHour.subject_id,
            func.sum(PlayHour.plays),
            func.sum(PlayHour.duration_ms),
        )
        .where(PlayHour.display_id.in_(displays), PlayHour.hour >= start, PlayHour.hour < end)
        .group_by(PlayHour.display_id, PlayHour.kind, PlayHour.subject_id)
    )
    columns = ["display_id", "day", "kind", "subject_id", "plays", "duration_ms"]
    session.execute(insert(PlayDay).from_select(columns, source))


def _unmark(session: Session, marks: Any) -> None:
    """Remove the marks rolled up, each only at the version read: a mark that new plays
    bumped meanwhile stays for the next sweep."""
    if not marks:
        return
    statement = delete(PlayMark).where(
        PlayMark.display_id == bindparam("m_display"),
        PlayMark.hour == bindparam("m_hour"),
        PlayMark.version == bindparam("m_version"),
    )
    session.connection().execute(
        statement,
        [{"m_display": m.display_id, "m_hour": m.hour, "m_version": m.version} for m in marks],
    )


def purge(session: Session, before: datetime) -> int:
    """Delete raw plays that started before `before`, display by display (the index
    plays are read by); the roll-ups stay."""
    displays = sorted(session.scalars(select(Display.id)))
    purged = 0
    for part in chunks(displays):
        result = session.execute(
            delete(PlayEvent)
            .where(PlayEvent.display_id.in_(part), PlayEvent.started_at < before)
            .execution_options(synchronize_session=False)
        )
        purged += int(getattr(result, "rowcount", 0) or 0)
    return purged
