"""Read what the resolver needs from the database into the pure core's value objects.

This is the only place that turns rows into `signage.core.model` specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.accounts.services import get_brand
from signage.alerts.models import Alert
from signage.content import renditions
from signage.content.filetypes import BY_MIME
from signage.content.models import Media, Playlist, Rendition, Slide, SlideRevision
from signage.content.templates import DEFAULT_FEED_COUNT, FEED_TEMPLATES, feed_id_of
from signage.core.layouts import chosen_layout
from signage.core.model import (
    AlertSpec,
    Content,
    DisplaySpec,
    PlaylistSpec,
    Recurrence,
    ScheduleSpec,
    Severity,
    SlideSpec,
    Target,
    TargetKind,
    Tier,
)
from signage.core.recurrence import parse_date_or_datetime, parse_time_of_day
from signage.feeds.items import shown_items
from signage.feeds.models import Feed
from signage.scheduling.manifests import ASSETS_BY_SCREEN
from signage.scheduling.models import Schedule
from signage.screens.models import Display, Group, GroupMember, Location

HOLIDAY_CALENDARS = ("dk",)


@dataclass
class Snapshot:
    """Content, displays and the slide payloads that manifests carry, read at once."""

    content: Content
    displays: dict[int, DisplaySpec]
    slide_payloads: dict[int, dict[str, Any]] = field(default_factory=dict)
    brand: dict[str, Any] = field(default_factory=dict)


def recurrence_of(
    rrule: str | None,
    window: tuple[str, str] | None,
    starts: str | None,
    ends: str | None,
    exdates: list[str] | None,
    calendar: str | None,
) -> Recurrence:
    return Recurrence(
        rrule=rrule or None,
        window=(parse_time_of_day(window[0]), parse_time_of_day(window[1])) if window else None,
        starts=parse_date_or_datetime(starts) if starts else None,
        ends=parse_date_or_datetime(ends) if ends else None,
        exdates=frozenset(date.fromisoformat(d) for d in exdates or ()),
        holidays=calendar,
    )


def _local(value: str | None) -> date | datetime | None:
    return parse_date_or_datetime(value) if value else None


def holiday_dates(years: range) -> dict[str, frozenset[date]]:
    return {"dk": frozenset(holiday_calendars.country_holidays("DK", years=list(years)))}


def schedule_spec(row: Schedule) -> ScheduleSpec:
    window = (row.window_start, row.window_end) if row.window_start and row.window_end else None
    return ScheduleSpec(
        id=row.id,
        playlist_id=row.playlist_id,
        target=Target(TargetKind(row.target_kind), row.target_id),
        recurrence=recurrence_of(
            row.rrule, window, row.starts, row.ends, row.exdates, row.holidays
        ),
        tier=Tier(row.tier),
        weight=row.weight,
        region=row.region,
    )


def _slides(
    session: Session, now: datetime, zone: ZoneInfo
) -> tuple[dict[int, SlideSpec], dict[int, dict[str, Any]]]:
    specs: dict[int, SlideSpec] = {}
    payloads: dict[int, dict[str, Any]] = {}
    media = {m.id: m for m in session.scalars(select(Media))}
    ready = _ready_renditions(session)
    feeds = _feed_items(session)
    rows = session.execute(
        select(Slide, SlideRevision).join(SlideRevision, Slide.live_revision_id == SlideRevision.id)
    )
    for slide, revision in rows:
        asset = media.get(revision.media_id) if revision.media_id else None
        pictures = (
            _pictures(asset, revision, ready.get(asset.id, {})) if asset is not None else None
        )
        items = None
        if revision.kind in FEED_TEMPLATES:
            items = _shown(revision.kind, revision.fields or {}, feeds, now, zone)
            # A feed slide with nothing to show (never fetched, no upcoming events) waits.
            pictures = None if items else {}
        specs[slide.id] = SlideSpec(
            id=slide.id,
            revision=revision.id,
            duration=revision.duration,
            orientation=slide.orientation,
            valid_from=_local(slide.valid_from),
            valid_until=_local(slide.valid_until),
            languages=frozenset(revision.variants or {}),
            ready_for=None if pictures is None else frozenset(pictures),
            media_duration_s=asset.duration_s if asset else None,
        )
        payloads[slide.id] = {
            "revision": revision.id,
            "title": slide.title,
            "kind": revision.kind,
            "fields": revision.fields,
            "variants": revision.variants,
            "pictogram": revision.pictogram,
            "alt": revision.alt,
            "assets": [],
        }
        if pictures is not None:
            payloads[slide.id][ASSETS_BY_SCREEN] = pictures
        if items is not None:
            payloads[slide.id]["items"] = items
    return specs, payloads


def _feed_items(session: Session) -> dict[int, list[dict[str, Any]]]:
    """Each feed's cached items (only feeds a playing feed slide names are used)."""
    return {row.id: row.items for row in session.execute(select(Feed.id, Feed.items))}


