"""The displays dashboard (journey 4): every screen the caller may read, with its status
and the slide it shows now, filtered by location and group; reload and identify for
those who may command the screen. Reads are scoped by the services, commands go through
`devices.command`; nothing here decides who may do what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_decimal, format_timedelta
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.console.base import is_htmx, location_choices, me, page, validate
from signage.content.models import Media, Slide, SlideRevision
from signage.content.renditions import thumb_name
from signage.crud import load_tree
from signage.db import utcnow
from signage.errors import NotFound
from signage.policy import MANAGER, VIEWER
from signage.realtime import PLAYER_NAMESPACE, display_room
from signage.schemas import parse_id
from signage.screens import devices
from signage.screens.models import Display, Group, GroupMember
from signage.screens.schemas import CommandIn
from signage.screens.services import DisplayService, GroupService
from signage.web import db_session, notifier

# A kiosk corrects its own clock from the server's; a larger gap than this means the
# device's clock is wrong (no network time), which staff should hear about.
SKEW_WARNING_MS = 5_000
THUMB_FORMATS = ("webp", "jpg", "png", "gif")


# -- pages --------------------------------------------------------------------------------
@page("/console/displays", VIEWER)
def displays() -> tuple[str, int]:
    """All screens the caller may read; `?location=` (its subtree) and `?group=` narrow it."""
    session, principal = db_session(), me()
    filters = Filters.parse(session, principal, request.args)
    shown = rows(session, principal, filters.apply(session, principal))
    online = sum(1 for row in shown if row.display.online)
    page_html = render_template(
        "console/dashboard/index.html",
        fragment=is_htmx(),
        filters=filters,
        location_choices=location_choices(session, principal),
        group_choices=_group_choices(session, principal),
        rows=shown,
        online=online,
        offline=len(shown) - online,
        commands_column=principal.has_role(Role.FACILITY_MANAGER),
    )
    return page_html, 400 if filters.problems else 200


@page("/console/displays/<int:display_id>/row", VIEWER)
def display_row(display_id: int) -> str:
    """One screen's row, fetched again when the screen reports or changes."""
    session, principal = db_session(), me()
    display = DisplayService().get(session, principal, display_id)
    (row,) = rows(session, principal, [display])
    return render_template(
        "console/dashboard/row.html",
        row=row,
        commands_column=principal.has_role(Role.FACILITY_MANAGER),
    )


@page("/console/displays/<int:display_id>/commands", MANAGER, methods=("POST",))
def display_command(display_id: int) -> Response | tuple[str, int]:
    """Send `reload` or `identify` to the screen's kiosk, as the JSON API does."""
    session, principal = db_session(), me()
    display = DisplayService().get(session, principal, display_id)
    fields, problems = validate(CommandIn, {"action": request.form.get("action", "")})
    if problems:
        return _command_answer(_("Choose reload or identify."), "error", 400)
    action = fields["action"]
    devices.command(session, principal, display, action)
    session.commit()
    sent = {"action": action, "name": display.name}
    notifier().emit("command", sent, display_room(display.id), PLAYER_NAMESPACE)
    return _command_answer(*_command_sentence(display, action), 200)


def _command_sentence(display: Display, action: str) -> tuple[str, str]:
    if not display.online:
        return (
            _("%(name)s is offline, so it does not get the command.", name=display.name),
            "error",
        )
    if action == "identify":
        return _("%(name)s shows its name on the screen now.", name=display.name), "success"
    return _("%(name)s reloads now.", name=display.name), "success"


def _command_answer(message: str, category: str, status: int) -> Response | tuple[str, int]:
    """A message for the page's status region (htmx), or the dashboard again with it."""
    if is_htmx():
        html = render_template("console/dashboard/command.html", message=message, category=category)
        return html, status
    flash(message, category)
    return redirect(url_for("console.displays"))


# -- filters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """The location (with its subtree) and group to show; a value that names nothing the
    caller may read is dropped with a problem for its field."""

    location: int | None
    group: int | None
    problems: dict[str, str]

    @classmethod
    def parse(cls, session: Session, principal: Principal, args: Mapping[str, str]) -> Filters:
        problems: dict[str, str] = {}
        location = _chosen_id(args.get("location", ""))
        if location is not None and not principal.can_read(location):
            location = None
        if location is None and args.get("location", "").strip():
            problems["location"] = _("Choose one of the locations in the list.")
        group = _chosen_id(args.get("group", ""))
        if group is not None:
            try:
                GroupService().get(session, principal, group)
            except NotFound:
                group = None
        if group is None and args.get("group", "").strip():
            problems["group"] = _("Choose one of the groups in the list.")
        return cls(location, group, problems)

    @property
    def is_active(self) -> bool:
        return self.location is not None or self.group is not None

    def apply(self, session: Session, principal: Principal) -> list[Display]:
        query = DisplayService().readable_query(principal)
        if self.location is not None:
            subtree = load_tree(session).subtree(self.location)
            query = query.where(Display.location_id.in_(subtree))
        found: list[Display] = list(session.scalars(query))
        if self.group is not None:
            members = _members(session, self.group)
            found = [display for display in found if members(display)]
        return found


def _chosen_id(value: str) -> int | None:
    return parse_id(value.strip())


def _members(session: Session, group_id: int) -> _Membership:
    group = session.get(Group, group_id)
    assert group is not None  # noqa: S101 - Filters.parse found it
    explicit = set(
        session.scalars(select(GroupMember.display_id).where(GroupMember.group_id == group_id))
    )
    return _Membership(explicit, group.tag)


@dataclass(frozen=True)
class _Membership:
    """A group's members: listed ones, or every display carrying its tag."""

    explicit: set[int]
    tag: str | None

    def __call__(self, display: Display) -> bool:
        return display.id in self.explicit or (
            self.tag is not None and self.tag in (display.tags or ())
        )


