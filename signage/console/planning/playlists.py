"""Playlists: the list, a new playlist, and a playlist's page where its slides are
ordered (drag and drop, or move up and down), added, removed and given durations.

Every change is saved through PlaylistService, which checks scope and slide access.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from signage.accounts.permissions import Role
from signage.console.base import error_sentence, is_htmx, location_choices, me, page, validate
from signage.console.planning.common import (
    as_int,
    choice_ids,
    form_values,
    thumbnails,
)
from signage.content.models import Playlist, PlaylistItem, Slide
from signage.content.schemas import PlaylistIn
from signage.content.services import PlaylistService, SlideService
from signage.errors import SignageError
from signage.policy import MANAGER
from signage.schemas import parse_id
from signage.web import db_session

MAX_DURATION_S = 86400
BAD_DURATION = _l("Write whole seconds from 1 to 86400, or leave it empty.")
NOT_OFFERED = _l("Choose one of the options.")
ACTION = re.compile(r"^(save|add|up|down|remove)(?::(\d{1,4}))?$")


@dataclass
class Item:
    """A row of the editor: what was posted (or stored), ready to show again."""

    slide_id: int
    duration: str
    title: str = ""
    thumbnail: tuple[str, str] | None = None
    problem: str | None = None


# -- the list and a new playlist ----------------------------------------------------------
@page("/console/playlists", MANAGER, methods=("GET", "POST"))
def playlists() -> ResponseReturnValue:
    session, principal = db_session(), me()
    places = location_choices(session, principal, Role.FACILITY_MANAGER)
    values = {"name": "", "location_id": str(places[0][0]) if len(places) == 1 else ""}
    problems: dict[str, str] = {}
    if request.method == "POST":
        values = form_values(("name", "location_id"))
        payload = {
            "slug": free_slug(session, values["name"]),
            "name": values["name"],
            "location_id": as_int(values["location_id"]),
        }
        data, problems = validate(PlaylistIn, payload)
        if values["location_id"] not in choice_ids(places):
            problems["location_id"] = str(NOT_OFFERED)
        if not problems:
            made = PlaylistService().create(session, principal, data)
            session.commit()
            flash(_("The playlist %(name)s is made. Add its slides.", name=made.name))
            return redirect(url_for("console.playlist", playlist_id=made.id), 303)
    found = session.scalars(
        PlaylistService().readable_query(principal).order_by(func.lower(Playlist.name))
    ).all()
    counts = dict(
        session.execute(
            select(PlaylistItem.playlist_id, func.count())
            .where(PlaylistItem.playlist_id.in_([p.id for p in found]))
            .group_by(PlaylistItem.playlist_id)
        ).all()
    )
    page_html = render_template(
        "console/planning/playlists.html",
        playlists=found,
        counts=counts,
        where=dict(location_choices(session, principal)),
        places=places,
        values=values,
        problems=problems,
    )
    return page_html, 422 if problems else 200


def free_slug(session: Session, name: str) -> str:
    """A slug from the name (`Morgen i kantinen` → `morgen-i-kantinen`), numbered when
    taken: staff name playlists; slugs are for files and addresses."""
    text = name.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:70] or "playlist"
    slug, number = base, 2
    while session.scalar(select(Playlist.id).where(Playlist.slug == slug)) is not None:
        slug, number = f"{base}-{number}", number + 1
    return slug


# -- one playlist -------------------------------------------------------------------------
@page("/console/playlists/<int:playlist_id>", MANAGER)
def playlist(playlist_id: int) -> ResponseReturnValue:
    session = db_session()
    found = PlaylistService().get(session, me(), playlist_id)
    items = [Item(i.slide_id, "" if i.duration is None else str(i.duration)) for i in found.items]
    return _playlist_page(session, found, items, {}, None, 200)


@page("/console/playlists/<int:playlist_id>", MANAGER, methods=("POST",))
def playlist_update(playlist_id: int) -> ResponseReturnValue:
    """Save the posted order and durations, after the one change a button asked for."""
    session, principal = db_session(), me()
    service = PlaylistService()
    found = service.get(session, principal, playlist_id)
    items = _posted_items()
    action, index = _posted_action(len(items))
    problems: dict[str, str] = {}
    message, focus = _apply(session, items, action, index, problems)
    for item in items:
        if not _is_duration(item.duration):
            item.problem = str(BAD_DURATION)
    if problems or any(item.problem for item in items):
        return _playlist_page(session, found, items, problems, None, 422, focus)
    wanted = [{"slide_id": i.slide_id, "duration": _seconds(i.duration)} for i in items]
    try:
        service.update(session, principal, found, {"items": wanted})
        session.commit()
    except SignageError as exc:
        session.rollback()
        return _playlist_page(session, found, items, {}, error_sentence(exc), exc.status, focus)
    if not is_htmx():
        flash(message)
        return redirect(url_for("console.playlist", playlist_id=found.id), 303)
    return _playlist_page(session, found, items, {}, None, 200, focus, message)


def _posted_items() -> list[Item]:
    slides, durations = request.form.getlist("slide"), request.form.getlist("duration")
    ids = [parse_id(s) for s in slides]
    if len(slides) != len(durations) or None in ids:
        raise BadRequest("the playlist's rows were not posted whole")
    return [Item(i, d.strip()) for i, d in zip(ids, durations, strict=True) if i is not None]


def _posted_action(count: int) -> tuple[str, int]:
    match = ACTION.match(request.form.get("action", "save"))
    if match is None:
        raise BadRequest("unknown playlist action")
    action, index = match.group(1), int(match.group(2) or 0)
    if action in ("up", "down", "remove") and index >= count:
        raise BadRequest("no such row in the playlist")
    return action, index


def _seconds(text: str) -> int | None:
    """Empty → None (the slide's own duration); else whole seconds (see _is_duration)."""
    return int(text) if text else None


def _is_duration(text: str) -> bool:
    return not text or (text.isdigit() and 1 <= int(text) <= MAX_DURATION_S)


def _apply(
    session: Session, items: list[Item], action: str, index: int, problems: dict[str, str]
) -> tuple[str, str]:
    """Do what the pressed button asks to `items`; returns the sentence that tells what
    happened and the id of the control to keep the keyboard focus on."""
    if action in ("up", "down"):
        return _move(session, items, index, -1 if action == "up" else 1)
    if action == "remove":
        gone = items.pop(index)
        left = len(items)
        focus = f"remove-{min(index, left - 1)}" if left else "add_slide"
        title = _titles(session, [gone.slide_id]).get(gone.slide_id, "")
        return _("%(title)s is removed.", title=title), focus
    if action == "add":
        chosen = request.form.get("add_slide", "")
        offered = dict(_addable(session))
        if not chosen.isdigit() or int(chosen) not in offered:
            problems["add_slide"] = str(NOT_OFFERED)
            return "", "add_slide"
        items.append(Item(int(chosen), ""))
        return _("%(title)s is added last.", title=offered[int(chosen)]), "add_slide"
    return _("The playlist is saved."), "playlist-save"


def _move(session: Session, items: list[Item], index: int, step: int) -> tuple[str, str]:
    """One place up (step -1) or down (+1). The focus stays on the same arrow, or on
    the other one when the slide has reached the end its arrow points to."""
    last = len(items) - 1
    to = min(max(index + step, 0), last)
    items.insert(to, items.pop(index))
    arrow = "up" if step < 0 else "down"
    if to in (0, last) and (to == 0) == (step < 0):
        arrow = "down" if step < 0 else "up"
    title = _titles(session, [items[to].slide_id]).get(items[to].slide_id, "")
    message = _(
        "%(title)s is now number %(place)s of %(count)s.",
        title=title,
        place=to + 1,
        count=last + 1,
    )
    return message, f"{arrow}-{to}"


def _titles(session: Session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Slide.id, Slide.title).where(Slide.id.in_(set(ids))))
    return {row.id: row.title for row in rows}


