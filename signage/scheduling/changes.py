"""The change log: every flush that writes something a display can show appends
`(revision, kind, entity_id)` rows to `changes` in the same transaction.

Done as a session event so that the API, the command line and jobs cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from signage.accounts.models import Setting
from signage.alerts.models import Alert
from signage.content.models import Media, Playlist, PlaylistItem, Rendition, Slide, SlideRevision
from signage.db import utcnow
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
    Schedule: lambda o: ("schedule", o.id),
    Alert: lambda o: ("alert", o.id),
    Media: lambda o: ("media", o.id),
    Rendition: lambda o: ("media", o.media_id),
}


def _change_of(obj: Any) -> tuple[str, int | None] | None:
    """The change that writing `obj` makes, or None when no display can notice."""
    if isinstance(obj, Setting):
        return ("brand", None) if obj.key == "brand" else None
    make = _CHANGE_OF.get(type(obj))
    return make(obj) if make else None


def _collect(session: Session) -> list[tuple[str, int | None]]:
    found: list[tuple[str, int | None]] = []
    touched = list(session.new) + list(session.deleted)
    touched += [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in touched:
        change = _change_of(obj)
        if change is not None and change not in found:
            found.append(change)
    return found


@event.listens_for(Session, "after_flush")
def _append_changes(session: Session, _context: Any) -> None:
    changes = _collect(session)
    if changes:
        now = utcnow()
        session.connection().execute(
            insert(Change),
            [
                {"kind": kind, "entity_id": entity_id, "created_at": now}
                for kind, entity_id in changes
            ],
        )