def _group_choices(session: Session, principal: Principal) -> list[tuple[int, str]]:
    query = GroupService().readable_query(principal).order_by(Group.name, Group.id)
    return [(group.id, group.name) for group in session.scalars(query)]


# -- rows ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShownSlide:
    """The slide a kiosk last reported showing. `title` is None when the slide belongs
    to a location the caller may not read."""

    id: int
    title: str | None
    thumbnail: str | None
    pictogram: str | None
    alt: str


@dataclass(frozen=True)
class Row:
    display: Display
    place: str
    showing: ShownSlide | None
    may_command: bool
    seen_relative: str | None
    seen_exact: str | None
    seen_iso: str | None
    skew: str | None
    skew_warning: bool
    screen: str | None


def rows(session: Session, principal: Principal, found: Iterable[Display]) -> list[Row]:
    """The dashboard's rows, ordered by place and name."""
    found = list(found)
    places = dict(location_choices(session, principal))
    slides = _shown_slides(session, principal, found)
    now = utcnow()
    made = [
        Row(
            display=display,
            place=places.get(display.location_id, ""),
            showing=slides.get(_reported_slide(display) or 0),
            may_command=principal.can_write(display.location_id, Role.FACILITY_MANAGER),
            seen_relative=_ago(display.last_seen_at, now),
            seen_exact=format_datetime(display.last_seen_at, "medium")
            if display.last_seen_at
            else None,
            seen_iso=display.last_seen_at.isoformat() if display.last_seen_at else None,
            skew=_skew(display.clock_skew_ms),
            skew_warning=abs(display.clock_skew_ms or 0) > SKEW_WARNING_MS,
            screen=_screen(display),
        )
        for display in found
    ]
    return sorted(made, key=lambda row: (row.place.casefold(), row.display.name.casefold()))


def _reported_slide(display: Display) -> int | None:
    slide = (display.showing or {}).get("slide")
    return slide if type(slide) is int else None


def _shown_slides(
    session: Session, principal: Principal, found: list[Display]
) -> dict[int, ShownSlide]:
    ids = {slide for slide in map(_reported_slide, found) if slide is not None}
    if not ids:
        return {}
    slides = list(
        session.scalars(
            select(Slide).where(Slide.id.in_(ids)).options(selectinload(Slide.live_revision))
        )
    )
    media_ids = {
        s.live_revision.media_id for s in slides if s.live_revision and s.live_revision.media_id
    }
    media = {
        m.id: m
        for m in session.scalars(
            select(Media).where(Media.id.in_(media_ids)).options(selectinload(Media.renditions))
        )
    }
    shown = {}
    for slide in slides:
        if not principal.can_read(slide.location_id):
            shown[slide.id] = ShownSlide(slide.id, None, None, None, "")
            continue
        revision = slide.live_revision
        medium = media.get(revision.media_id) if revision and revision.media_id else None
        shown[slide.id] = ShownSlide(
            id=slide.id,
            title=slide.title,
            thumbnail=_thumbnail(revision, medium),
            pictogram=revision.pictogram if revision else None,
            alt=(revision.alt or "") if revision else "",
        )
    return shown


def _thumbnail(revision: SlideRevision | None, medium: Media | None) -> str | None:
    """The address of the media's ready thumbnail rendition (a PDF page's own)."""
    if revision is None or medium is None:
        return None
    page_number = revision.fields.get("page") if revision.kind == "pdf_page" else None
    name = thumb_name(page_number if type(page_number) is int else None)
    ready = {r.ext: r for r in medium.renditions if r.name == name and r.status == "ready"}
    for ext in THUMB_FORMATS:
        if ext in ready:
            return f"/media/{medium.sha256}/{name}.{ext}"
    return None


def _ago(seen: datetime | None, now: datetime) -> str | None:
    if seen is None:
        return None
    return format_timedelta(seen - now, granularity="second", add_direction=True)


def _skew(skew_ms: int | None) -> str | None:
    """The kiosk's clock against the server's: skew = server − kiosk."""
    if skew_ms is None:
        return None
    tenths = round(skew_ms / 100)
    seconds = format_decimal(abs(tenths) / 10, format="#,##0.0")
    if tenths > 0:
        return _("%(seconds)s s behind", seconds=seconds)
    if tenths < 0:
        return _("%(seconds)s s ahead", seconds=seconds)
    return _("%(seconds)s s", seconds=seconds)


def _screen(display: Display) -> str | None:
    screen = display.screen or {}
    width, height = screen.get("width"), screen.get("height")
    if type(width) is int and type(height) is int:
        return f"{width} × {height}"
    return None
