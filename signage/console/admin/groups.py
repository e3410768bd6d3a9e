"""Groups of screens, for facility managers and up: a group lives at a location they
may write, and its members are either every screen with a tag or screens chosen from
those they may write (GroupService refuses anything else)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.console import layouts
from signage.console.admin.forms import number, numbers, submit, text, typed
from signage.console.admin.sections import GROUPS, require
from signage.console.base import location_choices, page
from signage.policy import MANAGER
from signage.screens.models import Display, Group
from signage.screens.schemas import GroupIn, GroupPatch
from signage.screens.services import GroupService, group_member_ids
from signage.web import db_session

WRITER = Role.FACILITY_MANAGER


def group_data() -> tuple[dict[str, Any], dict[str, str]]:
    """The group's fields, and a problem when members by tag lack the tag."""
    data: dict[str, Any] = {
        "name": text("name"),
        "slug": text("slug"),
        "location_id": number("location_id"),
    }
    if request.form.get("members") == "list":
        data.update(tag=None, display_ids=numbers("display_ids"))
        return data, {}
    data.update(tag=text("tag"), display_ids=[])
    return data, {} if data["tag"] else {"tag": _("Fill this in.")}


def slug_taken() -> tuple[str, str]:
    return "slug", _("This short name is already in use. Choose another.")


def current_values(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "slug": group.slug,
        "location_id": group.location_id,
        "members": "tag" if group.tag else "list",
        "tag": group.tag or "",
        "display_ids": [str(i) for i in group_member_ids(group)],
        "layout": layouts.form_value(group.layout),
    }


def render_form(
    principal: Principal,
    group: Group | None,
    values: dict[str, Any],
    problems: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    session = db_session()
    locations = location_choices(session, principal, WRITER)
    labels = dict(locations)
    displays = session.scalars(
        select(Display).where(Display.location_id.in_(labels)).order_by(Display.name)
    )
    inherited = None if group is None else layouts.inherited_by_group(session, group)
    html = render_template(
        "console/admin/group.html",
        group=group,
        layout=inherited and layouts.chooser(values, problems, inherited),
        locations=locations,
        displays=[(d, labels[d.location_id]) for d in displays],
        values=values,
        problems=problems,
    )
    return html, status


def writable_group(principal: Principal, group_id: int) -> Group:
    """The group, if the user may change it: 404 outside their sight, 403 outside their
    write scope."""
    service = GroupService()
    group = service.get(db_session(), principal, group_id)
    service.authorize(db_session(), principal, group, creating=False)
    return group


@page("/console/admin/groups", MANAGER)
def admin_groups() -> str:
    principal = require(GROUPS)
    session = db_session()
    groups = session.scalars(GroupService().readable_query(principal).order_by(Group.name))
    return render_template(
        "console/admin/groups.html",
        groups=list(groups),
        locations=dict(location_choices(session, principal)),
        writable=principal.writable(WRITER),
    )


@page("/console/admin/groups/new", MANAGER, methods=("GET", "POST"))
def admin_group_new() -> Response | tuple[str, int]:
    principal = require(GROUPS)
    if request.method == "GET":
        return render_form(principal, None, {"members": "tag"}, {})
    data, problems = group_data()
    if not problems:
        created, problems = submit(
            GroupIn,
            data,
            lambda fields: GroupService().create(db_session(), principal, fields),
            slug_taken(),
        )
        if created is not None:
            flash(_("%(name)s is created.", name=created.name), "success")
            return redirect(url_for("console.admin_groups"))
    return render_form(principal, None, form_values(), problems, 422)


@page("/console/admin/groups/<int:group_id>", MANAGER, methods=("GET", "POST"))
def admin_group(group_id: int) -> Response | tuple[str, int]:
    principal = require(GROUPS)
    group = writable_group(principal, group_id)
    if request.method == "GET":
        return render_form(principal, group, current_values(group), {})
    data, problems = group_data()
    _value, layout, problem = layouts.posted(group.layout)
    if problem:
        problems["layout"] = problem
    if not problems:
        updated, problems = submit(
            GroupPatch,
            data,
            lambda fields: GroupService().update(
                db_session(), principal, group, {**fields, **layout}
            ),
            slug_taken(),
        )
        if updated is not None:
            flash(_("The changes are saved."), "success")
            return redirect(url_for("console.admin_groups"))
    return render_form(principal, group, form_values(), problems, 422)


@page("/console/admin/groups/<int:group_id>/delete", MANAGER, methods=("POST",))
def admin_group_delete(group_id: int) -> Response:
    principal = require(GROUPS)
    session = db_session()
    group = writable_group(principal, group_id)
    name = group.name
    GroupService().delete(session, principal, group)
    session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for("console.admin_groups"))


def form_values() -> dict[str, Any]:
    return {**typed(), "display_ids": request.form.getlist("display_ids")}
