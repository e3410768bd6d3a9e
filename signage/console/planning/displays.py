"""A screen's pages: pairing a kiosk by its code, the display page with its live
"showing now" and week of what plays, and its settings.

Thin views: the services decide scope; these pages read forms and render answers.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.permissions import Role
from signage.console import layouts
from signage.console.base import location_choices, me, page, validate
from signage.console.planning.calendar import Shown, Week, timeline_week
from signage.console.planning.common import (
    TIER_NAMES,
    TIER_TONES,
    as_int,
    choice_ids,
    day_label,
    display_zone,
    form_values,
    locale,
    thumbnails,
)
from signage.console.planning.schedules import region_label
from signage.content.models import Slide
from signage.core.model import DEFAULT_REGION
from signage.db import utcnow
from signage.errors import Conflict, NotFound, SignageError
from signage.policy import MANAGER, VIEWER
from signage.scheduling import resolving
from signage.screens import devices
from signage.screens.models import Display
from signage.screens.schemas import DisplayPatch, PairIn
from signage.screens.services import DisplayService
from signage.web import count_failure, db_session, pairing_limits, seconds_to_wait

PAIRING_ERRORS = {
    404: _l("No screen shows this code. Check it, or wait for the screen to show a new one."),
    409: _l("This code has been used. Wait for the screen to show a new one."),
    403: _l("You may not place screens at this location."),
    422: _l("The name or location is not valid."),
}
PAIR_FIELDS = ("code", "name", "location_id")
SETTINGS_FIELDS = ("name", "location_id", "orientation", "languages", "tags")
ORIENTATIONS = {"landscape": _l("Landscape"), "portrait": _l("Portrait")}
SAME_NAME = _l("A screen with this name is already at this location.")
NOT_OFFERED = _l("Choose one of the options.")
LANGUAGES_HINT = _l("Language codes separated by commas, such as da, en, uk.")
TAGS_HINT = _l("Words of letters, digits and hyphens, separated by commas.")


# -- pairing ----------------------------------------------------------------------------
@page("/console/displays/pair", MANAGER, methods=("GET", "POST"))
def pair_display() -> ResponseReturnValue:
    """Where a kiosk's QR code leads: the code filled in, a name and a place to give."""
    session, principal = db_session(), me()
    places = location_choices(session, principal, Role.FACILITY_MANAGER)
    if request.method == "GET":
        only = str(places[0][0]) if len(places) == 1 else ""
        values = {"code": _code(request.args.get("code", "")), "name": "", "location_id": only}
        return _pair_page(values, places, {}, None, 200)
    values = form_values(PAIR_FIELDS)
    values["code"] = _code(values["code"])
    problems = _pair_problems(session, values, places)
    if problems:
        return _pair_page(values, places, problems, None, 422)
    data = {"name": values["name"], "location_id": int(values["location_id"])}
    limits = pairing_limits(principal)
    wait = seconds_to_wait(limits)
    if wait:
        error = _(
            "Too many codes that no screen shows were typed. Try again in %(minutes)d minutes.",
            minutes=math.ceil(wait / 60),
        )
        page_html, status = _pair_page(values, places, {}, error, 429)
        return page_html, status, {"Retry-After": str(wait)}
    try:
        paired, _created = devices.pair(session, principal, values["code"], data, utcnow())
        session.commit()
    except SignageError as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            count_failure(limits)
        error = PAIRING_ERRORS.get(exc.status, _l("The screen could not be paired."))
        return _pair_page(values, places, {}, str(error), exc.status)
    flash(_("%(name)s is paired. The screen starts by itself in a moment.", name=paired.name))
    return redirect(url_for("console.display", display_id=paired.id), 303)


def _code(text: str) -> str:
    """Codes are read off a screen: spaces and hyphens typed between groups are fine."""
    return "".join(ch for ch in text if ch not in " -").upper()[:40]


def _pair_problems(
    session: Session, values: dict[str, str], places: list[tuple[int, str]]
) -> dict[str, str]:
    payload = {**values, "location_id": as_int(values["location_id"])}
    _fields, problems = validate(PairIn, payload)
    if "code" in problems:
        problems["code"] = _("Type the 8 letters and digits the screen shows.")
    if values["location_id"] not in choice_ids(places):
        problems["location_id"] = str(NOT_OFFERED)
    elif values["name"] and _name_taken(session, values["name"], int(values["location_id"])):
        problems["name"] = str(SAME_NAME)
    return problems


def _name_taken(session: Session, name: str, location_id: int, other: int | None = None) -> bool:
    query = select(Display.id).where(Display.location_id == location_id, Display.name == name)
    if other is not None:
        query = query.where(Display.id != other)
    return session.scalar(query) is not None


def _pair_page(
    values: dict[str, str],
    places: list[tuple[int, str]],
    problems: dict[str, str],
    error: str | None,
    status: int,
) -> tuple[str, int]:
    page_html = render_template(
        "console/planning/pair.html", values=values, places=places, problems=problems, error=error
    )
    return page_html, status


# -- the display page -------------------------------------------------------------------
@page("/console/displays/<int:display_id>", VIEWER)
def display(display_id: int) -> ResponseReturnValue:
    """One screen: where it is, its status, what it shows now and this week."""
    shown = DisplayService().get(db_session(), me(), display_id)
    return _display_page(shown, None, {}, 200)


