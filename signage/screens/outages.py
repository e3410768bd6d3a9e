"""When displays were offline: an outage opens when the offline sweep gives a display
up (from its last heartbeat) and closes at its first heartbeat after. Uptime reports
read these; nothing here decides when a display counts as offline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from signage.screens.models import Display, DisplayOutage


def open_outages(session: Session, last_seen: Mapping[int, datetime]) -> None:
    """The displays just marked offline, each with its last heartbeat."""
    if last_seen:
        session.execute(
            insert(DisplayOutage),
            [{"display_id": display, "started_at": at} for display, at in last_seen.items()],
        )


def offline_among(session: Session, display_ids: list[int]) -> list[int]:
    """Which of these displays are marked offline (read before a heartbeat write)."""
    found: list[int] = []
    for start in range(0, len(display_ids), 500):
        part = display_ids[start : start + 500]
        found += session.scalars(
            select(Display.id).where(Display.id.in_(part), Display.online.is_(False))
        )
    return found


def close_outages(session: Session, back: Mapping[int, datetime]) -> None:
    """The displays heard from again, each with the time of its first heartbeat."""
    if not back:
        return
    statement = (
        update(DisplayOutage)
        .where(DisplayOutage.display_id == bindparam("o_display"), DisplayOutage.ended_at.is_(None))
        .values(ended_at=bindparam("o_ended"))
    )
    session.connection().execute(
        statement, [{"o_display": display, "o_ended": at} for display, at in back.items()]
    )
