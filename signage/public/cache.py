"""Each process's cache of public views and of pages' socket rooms.

A view is kept until the screens' answer runs out (the next time one of its screens
changes by itself) or a write reaches one of its displays. Every write a screen can
notice appends to the change log; when the log has moved, the new changes are mapped to
the displays they reach, as propagation maps them, and a view none of them reaches is
kept. So a page read by many costs one resolve a change of its own, and edits elsewhere
in a large municipality cost it a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.public.services import PublicView, covered_displays, page_rooms, resolve_view
from signage.scheduling.models import Change
from signage.scheduling.propagator import affected_displays
from signage.screens.models import Location

MAX_ROOM_ENTRIES = 10_000


@dataclass
class PublicViews:
    """One process's views, one a location, and pages' rooms, one a slug."""

    entries: dict[int, _Entry] = field(default_factory=dict)
    resolved: int = 0  # how many views were resolved (tests and benchmarks read it)
    # A page's socket rooms by slug (None: not a public location), for connects.
    room_entries: dict[str, tuple[int, list[str] | None]] = field(default_factory=dict)

    def get(
        self,
        session: Session,
        location: Location,
        now: datetime,
        default_timezone: str,
        base_language: str,
    ) -> PublicView:
        last_change = _last_change(session)
        covered = covered_displays(session, location.id)
        found = self.entries.get(location.id)
        if (
            found is not None
            and now < found.view.valid_until
            and found.covered == covered
            and not _reached(session, found, last_change)
        ):
            found.change = last_change
            return found.view
        view = resolve_view(session, location, now, default_timezone, base_language, covered)
        self.entries[location.id] = _Entry(last_change, covered, view)
        self.resolved += 1
        return view

    def rooms(self, session: Session, slug: str, default_timezone: str) -> list[str] | None:
        """`page_rooms`, worked out once a change: a crowd of readers connecting at once
        (a link shared widely) costs one query each."""
        last_change = _last_change(session)
        found = self.room_entries.get(slug)
        if found is not None and found[0] == last_change:
            return found[1]
        if len(self.room_entries) > MAX_ROOM_ENTRIES:
            self.room_entries.clear()  # made-up slugs must not grow the cache without end
        rooms = page_rooms(session, slug, default_timezone)
        self.room_entries[slug] = (last_change, rooms)
        return rooms


@dataclass
class _Entry:
    change: int  # the change log's last id the view is known to be current for
    covered: list[int]  # the displays it covers
    view: PublicView


# Changes a view is checked against one by one; beyond this many it is resolved afresh.
MAX_CHANGES_CHECKED = 500
# Kinds whose reach is not worked out here: alerts (their targets), locations (names and
# public flags) and groups (tag members) make the view resolve again.
RESOLVE_AGAIN_ON = frozenset({"alert", "location", "group"})


def _reached(session: Session, entry: _Entry, last_change: int) -> bool:
    """Whether a change after the entry's can reach a display it covers."""
    if last_change == entry.change:
        return False
    if last_change - entry.change > MAX_CHANGES_CHECKED:
        return True
    changes = list(
        session.scalars(select(Change).where(Change.id > entry.change, Change.id <= last_change))
    )
    if any(change.kind in RESOLVE_AGAIN_ON for change in changes):
        return True
    reached = affected_displays(session, changes)
    return reached is None or bool(reached & set(entry.covered))


def _last_change(session: Session) -> int:
    return int(session.scalar(select(func.max(Change.id))) or 0)
