"""Schedules: the list, and a schedule's form (new and edit) with a weekday picker and
a time window that may cross midnight, and deleting. The calendar is in `weeks`.

Writes go through ScheduleService, which checks targets, tiers and scope again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.accounts.permissions import Principal, Role
from signage.console.base import error_sentence, location_choices, me, page, validate
from signage.console.planning import rules
from signage.console.planning.common import TIER_NAMES, as_int, form_values
from signage.content.models import Playlist
from signage.content.services import PlaylistService
from signage.core.layouts import REGIONS
from signage.core.model import DEFAULT_REGION
from signage.crud import load_tree
from signage.db import utcnow
from signage.errors import Forbidden, SignageError
from signage.layout_names import REGION_NAMES
from signage.policy import MANAGER
from signage.scheduling.models import Schedule
from signage.scheduling.schemas import ScheduleIn, SchedulePatch
from signage.scheduling.services import ScheduleService
from signage.schemas import Payload
from signage.screens.models import Display, Group
from signage.web import db_session

TEXT_FIELDS = (
    "playlist_id",
    "target",
    "tier",
    "weight",
    "rrule",
    "window_start",
    "window_end",
    "first_day",
    "last_day",
    "holidays",
    "region",
)
NOT_OFFERED = _l("Choose one of the options.")
TIER_ORDER = {"campaign": 0, "normal": 1, "fallback": 2}


@dataclass
class Offered:
    """What the caller may choose on the form: readable playlists, targets they may
    schedule on, the tiers their role allows, and the regions of a screen."""

    playlists: list[tuple[str, str]]
    targets: list[tuple[str, list[tuple[str, str]]]]
    tiers: list[tuple[str, str]]
    regions: list[tuple[str, str]]

    @property
    def values(self) -> dict[str, set[str]]:
        return {
            "playlist_id": {value for value, _label in self.playlists},
            "target": {value for _group, items in self.targets for value, _label in items},
            "tier": {value for value, _label in self.tiers},
            "region": {value for value, _label in self.regions},
        }


def offered(session: Session, principal: Principal) -> Offered:
    places = location_choices(session, principal, Role.FACILITY_MANAGER)
    where = dict(location_choices(session, principal))
    mine = [lid for lid, _label in places]
    roots = set(load_tree(session).roots())
    wide = principal.writable(Role.COMMUNICATOR)
    displays = session.scalars(
        select(Display).where(Display.location_id.in_(mine)).order_by(func.lower(Display.name))
    )
    groups = session.scalars(
        select(Group).where(Group.location_id.in_(mine)).order_by(func.lower(Group.name))
    )
    targets = [
        (
            _("Screens"),
            [(f"display:{d.id}", f"{d.name} ({where.get(d.location_id, '')})") for d in displays],
        ),
        (_("Groups of screens"), [(f"group:{g.id}", g.name) for g in groups]),
        (
            _("Every screen at a location"),
            [
                (f"location:{lid}", label)
                for lid, label in places
                if lid not in roots or lid in wide
            ],
        ),
    ]
    if roots and roots <= wide:
        targets.append((_("The whole municipality"), [("all", _("All screens"))]))
    playlists = session.scalars(
        PlaylistService().readable_query(principal).order_by(func.lower(Playlist.name))
    )
    tiers = ["normal", "fallback"] + (["campaign"] if principal.has_role(Role.COMMUNICATOR) else [])
    return Offered(
        [(str(p.id), p.name) for p in playlists],
        [(label, items) for label, items in targets if items],
        [(tier, str(TIER_NAMES[tier])) for tier in tiers],
        [(region, str(REGION_NAMES[region])) for region in REGIONS],
    )


# -- the list -----------------------------------------------------------------------------
@page("/console/schedules", MANAGER)
def schedules() -> ResponseReturnValue:
    session, principal = db_session(), me()
    found = session.scalars(ScheduleService().readable_query(principal)).all()
    found = sorted(found, key=lambda s: (TIER_ORDER.get(s.tier, 9), s.id))
    names = playlist_names(session, {s.playlist_id for s in found})
    where = dict(location_choices(session, principal))
    rows = [
        {
            "schedule": s,
            "playlist": names.get(s.playlist_id, "?"),
            "target": target_label(session, s, where),
            "region": region_label(s.region),
            "when": rules.describe(when_of(s)),
            "tier": TIER_NAMES.get(s.tier, s.tier),
        }
        for s in found
    ]
    return render_template("console/planning/schedules.html", rows=rows)


def playlist_names(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(Playlist.id, Playlist.name).where(Playlist.id.in_(ids)))
    return {row.id: row.name for row in rows}


def when_of(schedule: Schedule) -> dict[str, Any]:
    window = [schedule.window_start, schedule.window_end] if schedule.window_start else None
    return {
        "rrule": schedule.rrule,
        "window": window,
        "starts": schedule.starts,
        "ends": schedule.ends,
        "holidays": schedule.holidays,
    }


def region_label(region: str) -> str:
    """The region's name, or nothing for the main area (where almost everything plays)."""
    if region == DEFAULT_REGION:
        return ""
    return str(REGION_NAMES.get(region, region))