def _shown(
    template: str,
    fields: dict[str, Any],
    feeds: dict[int, list[dict[str, Any]]],
    now: datetime,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    feed_id = feed_id_of(fields)
    items = feeds.get(feed_id, []) if feed_id is not None else []
    count = str(fields.get("count") or DEFAULT_FEED_COUNT)
    return shown_items(template, items or [], int(count) if count.isdigit() else 5, now, zone)


RenditionFiles = dict[str, dict[str, Rendition]]  # name → ext → ready rendition


def _ready_renditions(session: Session) -> dict[int, RenditionFiles]:
    found: dict[int, RenditionFiles] = {}
    for rendition in session.scalars(select(Rendition).where(Rendition.status == "ready")):
        found.setdefault(rendition.media_id, {}).setdefault(rendition.name, {})[rendition.ext] = (
            rendition
        )
    return found


def _pictures(
    media: Media, revision: SlideRevision, files: RenditionFiles
) -> dict[tuple[int, int], list[dict[str, Any]]] | None:
    """The WebP rendition made for each screen size, as the slide's fit or fill wants it,
    or None when any screen plays the slide as it is (a video, once made ready)."""
    if media.kind == "video":
        original = files.get("original", {}).get(BY_MIME[media.mime].ext)
        return None if original is not None else {}
    fields = revision.fields or {}
    page = (
        int(fields["page"]) if media.kind == "pdf" and str(fields.get("page")).isdigit() else None
    )
    prefix = f"p{page}-" if page else ""
    suffix = f"-{renditions.mode_of(fields)}"
    pictures = {}
    for name, by_ext in files.items():
        webp = by_ext.get("webp")
        if webp is None or not name.startswith(prefix) or not name.endswith(suffix):
            continue
        size = name[len(prefix) : -len(suffix)]
        width, _, height = size.partition("x")
        if width.isdigit() and height.isdigit():
            pictures[(int(width), int(height))] = [_asset(media, webp)]
    return pictures


def _asset(media: Media, rendition: Rendition) -> dict[str, Any]:
    return {
        "url": f"/media/{media.sha256}/{rendition.name}.{rendition.ext}",
        "sha256": rendition.sha256,
        "bytes": rendition.bytes,
    }


def _alerts(session: Session, now: datetime) -> tuple[AlertSpec, ...]:
    rows = session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))
    specs = []
    for alert in rows:
        if alert.expires_at is not None and alert.expires_at <= now:
            continue
        targets = alert.targets or {}
        found = [Target(TargetKind.ALL)] if targets.get("all") else []
        for kind in ("location", "group", "display"):
            found += [Target(TargetKind(kind), i) for i in targets.get(f"{kind}_ids", [])]
        specs.append(
            AlertSpec(
                alert.id, Severity(alert.severity), alert.starts_at, alert.expires_at, tuple(found)
            )
        )
    return tuple(specs)


def display_specs(
    session: Session, default_timezone: str, only: set[int] | None
) -> dict[int, DisplaySpec]:
    """Displays (all, or `only` these) as the resolver sees them: timezone, location
    chain, groups and power windows."""
    locations = {loc.id: loc for loc in session.scalars(select(Location))}
    tag_groups: dict[str, set[int]] = {}
    group_layouts: dict[int, str] = {}
    # Only what membership by tag and layout inheritance need, of the groups that have it.
    for group in session.execute(
        select(Group.id, Group.tag, Group.layout).where(
            or_(Group.tag.is_not(None), Group.layout.is_not(None))
        )
    ):
        if group.tag is not None:
            tag_groups.setdefault(group.tag, set()).add(group.id)
        if group.layout:
            group_layouts[group.id] = group.layout
    members: dict[int, set[int]] = {}
    for member in session.scalars(select(GroupMember)):
        members.setdefault(member.display_id, set()).add(member.group_id)
    query = select(Display)
    if only is not None:
        query = query.where(Display.id.in_(only))
    found = {}
    for display in session.scalars(query):
        chain = []
        current: int | None = display.location_id
        while current is not None and current not in chain:
            chain.append(current)
            current = locations[current].parent_id
        zones = [locations[c].timezone for c in chain]  # inherited from the nearest location
        zone = display.timezone or next((z for z in zones if z), default_timezone)
        in_groups = set(members.get(display.id, ()))
        for tag in display.tags or ():
            in_groups |= tag_groups.get(tag, set())
        power = tuple(
            recurrence_of(
                p.get("rrule"),
                tuple(p["window"]) if p.get("window") else None,
                None,
                None,
                p.get("exdates"),
                p.get("holidays"),
            )
            for p in display.power or []
        )
        found[display.id] = DisplaySpec(
            id=display.id,
            timezone=zone,
            orientation=display.orientation,
            languages=tuple(display.languages or ()),
            locations=tuple(chain),
            groups=frozenset(in_groups),
            power=power,
            resolution=(display.width, display.height),
            layout=chosen_layout(
                display.layout,
                [group_layouts.get(g) for g in sorted(in_groups)],
                [locations[c].layout for c in chain],
            ),
        )
    return found


def load_snapshot(
    session: Session,
    *,
    now: datetime,
    default_timezone: str,
    base_language: str,
    displays: set[int] | None = None,
) -> Snapshot:
    """Everything that may reach displays (all of them, or only `displays`)."""
    slides, payloads = _slides(session, now, ZoneInfo(default_timezone))
    playlists = {
        p.id: PlaylistSpec(p.id, tuple((i.slide_id, i.duration) for i in p.items))
        for p in session.scalars(select(Playlist))
    }
    content = Content(
        schedules=tuple(schedule_spec(s) for s in session.scalars(select(Schedule))),
        playlists=playlists,
        slides=slides,
        alerts=_alerts(session, now),
        base_language=base_language,
        holidays=holiday_dates(range(now.year - 1, now.year + 2)),
    )
    return Snapshot(
        content, display_specs(session, default_timezone, displays), payloads, get_brand(session)
    )
