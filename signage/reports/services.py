"""Proof of play: plays arrive from kiosks in batches and may arrive twice."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from signage.content.models import Slide, SlideRevision
from signage.reports.models import PlayEvent
from signage.reports.schemas import PlayIn


def record_plays(session: Session, display_id: int, plays: list[PlayIn]) -> int:
    """Store the plays not stored before; returns how many were new."""
    fresh = {play.id: play for play in plays}
    if not fresh:
        return 0
    seen = set(
        session.scalars(
            select(PlayEvent.client_id).where(
                PlayEvent.display_id == display_id, PlayEvent.client_id.in_(list(fresh))
            )
        )
    )
    # A slide deleted since it played keeps its play, without the link.
    slides = set(session.scalars(select(Slide.id).where(Slide.id.in_({p.slide for p in plays}))))
    revisions = set(
        session.scalars(
            select(SlideRevision.id).where(SlideRevision.id.in_({p.revision for p in plays}))
        )
    )
    rows = [
        {
            "display_id": display_id,
            "client_id": play.id,
            "slide_id": play.slide if play.slide in slides else None,
            "revision_id": play.revision if play.revision in revisions else None,
            "language": play.language,
            "started_at": play.started_at,
            "duration_ms": play.duration_ms,
        }
        for play in fresh.values()
        if play.id not in seen
    ]
    if rows:
        session.execute(insert(PlayEvent), rows)
    return len(rows)
