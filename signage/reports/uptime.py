"""Display uptime over a period: how long each display in the caller's locations was
out against how long it was watched, from the outages `signage.monitoring.outages`
records (silent past the threshold while its power windows say it should be on; from
its last heartbeat before until it is heard from again).

A display is watched from the start of the period, or from when it was created, until
the end of the period or now; one that has never sent a heartbeat has no uptime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.accounts.permissions import Principal
from signage.monitoring.models import DisplayOutage
from signage.reports.services import Period, scope_filter
from signage.screens.models import Display, Location


@dataclass
class Outage:
    started_at: datetime
    ended_at: datetime | None  # None: still offline

    def overlap_s(self, start: datetime, end: datetime) -> float:
        until = min(self.ended_at or end, end)
        return max(0.0, (until - max(self.started_at, start)).total_seconds())


@dataclass
class Availability:
    display_id: int
    name: str
    location: str
    seen: bool  # has ever sent a heartbeat
    watched_from: datetime
    watched_until: datetime
    offline_s: float = 0.0
    outages: list[Outage] = field(default_factory=list)

    @property
    def watched_s(self) -> float:
        return max(0.0, (self.watched_until - self.watched_from).total_seconds())

    @property
    def uptime(self) -> float | None:
        """The share of the watched time it was online (0–1), or None."""
        if not self.seen or self.watched_s <= 0:
            return None
        return max(0.0, 1 - self.offline_s / self.watched_s)


def uptime_report(
    session: Session, principal: Principal, period: Period, now: datetime
) -> list[Availability]:
    query = select(
        Display.id, Display.name, Location.name, Display.created_at, Display.last_seen_at
    ).join(Location, Location.id == Display.location_id)
    scope = scope_filter(principal)
    if scope is not None:
        query = query.where(scope)
    end = min(period.end, now)
    found: dict[int, Availability] = {}
    for display_id, name, location, created_at, last_seen_at in session.execute(query):
        found[display_id] = Availability(
            display_id, name, location, last_seen_at is not None, max(period.start, created_at), end
        )
    _add_outages(session, found, period.start, end)
    return sorted(found.values(), key=lambda a: (a.uptime is None, a.uptime or 0, a.name))


def _add_outages(
    session: Session, found: dict[int, Availability], start: datetime, end: datetime
) -> None:
    ids = sorted(found)
    for first in range(0, len(ids), 500):
        rows = session.scalars(
            select(DisplayOutage)
            .where(
                DisplayOutage.display_id.in_(ids[first : first + 500]),
                DisplayOutage.last_seen_at < end,
                or_(DisplayOutage.ended_at.is_(None), DisplayOutage.ended_at > start),
            )
            .order_by(DisplayOutage.last_seen_at)
        )
        for row in rows:
            availability = found[row.display_id]
            outage = Outage(row.last_seen_at, row.ended_at)
            availability.outages.append(outage)
            availability.offline_s += outage.overlap_s(
                availability.watched_from, availability.watched_until
            )
