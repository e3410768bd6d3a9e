"""The change log: every flush that writes something a display can show appends
`(revision, kind, entity_id)` rows to `changes` in the same transaction.

Done as a session event so that the API, the command line and jobs cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from signage.accounts.models import AuditEvent, Setting
from signage.alerts.models import Alert
from signage.content.models import Media, Playlist, PlaylistItem, Rendition, Slide, SlideRevision
from signage.db import ON_CHANGE, utcnow
from signage.feeds.models import Feed
from signage.scheduling.models import Change, Schedule
from signage.screens.models import Display, Group, GroupMember, Location

# Which change writing each kind of row makes: (kind, entity id).
_CHANGE_OF: dict[type[Any], Callable[[Any], tuple[str, int | None]]] = {
    Location: lambda o: ("location", o.id),
    Display: lambda o: ("display", o.id),
    Group: lambda o: ("group", o.id),
    GroupMember: lambda o: ("group", o.group_id),
    Slide: lambda o: ("slide", o.id),
    SlideRevision: lambda o: ("slide", o.slide_id),
    Playlist: lambda o: ("playlist", o.id),
    PlaylistItem: lambda o: ("playlist", o.playlist_id),
    Alert: lambda o: ("alert", o.id),
    Media: lambda o: ("media", o.id),
    Rendition: lambda o: ("media", o.media_id),
}


def _changes_of(obj: Any) -> list[tuple[str, int | None, str | None]]:
    """The changes that writing `obj` makes; none when no display can notice.

    A schedule names its target too, before and after the write, so the propagator can
    find the displays it reached without the row (which may be gone)."""
    if isinstance(obj, Setting):
        return [("brand", None, None)] if obj.key == "brand" else []
    if isinstance(obj, Schedule):
        return [("schedule", obj.id, target) for target in _schedule_targets(obj)]
    if isinstance(obj, Feed):
        # A refresh that brings nothing new only touches the feed's status.
        changed = inspect(obj).attrs["items"].history.has_changes()
        return [("feed", obj.id, None)] if changed else []
    make = _CHANGE_OF.get(type(obj))
    return [(*make(obj), None)] if make else []


def _schedule_targets(schedule: Schedule) -> list[str]:
    state = inspect(schedule)
    targets = [f"{schedule.target_kind}:{schedule.target_id or ''}"]
    kinds = state.attrs.target_kind.history.deleted or [schedule.target_kind]
    ids = state.attrs.target_id.history.deleted or [schedule.target_id]
    for kind in kinds:
        for target_id in ids:
            old = f"{kind}:{target_id or ''}"
            if old not in targets:
                targets.append(old)
    return targets


WRITES = "signage.writes"  # session.info counter of domain rows flushed so far


def _collect(session: Session) -> list[tuple[str, int | None, str | None]]:
    found: list[tuple[str, int | None, str | None]] = []
    touched = list(session.new) + list(session.deleted)
    touched += [obj for obj in session.dirty if session.is_modified(obj)]
    domain = [obj for obj in touched if not isinstance(obj, AuditEvent | Change)]
    session.info[WRITES] = session.info.get(WRITES, 0) + len(domain)
    for obj in touched:
        for change in _changes_of(obj):
            if change not in found:
                found.append(change)
    return found


APPENDED = "signage.changes_appended"  # session.info: this transaction appended changes
# A change committed after a later id is not skipped: the propagator's reader waits for
# open writers of the log (propagator.committed_changes).


@event.listens_for(Session, "after_flush")
def _append_changes(session: Session, _context: Any) -> None:
    changes = _collect(session)
    if changes:
        now = utcnow()
        session.info[APPENDED] = True
        session.connection().execute(
            insert(Change),
            [
                {"kind": kind, "entity_id": entity_id, "target": target, "created_at": now}
                for kind, entity_id, target in changes
            ],
        )


@event.listens_for(Session, "after_commit")
def _signal_changes(session: Session) -> None:
    """Tell whoever the database was opened with (the scaled deployment's propagator,
    through Redis) that the change log grew."""
    if session.info.pop(APPENDED, False):
        on_change = session.info.get(ON_CHANGE)
        if on_change is not None:
            on_change()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(APPENDED, None)