@page("/console/displays/<int:display_id>", MANAGER, methods=("POST",))
def display_update(display_id: int) -> ResponseReturnValue:
    """Name, place, orientation, languages, tags and layout of a screen."""
    session, principal = db_session(), me()
    service = DisplayService()
    shown = service.get(session, principal, display_id)
    values = form_values(SETTINGS_FIELDS)
    places = location_choices(session, principal, Role.FACILITY_MANAGER)
    data, problems = validate(
        DisplayPatch,
        {
            "name": values["name"],
            "location_id": as_int(values["location_id"]),
            "orientation": values["orientation"],
            "languages": _words(values["languages"]),
            "tags": _words(values["tags"]),
        },
    )
    if values["location_id"] not in choice_ids(places):
        problems["location_id"] = str(NOT_OFFERED)
    values["layout"], layout, problem = layouts.posted(shown.layout)
    if problem:
        problems["layout"] = problem
    if problems:
        return _display_page(shown, values, problems, 422)
    data.update(layout)
    try:
        service.update(session, principal, shown, data)
        session.commit()
    except Conflict:
        session.rollback()
        return _display_page(shown, values, {"name": str(SAME_NAME)}, 409)
    flash(_("The screen's settings are saved."))
    return redirect(url_for("console.display", display_id=shown.id), 303)


@page("/console/displays/<int:display_id>/now", VIEWER)
def display_now(display_id: int) -> ResponseReturnValue:
    """The live fragment of the display page: status and what it shows now."""
    session = db_session()
    shown = DisplayService().get(session, me(), display_id)
    return render_template(
        "console/planning/now.html", display=shown, now=showing_now(session, shown)
    )


def _words(text: str) -> list[str]:
    return [word for word in text.replace(",", " ").split() if word]


def _display_page(
    shown: Display, values: dict[str, str] | None, problems: dict[str, str], status: int
) -> ResponseReturnValue:
    session, principal = db_session(), me()
    readable = dict(location_choices(session, principal))
    may_edit = principal.can_write(shown.location_id, Role.FACILITY_MANAGER)
    values = values or _settings_of(shown)
    orientation = values.get("orientation")
    page_html = render_template(
        "console/planning/display.html",
        display=shown,
        where=readable.get(shown.location_id, ""),
        now=showing_now(session, shown),
        week=week_of_display(session, shown),
        may_edit=may_edit,
        places=location_choices(session, principal, Role.FACILITY_MANAGER) if may_edit else [],
        orientations=ORIENTATIONS,
        values=values,
        problems=problems,
        layout=layouts.chooser(
            values,
            problems,
            layouts.inherited_by_display(session, shown),
            orientation if orientation in ORIENTATIONS else shown.orientation,
        ),
        hints={"languages": LANGUAGES_HINT, "tags": TAGS_HINT},
        day_label=day_label,
    )
    return page_html, status


def _settings_of(shown: Display) -> dict[str, str]:
    return {
        "name": shown.name,
        "location_id": str(shown.location_id),
        "orientation": shown.orientation,
        "languages": ", ".join(shown.languages or []),
        "tags": ", ".join(shown.tags or []),
        "layout": layouts.form_value(shown.layout),
    }


def showing_now(session: Session, shown: Display) -> dict[str, Any]:
    """What the server resolves for the display at this instant (as the API's /now),
    with the playing entry's title and thumbnail, and its status."""
    answer = resolving.now(session, shown.id, utcnow(), DEFAULT_REGION, locale())
    loop, index = answer["loop"], answer["index"]
    current = loop[index] if loop and index is not None else None
    thumbs = thumbnails(session, [current["revision"]]) if current else {}
    zone = display_zone(session, shown)
    last_seen = (
        format_datetime(shown.last_seen_at.astimezone(zone), "short", rebase=False)
        if shown.last_seen_at
        else None
    )
    return {
        "tier": TIER_NAMES.get(answer["tier"] or "", ""),
        "blank": answer["blank"],
        "alerts": answer["alerts"],
        "loop": loop,
        "index": index,
        "current": current,
        "thumbnail": thumbs.get(current["revision"]) if current else None,
        "last_seen": last_seen,
    }


def week_of_display(session: Session, shown: Display) -> Week:
    """Seven days from today's local midnight of what the display plays (its timeline)."""
    zone = display_zone(session, shown)
    today = utcnow().astimezone(zone).date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=7), datetime.min.time(), tzinfo=zone)
    _, segments = resolving.timeline(session, shown.id, start, end, locale())
    ids = {entry.slide for segment in segments for entry in segment.loop}
    titles = dict(session.execute(select(Slide.id, Slide.title).where(Slide.id.in_(ids))).all())
    regions = sorted({s.region for s in segments}, key=lambda r: (r != DEFAULT_REGION, r))
    stretches = []
    for segment in segments:
        if segment.blank or not segment.loop or segment.tier is None:
            continue
        names = list(dict.fromkeys(titles.get(entry.slide, "?") for entry in segment.loop))
        tier = segment.tier.value
        detail = " · ".join(
            part for part in (str(TIER_NAMES.get(tier, tier)), region_label(segment.region)) if part
        )
        stretches.append(
            Shown(
                segment.start,
                segment.end,
                ", ".join(names),
                detail,
                TIER_TONES.get(tier, 0),
                regions.index(segment.region),
            )
        )
    return timeline_week(stretches, zone, today, max(len(regions), 1))
