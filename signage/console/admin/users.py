"""Users and their grants: for admins of the whole municipality (UserService and
GrantService refuse anyone else). Deleting a user keeps the audit trail under a
pseudonym; the service does that."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from signage.accounts.models import User
from signage.accounts.permissions import ROLE_NAMES
from signage.accounts.schemas import GrantIn, UserIn, UserPatch
from signage.accounts.services import GrantService, UserService
from signage.console.admin.forms import number, submit, text, typed
from signage.console.admin.sections import USERS, require
from signage.console.base import location_choices, page
from signage.errors import Conflict
from signage.policy import ADMIN
from signage.web import db_session

ROLE_LABELS = {
    "viewer": _l("Viewer"),
    "editor": _l("Editor"),
    "facility_manager": _l("Facility manager"),
    "communicator": _l("Communicator"),
    "admin": _l("Administrator"),
}
ROLE_HELP = {
    "viewer": _l("sees screens and reports"),
    "editor": _l("uploads media and makes slides, which others approve"),
    "facility_manager": _l("also approves slides, pairs screens, makes playlists and schedules"),
    "communicator": _l("also campaigns for the whole municipality and the annual themes"),
    "admin": _l("everything, including users, locations and the brand"),
}
assert tuple(ROLE_LABELS) == ROLE_NAMES  # noqa: S101 - a new role needs its label here


def email_taken() -> tuple[str, str]:
    return "email", _("A user with this email already exists.")


def user_data(*, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": text("email"),
        "name": text("name"),
        "language": text("language") or None,
    }
    password = request.form.get("password", "")
    if password or creating:
        data["password"] = password
    return data


@page("/console/admin/users", ADMIN)
def admin_users() -> str:
    principal = require(USERS)
    session = db_session()
    users = session.scalars(UserService().readable_query(principal).order_by(User.email))
    labels = dict(location_choices(session, principal))
    return render_template(
        "console/admin/users.html", users=list(users), roles=ROLE_LABELS, locations=labels
    )


@page("/console/admin/users/new", ADMIN, methods=("GET", "POST"))
def admin_user_new() -> str | Response | tuple[str, int]:
    principal = require(USERS)
    values: dict[str, str] = {"language": "da"}
    problems: dict[str, str] = {}
    if request.method == "POST":
        values = typed()
        user, problems = submit(
            UserIn,
            user_data(creating=True),
            lambda fields: UserService().create(db_session(), principal, fields),
            email_taken(),
        )
        if user is not None:
            flash(
                _("%(email)s can now sign in. Give them a role below.", email=user.email), "success"
            )
            return redirect(url_for("console.admin_user", user_id=user.id))
    page_html = render_template("console/admin/user_new.html", values=values, problems=problems)
    return (page_html, 422) if problems else page_html


def render_user(user: User, status: int = 200, **forms: Any) -> tuple[str, int]:
    """The user's page: details, grants, access and deletion, each its own form; `forms`
    carries the values and problems of the one just sent back."""
    session = db_session()
    principal = require(USERS)
    choices = location_choices(session, principal)
    labels = dict(choices)
    details = {"email": user.email, "name": user.name, "language": user.language or ""}
    html = render_template(
        "console/admin/user.html",
        user=user,
        is_me=user.id == principal.user_id,
        grants=[(grant, labels.get(grant.location_id, "?")) for grant in user.grants],
        roles=ROLE_LABELS,
        role_help=ROLE_HELP,
        locations=choices,
        details=forms.get("details", details),
        details_problems=forms.get("details_problems", {}),
        grant=forms.get("grant", {}),
        grant_problems=forms.get("grant_problems", {}),
        refusal=forms.get("refusal"),
    )
    return html, status


@page("/console/admin/users/<int:user_id>", ADMIN)
def admin_user(user_id: int) -> tuple[str, int]:
    principal = require(USERS)
    return render_user(UserService().get(db_session(), principal, user_id))


@page("/console/admin/users/<int:user_id>", ADMIN, methods=("POST",))
def admin_user_update(user_id: int) -> Response | tuple[str, int]:
    principal = require(USERS)
    service = UserService()
    user = service.get(db_session(), principal, user_id)
    updated, problems = submit(
        UserPatch,
        user_data(creating=False),
        lambda fields: service.update(db_session(), principal, user, fields),
        email_taken(),
    )
    if updated is None:
        return render_user(user, 422, details=typed(), details_problems=problems)
    flash(_("The changes are saved."), "success")
    return redirect(url_for("console.admin_user", user_id=user_id))


@page("/console/admin/users/<int:user_id>/active", ADMIN, methods=("POST",))
def admin_user_active(user_id: int) -> Response | tuple[str, int]:
    principal = require(USERS)
    session = db_session()
    user = UserService().get(session, principal, user_id)
    active = request.form.get("active") == "1"
    if user.id == principal.user_id and not active:
        return render_user(user, 409, refusal=_("You cannot deactivate your own account."))
    UserService().update(session, principal, user, {"active": active})
    session.commit()
    if active:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(_("%(email)s can no longer sign in.", email=user.email), "success")
    return redirect(url_for("console.admin_user", user_id=user_id))


@page("/console/admin/users/<int:user_id>/delete", ADMIN, methods=("POST",))
def admin_user_delete(user_id: int) -> Response | tuple[str, int]:
    principal = require(USERS)
    session = db_session()
    user = UserService().get(session, principal, user_id)
    email = user.email
    try:
        UserService().delete(session, principal, user)
    except Conflict:
        session.rollback()
        return render_user(user, 409, refusal=_("You cannot delete your own account."))
    session.commit()
    flash(
        _(
            "%(email)s is deleted. What they did is still in the log, under a pseudonym.",
            email=email,
        ),
        "success",
    )
    return redirect(url_for("console.admin_users"))


@page("/console/admin/users/<int:user_id>/grants", ADMIN, methods=("POST",))
def admin_grant_add(user_id: int) -> Response | tuple[str, int]:
    principal = require(USERS)
    user = UserService().get(db_session(), principal, user_id)
    data = {"user_id": user.id, "role": text("role"), "location_id": number("location_id")}
    grant, problems = submit(
        GrantIn,
        data,
        lambda fields: GrantService().create(db_session(), principal, fields),
        ("_", _("The user already has this role at this location.")),
    )
    if grant is None:
        return render_user(user, 422, grant=typed(), grant_problems=problems)
    flash(_("The role is given."), "success")
    return redirect(url_for("console.admin_user", user_id=user_id))


@page("/console/admin/grants/<int:grant_id>/delete", ADMIN, methods=("POST",))
def admin_grant_remove(grant_id: int) -> Response:
    principal = require(USERS)
    session = db_session()
    service = GrantService()
    grant = service.get(session, principal, grant_id)
    user_id = grant.user_id
    service.delete(session, principal, grant)
    session.commit()
    flash(_("The role is taken away."), "success")
    return redirect(url_for("console.admin_user", user_id=user_id))
