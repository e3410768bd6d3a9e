"""Annual priority themes, for communicators and admins (ThemeService decides where):
slides are tagged with a theme and reports count plays by it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.console.admin.forms import number, submit, text, typed
from signage.console.admin.sections import THEMES, require
from signage.console.base import location_choices, page
from signage.content.models import Slide, Theme
from signage.content.schemas import ThemeIn, ThemePatch
from signage.content.services import ThemeService
from signage.policy import COMMUNICATOR
from signage.web import db_session

WRITER = Role.COMMUNICATOR


def theme_data() -> dict[str, Any]:
    return {
        "name": text("name"),
        "slug": text("slug"),
        "location_id": number("location_id"),
        "year": number("year"),
        "color": text("color") or None,
    }


def current_values(theme: Theme) -> dict[str, Any]:
    return {
        "name": theme.name,
        "slug": theme.slug,
        "location_id": theme.location_id,
        "year": theme.year or "",
        "color": theme.color or "",
    }


def slug_taken() -> tuple[str, str]:
    return "slug", _("This short name is already in use. Choose another.")


def render_form(
    principal: Principal,
    theme: Theme | None,
    values: dict[str, Any],
    problems: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    session = db_session()
    tagged = 0
    if theme is not None:
        count = select(func.count()).select_from(Slide).where(Slide.theme_id == theme.id)
        tagged = session.scalar(count) or 0
    html = render_template(
        "console/admin/theme.html",
        theme=theme,
        tagged=tagged,
        locations=location_choices(session, principal, WRITER),
        values=values,
        problems=problems,
    )
    return html, status


def writable_theme(principal: Principal, theme_id: int) -> Theme:
    service = ThemeService()
    theme = service.get(db_session(), principal, theme_id)
    service.authorize(db_session(), principal, theme, creating=False)
    return theme


@page("/console/admin/themes", COMMUNICATOR)
def admin_themes() -> str:
    principal = require(THEMES)
    session = db_session()
    query = ThemeService().readable_query(principal)
    themes = session.scalars(query.order_by(Theme.year.desc(), Theme.name))
    return render_template(
        "console/admin/themes.html",
        themes=list(themes),
        locations=dict(location_choices(session, principal)),
        writable=principal.writable(WRITER),
    )


@page("/console/admin/themes/new", COMMUNICATOR, methods=("GET", "POST"))
def admin_theme_new() -> Response | tuple[str, int]:
    principal = require(THEMES)
    if request.method == "GET":
        return render_form(principal, None, {}, {})
    created, problems = submit(
        ThemeIn,
        theme_data(),
        lambda fields: ThemeService().create(db_session(), principal, fields),
        slug_taken(),
    )
    if created is None:
        return render_form(principal, None, typed(), problems, 422)
    flash(_("%(name)s is created.", name=created.name), "success")
    return redirect(url_for("console.admin_themes"))


@page("/console/admin/themes/<int:theme_id>", COMMUNICATOR, methods=("GET", "POST"))
def admin_theme(theme_id: int) -> Response | tuple[str, int]:
    principal = require(THEMES)
    theme = writable_theme(principal, theme_id)
    if request.method == "GET":
        return render_form(principal, theme, current_values(theme), {})
    updated, problems = submit(
        ThemePatch,
        theme_data(),
        lambda fields: ThemeService().update(db_session(), principal, theme, fields),
        slug_taken(),
    )
    if updated is None:
        return render_form(principal, theme, typed(), problems, 422)
    flash(_("The changes are saved."), "success")
    return redirect(url_for("console.admin_themes"))


@page("/console/admin/themes/<int:theme_id>/delete", COMMUNICATOR, methods=("POST",))
def admin_theme_delete(theme_id: int) -> Response:
    principal = require(THEMES)
    session = db_session()
    theme = writable_theme(principal, theme_id)
    name = theme.name
    ThemeService().delete(session, principal, theme)
    session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for("console.admin_themes"))
