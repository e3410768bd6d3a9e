"""What the planning pages share: the resolver's locale, a display's or location's
timezone, tier names, thumbnails and form helpers.

Reads only; every write goes through a domain service in the page modules.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.api.serializers import rendition_url
from signage.content import renditions
from signage.content.models import Media, Rendition, SlideRevision
from signage.scheduling import resolving
from signage.screens.models import Display, Location

TIER_NAMES = {
    "campaign": _l("Campaign"),
    "normal": _l("Normal"),
    "fallback": _l("Fallback"),
}
# A colour per tier in the calendars (classes tone-0 … tone-5 in planning.css).
TIER_TONES = {"campaign": 2, "normal": 0, "fallback": 4}


def locale() -> resolving.Locale:
    settings = current_app.config["SIGNAGE"]
    return resolving.Locale(settings.timezone, settings.language)


def location_zone(session: Session, location_id: int) -> ZoneInfo:
    """The location's timezone: its own, else the nearest ancestor's, else the default."""
    seen: set[int] = set()
    current: int | None = location_id
    while current is not None and current not in seen:
        seen.add(current)
        location = session.get(Location, current)
        if location is None:
            break
        if location.timezone:
            return ZoneInfo(location.timezone)
        current = location.parent_id
    return ZoneInfo(locale().default_timezone)


def display_zone(session: Session, display: Display) -> ZoneInfo:
    if display.timezone:
        return ZoneInfo(display.timezone)
    return location_zone(session, display.location_id)


def thumbnails(session: Session, revision_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Revision id → (thumbnail address, alt text) for revisions whose media has a
    ready thumbnail (a PDF page's own page)."""
    wanted = {rid for rid in revision_ids if rid}
    if not wanted:
        return {}
    revisions = session.scalars(
        select(SlideRevision).where(
            SlideRevision.id.in_(wanted), SlideRevision.media_id.is_not(None)
        )
    ).all()
    found: dict[int, tuple[str, str]] = {}
    for revision in revisions:
        media = session.get(Media, revision.media_id)
        if media is None:
            continue
        page = str((revision.fields or {}).get("page", ""))
        name = renditions.thumb_name(int(page) if media.kind == "pdf" and page.isdigit() else None)
        ready = [r for r in media.renditions if r.name == name and r.status == "ready"]
        if ready:
            found[revision.id] = (
                rendition_url(media.sha256, _preferred(ready)),
                revision.alt or "",
            )
    return found


def _preferred(ready: list[Rendition]) -> Rendition:
    return next((r for r in ready if r.ext == "webp"), ready[0])


def form_values(names: tuple[str, ...]) -> dict[str, str]:
    """The posted text of each named field, stripped (absent fields are empty)."""
    return {name: request.form.get(name, "").strip() for name in names}


def as_int(text: str) -> int | str:
    """A form's digits as a number for the strict payloads; anything else stays text,
    so the payload reports it as not a whole number."""
    return int(text) if text.isdigit() and len(text) < 16 else text


def choice_ids(choices: list[tuple[int, str]]) -> set[str]:
    """The values of a select's choices as the form posts them."""
    return {str(value) for value, _label in choices}


def day_label(day: date) -> str:
    """`mandag den 1. juni 2026`: a calendar day in the console's language."""
    return str(format_date(day, "full"))