def may_edit(principal: Principal, schedule: Schedule) -> bool:
    campaign_ok = schedule.tier != "campaign" or principal.has_role(Role.COMMUNICATOR)
    return campaign_ok and principal.can_write(schedule.location_id, Role.FACILITY_MANAGER)


def target_label(session: Session, schedule: Schedule, where: dict[int, str]) -> str:
    kind, target_id = schedule.target_kind, schedule.target_id
    if kind == "display":
        shown = session.get(Display, target_id)
        place = where.get(shown.location_id, "") if shown else ""
        return _("Screen %(name)s (%(place)s)", name=shown.name if shown else "?", place=place)
    if kind == "group":
        group = session.get(Group, target_id)
        return _("Group %(name)s", name=group.name if group else "?")
    if kind == "location" and target_id is not None:
        return _("Every screen at %(place)s", place=where.get(target_id, "?"))
    return _("All screens")


# -- a schedule's form --------------------------------------------------------------------
@page("/console/schedules/new", MANAGER, methods=("GET", "POST"))
def schedule_new() -> ResponseReturnValue:
    session, principal = db_session(), me()
    choices = offered(session, principal)
    if request.method == "GET":
        values = _fresh_values(choices)
        return _form_page(None, values, choices, {}, None, 200)
    values = _posted_values()
    data, problems = _parse(values, choices, ScheduleIn)
    if problems:
        return _form_page(None, values, choices, problems, None, 422)
    try:
        made = ScheduleService().create(session, principal, data)
        session.commit()
    except SignageError as exc:
        session.rollback()
        return _form_page(None, values, choices, {}, error_sentence(exc), exc.status)
    flash(_("The schedule is saved."))
    return redirect(_calendar_of(session, made), 303)


@page("/console/schedules/<int:schedule_id>", MANAGER, methods=("GET", "POST"))
def schedule_edit(schedule_id: int) -> ResponseReturnValue:
    session, principal = db_session(), me()
    service = ScheduleService()
    schedule = service.get(session, principal, schedule_id)
    choices = offered(session, principal)
    if request.method == "GET":
        return _form_page(schedule, _values_of(schedule), choices, {}, None, 200)
    if not may_edit(principal, schedule):
        raise Forbidden("you may not change this schedule")
    values = _posted_values()
    data, problems = _parse(values, choices, SchedulePatch)
    if problems:
        return _form_page(schedule, values, choices, problems, None, 422)
    try:
        service.update(session, principal, schedule, data)
        session.commit()
    except SignageError as exc:
        session.rollback()
        return _form_page(schedule, values, choices, {}, error_sentence(exc), exc.status)
    flash(_("The schedule is saved."))
    return redirect(_calendar_of(session, schedule), 303)


@page("/console/schedules/<int:schedule_id>/delete", MANAGER, methods=("POST",))
def schedule_delete(schedule_id: int) -> ResponseReturnValue:
    session, principal = db_session(), me()
    service = ScheduleService()
    schedule = service.get(session, principal, schedule_id)
    if not may_edit(principal, schedule):
        raise Forbidden("you may not delete this schedule")
    service.delete(session, principal, schedule)
    session.commit()
    flash(_("The schedule is deleted."))
    return redirect(url_for("console.schedules"), 303)


