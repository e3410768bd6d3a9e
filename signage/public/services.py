"""What a public location's screens show now, reduced to what may be public.

The answer comes from the one resolver (`signage.core`), as for `…/displays/{id}/now`:
this module only chooses the displays, keeps the slides marked public and the alerts
shown, and turns them into plain values for the page and the feed. It reads the
database and never touches `flask.request`.

A location's page covers the displays at the location and anywhere below it whose own
location is public too: a display at a non-public place never shows up, even under a
public parent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.permissions import LocationTree
from signage.alerts.models import Alert
from signage.alerts.services import ALL_ROOM
from signage.content.models import Media, Rendition, Slide, SlideRevision
from signage.content.renditions import thumb_name
from signage.content.templates import PICTOGRAMS, is_web_address
from signage.core.model import DEFAULT_REGION
from signage.core.timeline import Resolver
from signage.layout_names import REGION_NAMES
from signage.public.texts import TEXT_FIELDS, Text, text_of, variants_of
from signage.realtime import display_room, group_room, location_room, public_content_room
from signage.scheduling.snapshot import Snapshot, display_specs, load_snapshot
from signage.screens.models import Display, Location

# How far ahead the next change of a screen's answer is looked for: a view is kept at
# most this long when nothing is written.
LOOKAHEAD = timedelta(hours=1)
LINK_KINDS = frozenset({"qr", "webpage"})
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
MAX_PICTURE_PX = 1920  # a web page needs no 4K rendition


@dataclass(frozen=True)
class Picture:
    src: str
    srcset: str
    width: int | None
    height: int | None
    alt: str


@dataclass(frozen=True)
class PublicSlide:
    id: int
    revision: int
    kind: str
    title: str
    text: Text  # in the base language
    variants: tuple[Text, ...]
    link: str | None  # a QR code's or web page's address
    picture: Picture | None
    pictogram: str | None
    published: datetime  # when this revision was approved
    regions: tuple[str, ...] = (DEFAULT_REGION,)  # where on the screens it shows

    @property
    def region_labels(self) -> tuple[str, ...]:
        """The regions it shows in, by name, when that is more than the main area."""
        if self.regions == (DEFAULT_REGION,):
            return ()
        return tuple(str(REGION_NAMES.get(region, region)) for region in self.regions)

    @property
    def heading(self) -> str:
        return self.text.get("heading") or self.title


@dataclass(frozen=True)
class PublicAlert:
    id: int
    severity: str
    text: Text  # heading: the title; body: the body
    variants: tuple[Text, ...]
    starts_at: datetime
    expires_at: datetime | None

    @property
    def heading(self) -> str:
        return self.text.get("heading") or ""


@dataclass(frozen=True)
class PublicLocation:
    id: int
    slug: str
    name: str
    timezone: str


@dataclass(frozen=True)
class PublicView:
    location: PublicLocation
    alerts: tuple[PublicAlert, ...]
    slides: tuple[PublicSlide, ...]
    screens: int  # the displays the page covers
    screens_on: int  # those inside their power windows now
    at: datetime  # when it was resolved
    valid_until: datetime  # the next time a covered screen's answer changes (at the latest)
    version: str  # changes whenever what the page shows changes


# -- which locations and displays ------------------------------------------------------
@dataclass(frozen=True)
class _Places:
    rows: dict[int, Any]
    tree: LocationTree

    @classmethod
    def load(cls, session: Session) -> _Places:
        rows = {
            row.id: row
            for row in session.execute(
                select(
                    Location.id,
                    Location.parent_id,
                    Location.slug,
                    Location.name,
                    Location.public,
                    Location.timezone,
                ).order_by(Location.id)
            )
        }
        return cls(rows, LocationTree({i: row.parent_id for i, row in rows.items()}))

    def public_below(self, location_id: int) -> set[int]:
        return {i for i in self.tree.subtree(location_id) if self.rows[i].public}

    def timezone(self, location_id: int, default: str) -> str:
        for place in (location_id, *self.tree.ancestors(location_id)):
            if self.rows[place].timezone:
                return str(self.rows[place].timezone)
        return default

    def label(self, location_id: int) -> str:
        """`Gladsaxe Kommune › Rådhuset`: the location with its public ancestors (an
        internal place's name is not for the public, even as a parent)."""
        chain = [location_id, *self.tree.ancestors(location_id)]
        return " › ".join(
            self.rows[place].name for place in reversed(chain) if self.rows[place].public
        )


def find_public_location(session: Session, slug: str) -> Location | None:
    """The location by its slug, only when it is public (else None: the page answers
    404 whether it is internal or missing)."""
    return session.scalar(select(Location).where(Location.slug == slug, Location.public))


def public_locations(session: Session) -> list[tuple[str, str]]:
    """(slug, label with its ancestors) of every public location, ordered by label."""
    places = _Places.load(session)
    found = [(row.slug, places.label(i)) for i, row in places.rows.items() if row.public]
    return sorted(found, key=lambda item: item[1].casefold())


def covered_displays(session: Session, location_id: int) -> list[int]:
    """The displays a public location's page covers (see the module docstring)."""
    places = _Places.load(session).public_below(location_id)
    if not places:
        return []
    query = select(Display.id).where(Display.location_id.in_(places)).order_by(Display.id)
    return list(session.scalars(query))


# -- resolving ------------------------------------------------------------------------
@dataclass
class _Shown:
    # slide → the regions it shows in, both in the order first met (ordered sets)
    slides: dict[int, dict[str, None]] = field(default_factory=dict)
    alerts: set[int] = field(default_factory=set)
    screens_on: int = 0


def _shown_now(
    snapshot: Snapshot, display_ids: list[int], now: datetime
) -> tuple[_Shown, datetime]:
    """What each display shows now in every region, through the resolver, and when the
    first of those answers ends."""
    resolver = Resolver(snapshot.content)
    shown, until = _Shown(), now + LOOKAHEAD
    for display_id in display_ids:
        display = snapshot.displays.get(display_id)
        if display is None:
            continue
        lit = False
        for region in resolver.regions(display):
            segment = resolver.timeline(display, now, now + LOOKAHEAD, region)[0]
            until = min(until, segment.end)
            shown.alerts.update(alert.id for alert in segment.alerts)
            if not segment.blank:
                lit = True
                for entry in segment.loop:
                    shown.slides.setdefault(entry.slide, {})[region] = None
        shown.screens_on += lit
    return shown, until


def resolve_view(
    session: Session,
    location: Location,
    now: datetime,
    default_timezone: str,
    base_language: str,
    display_ids: list[int] | None = None,
) -> PublicView:
    """The view of a public location now; `display_ids`: the covered displays, when the
    caller has them already."""
    places = _Places.load(session)
    if display_ids is None:
        display_ids = covered_displays(session, location.id)
    shown, until = _Shown(), now + LOOKAHEAD
    snapshot = None
    if display_ids:
        snapshot = load_snapshot(
            session,
            now=now,
            default_timezone=default_timezone,
            base_language=base_language,
            displays=set(display_ids),
        )
        shown, until = _shown_now(snapshot, display_ids, now)
    public = set(
        session.scalars(select(Slide.id).where(Slide.id.in_(list(shown.slides)), Slide.public))
    )
    slide_ids = [slide_id for slide_id in shown.slides if slide_id in public]
    slides = _slides(session, snapshot, slide_ids, base_language) if snapshot else ()
    slides = tuple(replace(slide, regions=tuple(shown.slides[slide.id])) for slide in slides)
    alerts = _alerts(session, shown.alerts, base_language)
    place = PublicLocation(
        location.id,
        location.slug,
        location.name,
        places.timezone(location.id, default_timezone),
    )
    content = (place, alerts, slides, len(display_ids), shown.screens_on)
    version = hashlib.sha256(repr(content).encode()).hexdigest()[:20]
    return PublicView(
        place, alerts, slides, len(display_ids), shown.screens_on, now, until, version
    )


def _slides(
    session: Session, snapshot: Snapshot, slide_ids: list[int], base: str
) -> tuple[PublicSlide, ...]:
    payloads = {i: snapshot.slide_payloads[i] for i in slide_ids if i in snapshot.slide_payloads}
    revisions = {
        r.id: r
        for r in session.scalars(
            select(SlideRevision).where(
                SlideRevision.id.in_([p["revision"] for p in payloads.values()])
            )
        )
    }
    pictures = _pictures(session, revisions.values())
    found = []
    for slide_id, payload in payloads.items():
        revision = revisions[payload["revision"]]
        fields = payload.get("fields") or {}
        picture = pictures.get(revision.id)
        link = fields.get("url") if payload["kind"] in LINK_KINDS else None
        pictogram = payload.get("pictogram")
        found.append(
            PublicSlide(
                id=slide_id,
                revision=revision.id,
                kind=payload["kind"],
                title=payload["title"],
                text=text_of(base, fields, TEXT_FIELDS),
                variants=variants_of(base, payload.get("variants"), TEXT_FIELDS),
                # Checked again on the way out: only http(s) addresses become links.
                link=link if isinstance(link, str) and is_web_address(link) else None,
                picture=_with_alt(picture, payload, fields) if picture else None,
                pictogram=pictogram if pictogram in PICTOGRAMS else None,
                published=revision.decided_at or revision.created_at,
            )
        )
    return tuple(found)


def _with_alt(picture: Picture, payload: Mapping[str, Any], fields: Mapping[str, Any]) -> Picture:
    """The revision's alt text; else its caption, else the slide's title: a picture on
    the public page is never without a text alternative."""
    alt = payload.get("alt") or fields.get("caption") or payload["title"]
    return Picture(picture.src, picture.srcset, picture.width, picture.height, str(alt))


def _pictures(session: Session, revisions: Iterable[SlideRevision]) -> dict[int, Picture]:
    """For each revision with a picture (an image, a PDF page, a video's still): its ready
    WebP renditions up to MAX_PICTURE_PX wide, as a `srcset`."""
    with_media = [r for r in revisions if r.media_id is not None]
    if not with_media:
        return {}
    media_ids = {r.media_id for r in with_media}
    media = {m.id: m for m in session.scalars(select(Media).where(Media.id.in_(media_ids)))}
    files: dict[int, list[Rendition]] = {}
    for rendition in session.scalars(
        select(Rendition).where(
            Rendition.media_id.in_(media_ids),
            Rendition.status == "ready",
            Rendition.ext == "webp",
        )
    ):
        files.setdefault(rendition.media_id, []).append(rendition)
    found = {}
    for revision in with_media:
        asset = media.get(revision.media_id)  # type: ignore[arg-type]
        if asset is None:
            continue
        picture = _picture(asset, revision.fields or {}, files.get(asset.id, []))
        if picture is not None:
            found[revision.id] = picture
    return found


def _picture(media: Media, fields: Mapping[str, Any], files: list[Rendition]) -> Picture | None:
    page = (
        int(fields["page"]) if media.kind == "pdf" and str(fields.get("page")).isdigit() else None
    )
    prefix = f"p{page}-" if page else ""
    usable = sorted(
        (
            r
            for r in files
            if r.width
            and r.width <= MAX_PICTURE_PX
            and (
                r.name == thumb_name(page)
                or (r.name.startswith(prefix) and r.name.endswith("-fit"))
            )
        ),
        key=lambda r: r.width or 0,
    )
    if not usable:
        return None
    by_width = {r.width: r for r in usable}  # one file a width
    srcset = ", ".join(f"{_url(media, r)} {width}w" for width, r in by_width.items())
    largest = usable[-1]
    return Picture(_url(media, largest), srcset, largest.width, largest.height, "")


def _url(media: Media, rendition: Rendition) -> str:
    return f"/media/{media.sha256}/{rendition.name}.{rendition.ext}"


def _alerts(session: Session, alert_ids: set[int], base: str) -> tuple[PublicAlert, ...]:
    if not alert_ids:
        return ()
    rows = session.scalars(select(Alert).where(Alert.id.in_(alert_ids)))
    names = {"title": "heading", "body": "body"}
    alerts = [
        PublicAlert(
            id=alert.id,
            severity=alert.severity,
            text=text_of(base, {"heading": alert.title, "body": alert.body}, TEXT_FIELDS),
            variants=variants_of(
                base,
                {
                    language: {names[k]: v for k, v in fields.items() if k in names}
                    for language, fields in (alert.variants or {}).items()
                    if isinstance(fields, Mapping)
                },
                TEXT_FIELDS,
            ),
            starts_at=alert.starts_at,
            expires_at=alert.expires_at,
        )
        for alert in rows
    ]
    alerts.sort(key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), -a.starts_at.timestamp(), a.id))
    return tuple(alerts)


# -- live updates ---------------------------------------------------------------------
def page_rooms(session: Session, slug: str, default_timezone: str) -> list[str] | None:
    """The /public rooms a page of the location listens in (None: no such public
    location): its content room, and the rooms alerts reach its displays through,
    named as in /player so that one emit per room serves kiosks' mirrors too."""
    location = find_public_location(session, slug)
    if location is None:
        return None
    covered = display_specs(session, default_timezone, set(covered_displays(session, location.id)))
    found = {public_content_room(location.id), ALL_ROOM}
    for display in covered.values():
        found.add(display_room(display.id))
        found.update(group_room(group) for group in display.groups)
        found.update(location_room(place) for place in display.locations)
    return sorted(found)
