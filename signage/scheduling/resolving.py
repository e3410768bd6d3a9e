"""What one display shows: its timeline over a range and its answer at an instant,
resolved from the database through the pure core (for the API and previews)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from signage.core.model import Now, Segment
from signage.core.timeline import Resolver
from signage.errors import ValidationFailed
from signage.scheduling.manifests import segment_json
from signage.scheduling.snapshot import Snapshot, load_snapshot

MAX_TIMELINE_SPAN = timedelta(days=31)


@dataclass(frozen=True)
class Locale:
    default_timezone: str
    base_language: str


def _snapshot(session: Session, display_id: int, now: datetime, locale: Locale) -> Snapshot:
    return load_snapshot(
        session,
        now=now,
        default_timezone=locale.default_timezone,
        base_language=locale.base_language,
        displays={display_id},
    )


def timeline(
    session: Session, display_id: int, start: datetime, end: datetime, locale: Locale
) -> tuple[str, list[Segment]]:
    """(the layout the display uses, its segments in every region of that layout)."""
    if end <= start:
        raise ValidationFailed("'to' must come after 'from'")
    if end - start > MAX_TIMELINE_SPAN:
        raise ValidationFailed(f"a timeline spans at most {MAX_TIMELINE_SPAN.days} days")
    snapshot = _snapshot(session, display_id, start, locale)
    display = snapshot.displays[display_id]
    resolver = Resolver(snapshot.content)
    segments: list[Segment] = []
    for region in resolver.regions(display):
        segments += resolver.timeline(display, start, end, region)
    return display.layout, segments


def now(
    session: Session, display_id: int, at: datetime, region: str, locale: Locale
) -> dict[str, Any]:
    snapshot = _snapshot(session, display_id, at, locale)
    display = snapshot.displays[display_id]
    answer: Now = Resolver(snapshot.content).now(display, at, region)
    segment = segment_json(answer.segment)
    loop = []
    for entry in segment["loop"]:
        payload = snapshot.slide_payloads.get(entry["slide"], {})
        slide = {"id": entry["slide"], "title": payload.get("title"), "kind": payload.get("kind")}
        loop.append({**entry, "slide": slide})
    return {
        "display": display_id,
        "layout": display.layout,
        "region": region,
        "at": at.isoformat(),
        "index": answer.index,
        "blank": segment["blank"],
        "alerts": segment["alerts"],
        "tier": segment["tier"],
        "anchor": segment["anchor"],
        "loop": loop,
    }