def _addable(session: Session) -> list[tuple[int, str]]:
    """Slides the caller may read that have an approved revision to play."""
    query = (
        SlideService()
        .readable_query(me())
        .where(Slide.live_revision_id.is_not(None))
        .order_by(func.lower(Slide.title), Slide.id)
    )
    return [(slide.id, slide.title) for slide in session.scalars(query)]


def _playlist_page(
    session: Session,
    found: Playlist,
    items: list[Item],
    problems: dict[str, str],
    error: str | None,
    status: int,
    focus: str = "",
    message: str = "",
) -> ResponseReturnValue:
    titles = _titles(session, [i.slide_id for i in items])
    live = dict(
        session.execute(
            select(Slide.id, Slide.live_revision_id).where(
                Slide.id.in_({i.slide_id for i in items})
            )
        ).all()
    )
    thumbs = thumbnails(session, [rid for rid in live.values() if rid])
    for item in items:
        item.title = titles.get(item.slide_id, "?")
        item.thumbnail = thumbs.get(live.get(item.slide_id) or 0)
    may_edit = me().can_write(found.location_id, Role.FACILITY_MANAGER)
    context = {
        "playlist": found,
        "items": items,
        "problems": problems,
        "error": error,
        "focus": focus,
        "message": message,
        "may_edit": may_edit,
        "addable": _addable(session) if may_edit else [],
        "where": dict(location_choices(session, me())).get(found.location_id, ""),
    }
    template = (
        "console/planning/playlist_editor.html" if is_htmx() else "console/planning/playlist.html"
    )
    return render_template(template, **context), status
