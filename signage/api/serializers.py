"""Entities to JSON: one function per resource, field by field as the OpenAPI says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from signage.accounts.models import AuditEvent, Grant, User
from signage.alerts.models import Alert
from signage.content.models import Media, Playlist, Rendition, Slide, SlideRevision, Theme
from signage.core.layouts import GRID, Layout
from signage.feeds.models import Feed
from signage.scheduling.models import Schedule
from signage.scheduling.services import target_of
from signage.screens.models import Display, Group, Location


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def location(obj: Location) -> dict[str, Any]:
    return {
        "id": obj.id,
        "slug": obj.slug,
        "name": obj.name,
        "parent_id": obj.parent_id,
        "timezone": obj.timezone,
        "public": obj.public,
        "layout": obj.layout,
        "created_at": iso(obj.created_at),
    }


def display(obj: Display) -> dict[str, Any]:
    return {
        "id": obj.id,
        "name": obj.name,
        "location_id": obj.location_id,
        "orientation": obj.orientation,
        "resolution": [obj.width, obj.height],
        "rotation": obj.rotation,
        "timezone": obj.timezone,
        "languages": obj.languages,
        "tags": obj.tags,
        "power": obj.power,
        "layout": obj.layout,
        "paired": obj.token_hash is not None,
        "online": obj.online,
        "last_seen_at": iso(obj.last_seen_at),
        "player_version": obj.player_version,
        "clock_skew_ms": obj.clock_skew_ms,
        "showing": obj.showing,
        "created_at": iso(obj.created_at),
    }


def group(obj: Group) -> dict[str, Any]:
    return {
        "id": obj.id,
        "slug": obj.slug,
        "name": obj.name,
        "location_id": obj.location_id,
        "tag": obj.tag,
        "display_ids": [m.display_id for m in obj.members],
        "layout": obj.layout,
        "created_at": iso(obj.created_at),
    }


def layout(obj: Layout) -> dict[str, Any]:
    """A layout with its regions' rectangles for both orientations."""
    return {
        "key": obj.key,
        "grid": GRID,
        "regions": list(obj.names),
        **{
            orientation: [{"name": r.name, **r.rect(orientation).to_json()} for r in obj.regions]
            for orientation in ("landscape", "portrait")
        },
    }


def theme(obj: Theme) -> dict[str, Any]:
    return {
        "id": obj.id,
        "slug": obj.slug,
        "name": obj.name,
        "location_id": obj.location_id,
        "year": obj.year,
        "color": obj.color,
        "created_at": iso(obj.created_at),
    }


def feed(obj: Feed) -> dict[str, Any]:
    """A feed with its cached items and the state of its last refresh: `ok`, `failing`
    (the items shown are the last good ones) or `waiting` (not fetched yet)."""
    status = "failing" if obj.error_code else "ok" if obj.ok_at else "waiting"
    return {
        "id": obj.id,
        "name": obj.name,
        "location_id": obj.location_id,
        "kind": obj.kind,
        "url": obj.url,
        "refresh_s": obj.refresh_s,
        "status": status,
        "items": obj.items,
        "items_changed_at": iso(obj.items_changed_at),
        "checked_at": iso(obj.checked_at),
        "ok_at": iso(obj.ok_at),
        "error": {"code": obj.error_code, "message": obj.error, "at": iso(obj.error_at)}
        if obj.error_code
        else None,
        "created_at": iso(obj.created_at),
    }


def revision(obj: SlideRevision) -> dict[str, Any]:
    return {
        "id": obj.id,
        "number": obj.number,
        "status": obj.status,
        "kind": obj.kind,
        "fields": obj.fields,
        "variants": obj.variants,
        "pictogram": obj.pictogram,
        "alt": obj.alt,
        "media_id": obj.media_id,
        "duration": obj.duration,
        "author_id": obj.author_id,
        "reviewer_id": obj.reviewer_id,
        "review_note": obj.review_note,
        "created_at": iso(obj.created_at),
        "decided_at": iso(obj.decided_at),
    }


def slide(obj: Slide) -> dict[str, Any]:
    latest = obj.latest
    live = obj.live_revision
    return {
        "id": obj.id,
        "key": obj.key,
        "title": obj.title,
        "location_id": obj.location_id,
        "orientation": obj.orientation,
        "valid_from": obj.valid_from,
        "valid_until": obj.valid_until,
        "theme_id": obj.theme_id,
        "public": obj.public,
        "status": latest.status,
        "revision": latest.number,
        "live_revision": live.number if live else None,
        "latest": revision(latest),
        "live": revision(live) if live else None,
        "created_at": iso(obj.created_at),
    }


