"""The change log: every flush that writes something a display can show appends
`(revision, kind, entity_id)` rows to `changes` in the same transaction.

Done as a session event so that the API, the command line and jobs cannot forget it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from signage.accounts.models import Setting
from signage.alerts.models import Alert
from signage.content.models import Media, Playlist, PlaylistItem, Rendition, Slide, SlideRevision
from signage.db import utcnow
from signage.scheduling.models import Change, Schedule
from signage.screens.models import Display, Group, GroupMember, Location


def _change_of(obj: Any) -> tuple[str, int | None] | None:
    """The change that writing `obj` makes, or None when no display can notice."""
    match obj:
        case Location():
            return ("location", obj.id)
        case Display():
            return ("display", obj.id)
        case Group():
            return ("group", obj.id)
        case GroupMember():
            return ("group", obj.group_id)
        case Slide():
            return ("slide", obj.id)
        case SlideRevision():
            return ("slide", obj.slide_id)
        case Playlist():
            return ("playlist", obj.id)
        case PlaylistItem():
            return ("playlist", obj.playlist_id)
        case Schedule():
            return ("schedule", obj.id)
        case Alert():
            return ("alert", obj.id)
        case Media():
            return ("media", obj.id)
        case Rendition():
            return ("media", obj.media_id)
        case Setting() if obj.key == "brand":
            return ("brand", None)
    return None


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
            [{"kind": kind, "entity_id": entity_id, "created_at": now} for kind, entity_id in changes],
        )
