"""Reports on proof of play: plays and screen time by slide, annual theme, location,
display or day, read from the roll-ups, within the caller's locations.

Alerts' screen time is kept apart from content: it is never a slide's or theme's, and
comes as its own figures. A caller sees the displays inside their grants' subtrees
(everything, with a grant on the root).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from signage.accounts.permissions import Principal, Role
from signage.content.models import Slide, Theme
from signage.errors import SignageError
from signage.reports.models import ALERT, SLIDE, PlayDay, PlayHour
from signage.screens.models import Display, Location

GROUP_BYS = ("slide", "theme", "location", "display", "day")
DEFAULT_DAYS = 30
MAX_DAYS = 400


class BadPeriod(SignageError):
    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class Period:
    """[start, end): whole hours; reports in local days use SIGNAGE_TIMEZONE."""

    start: datetime
    end: datetime
    zone: ZoneInfo

    @property
    def is_whole_days(self) -> bool:
        return all(
            at.astimezone(self.zone).timetz().replace(tzinfo=None) == time()
            for at in (self.start, self.end)
        )

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def end_day(self) -> date:
        """The day after the last (exclusive), for a period of whole days."""
        return self.end.astimezone(self.zone).date()


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def parse_period(raw_from: str | None, raw_to: str | None, zone: ZoneInfo, now: datetime) -> Period:
    """`from` and `to` as dates (local midnight) or ISO 8601 instants on whole hours; by
    default the last 30 days up to and including today."""
    end = (
        _instant("to", raw_to, zone)
        if raw_to
        else midnight(now.astimezone(zone).date() + timedelta(days=1), zone)
    )
    start = (
        _instant("from", raw_from, zone)
        if raw_from
        else midnight(end.astimezone(zone).date() - timedelta(days=DEFAULT_DAYS), zone)
    )
    if start >= end:
        raise BadPeriod("'from' must be before 'to'")
    if end - start > timedelta(days=MAX_DAYS):
        raise BadPeriod(f"a report covers at most {MAX_DAYS} days")
    return Period(start, end, zone)


def _instant(name: str, raw: str, zone: ZoneInfo) -> datetime:
    try:
        if len(raw) == 10:
            return midnight(date.fromisoformat(raw), zone)
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise BadPeriod(
            f"{name!r} must be a date (2026-11-01) or an instant with its offset "
            "(2026-11-01T08:00:00+01:00)"
        ) from exc
    if value.tzinfo is None:
        raise BadPeriod(f"{name!r} needs an offset such as +01:00 or Z")
    if value.astimezone(UTC).replace(minute=0, second=0, microsecond=0) != value:
        raise BadPeriod(f"{name!r} must fall on a whole hour: the figures are hourly")
    return value.astimezone(UTC)


@dataclass
class Line:
    """One row of a report: its key (an id, a date, or None for "none"/"deleted")."""

    key: int | str | None
    label: str | None
    plays: int = 0
    duration_ms: int = 0
    alert_plays: int = 0
    alert_duration_ms: int = 0

    @property
    def seconds(self) -> float:
        return self.duration_ms / 1000

    @property
    def alert_seconds(self) -> float:
        return self.alert_duration_ms / 1000


@dataclass
class PlayReport:
    period: Period
    group_by: str
    lines: list[Line]
    alerts: Line = field(default_factory=lambda: Line(None, None))

    @property
    def with_alerts(self) -> bool:
        """Whether each line carries its alerts' figures (slides and themes do not)."""
        return self.group_by in ("location", "display", "day")

    @property
    def total(self) -> Line:
        return Line(
            None,
            None,
            sum(line.plays for line in self.lines),
            sum(line.duration_ms for line in self.lines),
        )


def scope_filter(principal: Principal) -> ColumnElement[bool] | None:
    """Displays the caller may report on, as a condition on Display (None: all)."""
    if principal.covers_whole_tree(Role.VIEWER):
        return None
    return Display.location_id.in_(sorted(principal.writable(Role.VIEWER)))


def play_report(
    session: Session, principal: Principal, period: Period, group_by: str
) -> PlayReport:
    if group_by not in GROUP_BYS:
        raise BadPeriod(f"group_by is one of {', '.join(GROUP_BYS)}")
    table: Any = PlayDay if period.is_whole_days else PlayHour
    bucket = table.day if table is PlayDay else table.hour
    where: list[Any] = (
        [bucket >= period.first_day, bucket < period.end_day]
        if table is PlayDay
        else [bucket >= period.start, bucket < period.end]
    )
    scope = scope_filter(principal)
    if scope is not None:
        where.append(scope)
    key = {
        "slide": table.subject_id,
        "theme": Slide.theme_id,
        "location": Display.location_id,
        "display": table.display_id,
        "day": bucket,
    }[group_by]
    query = (
        select(key, table.kind, func.sum(table.plays), func.sum(table.duration_ms))
        .join(Display, Display.id == table.display_id)
        .where(*where)
        .group_by(key, table.kind)
    )
    if group_by == "theme":
        query = query.outerjoin(Slide, (Slide.id == table.subject_id) & (table.kind == SLIDE))
    rows = [(k, kind, int(p or 0), int(d or 0)) for k, kind, p, d in session.execute(query)]
    if group_by == "day" and table is PlayHour:
        rows = [(k.astimezone(period.zone).date(), kind, p, d) for k, kind, p, d in rows]
    report = PlayReport(period, group_by, [])
    lines: dict[Any, Line] = {}
    for found, kind, plays, duration in rows:
        if kind == ALERT:
            report.alerts.plays += plays
            report.alerts.duration_ms += duration
            if not report.with_alerts:
                continue
        line = lines.setdefault(found, Line(found, None))
        if kind == ALERT:
            line.alert_plays += plays
            line.alert_duration_ms += duration
        else:
            line.plays += plays
            line.duration_ms += duration
    report.lines = _labelled(session, group_by, list(lines.values()))
    return report


def _labelled(session: Session, group_by: str, lines: list[Line]) -> list[Line]:
    if group_by == "day":
        for line in lines:
            line.key = line.key.isoformat() if isinstance(line.key, date) else line.key
            line.label = str(line.key)
        return sorted(lines, key=lambda line: str(line.key))
    model: Any = {"slide": Slide, "theme": Theme, "location": Location, "display": Display}[
        group_by
    ]
    label = model.title if model is Slide else model.name
    ids = [line.key for line in lines if line.key]
    rows = session.execute(select(model.id, label).where(model.id.in_(ids)))
    names: dict[int, str] = {row[0]: row[1] for row in rows}
    for line in lines:
        line.key = line.key if line.key in names else None  # 0 or gone: a deleted slide
        line.label = names.get(line.key) if line.key is not None else None
    merged: dict[Any, Line] = defaultdict(lambda: Line(None, None))
    for line in lines:  # several deleted slides become one "deleted" line
        into = merged[line.key]
        into.key, into.label = line.key, line.label
        into.plays += line.plays
        into.duration_ms += line.duration_ms
        into.alert_plays += line.alert_plays
        into.alert_duration_ms += line.alert_duration_ms
    return sorted(
        merged.values(),
        key=lambda line: (-(line.duration_ms + line.alert_duration_ms), line.label or ""),
    )