def playlist(obj: Playlist) -> dict[str, Any]:
    return {
        "id": obj.id,
        "slug": obj.slug,
        "name": obj.name,
        "location_id": obj.location_id,
        "items": [{"slide_id": i.slide_id, "duration": i.duration} for i in obj.items],
        "created_at": iso(obj.created_at),
    }


def schedule(obj: Schedule) -> dict[str, Any]:
    window = [obj.window_start, obj.window_end] if obj.window_start else None
    return {
        "id": obj.id,
        "key": obj.key,
        "playlist_id": obj.playlist_id,
        "target": target_of(obj),
        "location_id": obj.location_id,
        "region": obj.region,
        "rrule": obj.rrule,
        "window": window,
        "starts": obj.starts,
        "ends": obj.ends,
        "exdates": obj.exdates,
        "holidays": obj.holidays,
        "tier": obj.tier,
        "weight": obj.weight,
        "created_at": iso(obj.created_at),
    }


def user(obj: User) -> dict[str, Any]:
    return {
        "id": obj.id,
        "email": obj.email,
        "name": obj.name,
        "language": obj.language,
        "active": obj.active,
        "grants": [grant(g) for g in obj.grants],
        "created_at": iso(obj.created_at),
        "last_login_at": iso(obj.last_login_at),
    }


def grant(obj: Grant) -> dict[str, Any]:
    return {
        "id": obj.id,
        "user_id": obj.user_id,
        "role": obj.role,
        "location_id": obj.location_id,
        "created_at": iso(obj.created_at),
    }


def audit_event(obj: AuditEvent) -> dict[str, Any]:
    return {
        "id": obj.id,
        "at": iso(obj.at),
        "actor": obj.actor_label,
        "action": obj.action,
        "entity_kind": obj.entity_kind,
        "entity_id": obj.entity_id,
        "location_id": obj.location_id,
        "details": obj.details,
    }


def rendition_url(sha256: str, rendition: Rendition) -> str:
    return f"/media/{sha256}/{rendition.name}.{rendition.ext}"


def slides_using(obj: Media) -> list[int]:
    session = object_session(obj)
    assert session is not None  # noqa: S101 - serialised straight from a query
    query = select(SlideRevision.slide_id).where(SlideRevision.media_id == obj.id).distinct()
    return sorted(session.scalars(query))


def media(obj: Media) -> dict[str, Any]:
    thumbs = [r for r in obj.renditions if r.name in ("thumb", "p1-thumb") and r.status == "ready"]
    return {
        "id": obj.id,
        "location_id": obj.location_id,
        "sha256": obj.sha256,
        "filename": obj.filename,
        "mime": obj.mime,
        "kind": obj.kind,
        "bytes": obj.bytes,
        "width": obj.width,
        "height": obj.height,
        "duration_s": obj.duration_s,
        "pages": obj.pages,
        "animated": obj.frames > 1,
        "status": obj.status,
        "error": obj.error,
        "thumbnail": rendition_url(obj.sha256, thumbs[0]) if thumbs else None,
        "slide_ids": slides_using(obj),
        "renditions": [
            {
                "name": r.name,
                "ext": r.ext,
                "mime": r.mime,
                "width": r.width,
                "height": r.height,
                "bytes": r.bytes,
                "status": r.status,
                "url": rendition_url(obj.sha256, r),
            }
            for r in obj.renditions
        ],
        "created_at": iso(obj.created_at),
    }


def alert(obj: Alert) -> dict[str, Any]:
    receipts = obj.deliveries
    return {
        "id": obj.id,
        "location_id": obj.location_id,
        "title": obj.title,
        "body": obj.body,
        "variants": obj.variants,
        "severity": obj.severity,
        "targets": obj.targets,
        "source": obj.source,
        "starts_at": iso(obj.starts_at),
        "expires_at": iso(obj.expires_at),
        "cleared_at": iso(obj.cleared_at),
        "delivered": sum(1 for r in receipts if r.delivered_at is not None),
        "acknowledged": sum(1 for r in receipts if r.acknowledged_at is not None),
        "created_at": iso(obj.created_at),
    }
