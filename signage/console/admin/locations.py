"""Locations: the tree shown indented, and creating, editing and deleting a location
inside the admin's subtree (LocationService decides; a location still in use stays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.console import layouts
from signage.console.admin.forms import check, checked, number, submit, text, typed
from signage.console.admin.sections import LOCATIONS, require
from signage.console.base import location_choices, page
from signage.crud import load_tree
from signage.errors import Conflict
from signage.policy import ADMIN
from signage.screens.models import Location
from signage.screens.schemas import LocationIn, LocationPatch
from signage.screens.services import LocationService
from signage.web import db_session

# The IANA areas a municipality's screens can be in (not the old aliases such as "US/…").
AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
         "Europe", "Indian", "Pacific")  # fmt: skip


@cache
def timezones() -> tuple[str, ...]:
    names = (name for name in available_timezones() if name.split("/")[0] in AREAS)
    return ("UTC", *sorted(names))


@dataclass
class Node:
    location: Location
    children: list[Node] = field(default_factory=list)


def location_tree(locations: list[Location]) -> list[Node]:
    """The locations as trees, each level ordered by name; a location whose parent is not
    in the list is shown as a top."""
    nodes = {loc.id: Node(loc) for loc in sorted(locations, key=lambda x: x.name.casefold())}
    tops: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.location.parent_id or 0)
        (parent.children if parent else tops).append(node)
    return tops


def location_data() -> dict[str, Any]:
    return {
        "name": text("name"),
        "slug": text("slug"),
        "parent_id": number("parent_id"),
        "timezone": text("timezone") or None,
        "public": checked("public"),
    }


def current_values(location: Location) -> dict[str, Any]:
    return {
        "name": location.name,
        "slug": location.slug,
        "parent_id": location.parent_id or "",
        "timezone": location.timezone or "",
        "public": location.public,
        "layout": layouts.form_value(location.layout),
    }


def slug_taken() -> tuple[str, str]:
    return "slug", _("This short name is already in use. Choose another.")


def render_form(
    principal: Principal,
    location: Location | None,
    values: dict[str, Any],
    problems: dict[str, str],
    status: int = 200,
    refusal: str | None = None,
) -> tuple[str, int]:
    session = db_session()
    parents = location_choices(session, principal, Role.ADMIN)
    if location is not None:
        below = load_tree(session).subtree(location.id)
        parents = [(lid, label) for lid, label in parents if lid not in below]
    inherited = None if location is None else layouts.inherited_by_location(session, location)
    html = render_template(
        "console/admin/location.html",
        location=location,
        layout=inherited and layouts.chooser(values, problems, inherited),
        is_top=location is not None and location.parent_id is None,
        parents=parents,
        timezones=timezones(),
        values=values,
        problems=problems,
        refusal=refusal,
    )
    return html, status


@page("/console/admin/locations", ADMIN)
def admin_locations() -> str:
    principal = require(LOCATIONS)
    locations = db_session().scalars(LocationService().readable_query(principal))
    return render_template(
        "console/admin/locations.html",
        tree=location_tree(list(locations)),
        writable=principal.writable(Role.ADMIN),
    )


@page("/console/admin/locations/new", ADMIN, methods=("GET", "POST"))
def admin_location_new() -> Response | tuple[str, int]:
    principal = require(LOCATIONS)
    if request.method == "GET":
        return render_form(principal, None, {}, {})
    data = location_data()
    problems: dict[str, str] = {}
    if data["parent_id"] is None and load_tree(db_session()).parents:
        problems = {"parent_id": _("Choose the location it belongs under.")}
    else:
        created, problems = submit(
            LocationIn,
            data,
            lambda fields: LocationService().create(db_session(), principal, fields),
            slug_taken(),
        )
        if created is not None:
            flash(_("%(name)s is created.", name=created.name), "success")
            return redirect(url_for("console.admin_locations"))
    return render_form(principal, None, typed(), problems, 422)


@page("/console/admin/locations/<int:location_id>", ADMIN, methods=("GET", "POST"))
def admin_location(location_id: int) -> Response | tuple[str, int]:
    principal = require(LOCATIONS)
    service = LocationService()
    location = service.get(db_session(), principal, location_id)
    service.authorize(db_session(), principal, location, creating=False)
    if request.method == "GET":
        return render_form(principal, location, current_values(location), {})
    _value, layout, problem = layouts.posted(location.layout)
    if problem:
        _fields, problems = check(LocationPatch, location_data())
        return render_form(principal, location, typed(), {**problems, "layout": problem}, 422)
    updated, problems = submit(
        LocationPatch,
        location_data(),
        lambda fields: service.update(db_session(), principal, location, {**fields, **layout}),
        slug_taken(),
    )
    if updated is None:
        return render_form(principal, location, typed(), problems, 422)
    flash(_("The changes are saved."), "success")
    return redirect(url_for("console.admin_locations"))


@page("/console/admin/locations/<int:location_id>/delete", ADMIN, methods=("POST",))
def admin_location_delete(location_id: int) -> Response | tuple[str, int]:
    principal = require(LOCATIONS)
    session = db_session()
    location = LocationService().get(session, principal, location_id)
    name = location.name
    try:
        LocationService().delete(session, principal, location)
    except Conflict:
        session.rollback()
        refusal = _(
            "%(name)s cannot be deleted while something belongs to it: locations below it, "
            "screens, groups, media, slides, playlists, schedules, themes or alerts. Move or "
            "delete those first.",
            name=name,
        )
        return render_form(principal, location, current_values(location), {}, 409, refusal)
    session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for("console.admin_locations"))