def _fresh_values(choices: Offered) -> dict[str, Any]:
    """A new schedule: the playlist and target the link asked for, weekdays all day."""
    values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "")
    target = request.args.get("target", "")
    playlist = request.args.get("playlist", "")
    values.update(
        target=target if target in choices.values["target"] else "",
        playlist_id=playlist if playlist in choices.values["playlist_id"] else "",
        tier="normal",
        weight="1",
        region=DEFAULT_REGION,
        days=list(rules.WORKDAYS),
    )
    return values


def _posted_values() -> dict[str, Any]:
    values: dict[str, Any] = form_values(TEXT_FIELDS)
    values["days"] = request.form.getlist("days")
    values["region"] = values["region"] or DEFAULT_REGION
    return values


def _values_of(schedule: Schedule) -> dict[str, Any]:
    days = rules.days_of(schedule.rrule)
    target = (
        "all" if schedule.target_kind == "all" else f"{schedule.target_kind}:{schedule.target_id}"
    )
    return {
        "playlist_id": str(schedule.playlist_id),
        "target": target,
        "tier": schedule.tier,
        "weight": str(schedule.weight),
        "days": days or [],
        "rrule": "" if days is not None else schedule.rrule or "",
        "window_start": schedule.window_start or "",
        "window_end": schedule.window_end or "",
        "first_day": schedule.starts or "",
        "last_day": rules.last_day(schedule.ends),
        "holidays": schedule.holidays or "",
        "region": schedule.region,
    }


def _parse(
    values: dict[str, Any], choices: Offered, schema: type[Payload]
) -> tuple[dict[str, Any], dict[str, str]]:
    problems: dict[str, str] = {}
    for name, allowed in choices.values.items():
        if values[name] not in allowed:
            problems[name] = str(NOT_OFFERED)
    rrule = rules.rule_of(values["days"], values["rrule"], problems)
    window = rules.window_of(values["window_start"], values["window_end"], problems)
    starts, ends = rules.span_of(values["first_day"], values["last_day"], problems)
    if problems:
        return {}, problems
    data, found = validate(
        schema,
        {
            "playlist_id": as_int(values["playlist_id"]),
            "target": _target_payload(values["target"]),
            "tier": values["tier"],
            "weight": as_int(values["weight"]),
            "rrule": rrule,
            "window": window,
            "starts": starts,
            "ends": ends,
            "holidays": "dk" if values["holidays"] else None,
            "region": values["region"],
        },
    )
    fields = {"starts": "first_day", "ends": "last_day"}
    return data, {fields.get(name, name): problem for name, problem in found.items()}


def _target_payload(value: str) -> dict[str, Any]:
    if value == "all":
        return {"all": True}
    kind, _sep, number = value.partition(":")
    return {f"{kind}_id": int(number)}


def _calendar_of(session: Session, schedule: Schedule) -> str:
    """The calendar where a saved schedule shows: its display's or location's, in the
    week it first runs."""
    if schedule.target_kind in ("display", "location"):
        target = f"{schedule.target_kind}:{schedule.target_id}"
    elif schedule.target_kind == "group":
        group = session.get(Group, schedule.target_id)
        target = f"location:{group.location_id if group else schedule.location_id}"
    else:
        target = f"location:{schedule.location_id}"
    first = (schedule.starts or "")[:10]
    week = first if first > utcnow().date().isoformat() else None
    return url_for("console.schedule_calendar", target=target, week=week)


def _form_page(
    schedule: Schedule | None,
    values: dict[str, Any],
    choices: Offered,
    problems: dict[str, str],
    error: str | None,
    status: int,
) -> ResponseReturnValue:
    page_html = render_template(
        "console/planning/schedule.html",
        schedule=schedule,
        may_edit=schedule is None or may_edit(me(), schedule),
        values=values,
        choices=choices,
        problems=problems,
        error=error,
        day_names=rules.day_names(),
        workdays=",".join(rules.WORKDAYS),
        every_day=",".join(rules.WEEKDAYS),
        summary=rules.describe(when_of(schedule)) if schedule else "",
    )
    return page_html, status
