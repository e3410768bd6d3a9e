"""Crisis alerts in the console: send one from a ready text, confirm before a critical
alert goes to every screen, and watch its receipts arrive live.

Who may reach which screens is the alert service's rule (facility managers inside
their locations, communicators everywhere); the form only offers what the caller may
target, and the service refuses anything else.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.alerts import receipts
from signage.alerts import services as alerts
from signage.alerts.models import Alert
from signage.alerts.presets import PRESETS, VARIANT_LANGUAGES
from signage.alerts.schemas import AlertIn
from signage.console.base import bp, location_choices, me, page, validate
from signage.db import utcnow
from signage.errors import NotFound, SignageError
from signage.policy import MANAGER, VIEWER
from signage.schemas import parse_id
from signage.screens.models import Display, Group, Location
from signage.web import db_session, notifier

SEVERITY_NAMES = {"critical": _l("Critical"), "warning": _l("Warning"), "info": _l("Information")}
SEVERITIES = (
    ("critical", _l("Critical: fills the whole screen")),
    ("warning", _l("Warning: a banner over the content")),
    ("info", _l("Information: in the ticker")),
)
LIFETIMES = (1, 2, 4, 8, 12, 24, 72)  # hours
RECENT = 20


@bp.app_context_processor
def _severity_names() -> dict[str, Any]:
    return {"severity_names": SEVERITY_NAMES}


@page("/console/alerts", VIEWER)
def alerts_index() -> str:
    session, principal = db_session(), me()
    now = utcnow()
    readable = _readable(session, principal)
    active = [a for a in alerts.active(session, now) if a.id in readable]
    ended = list(
        session.scalars(
            select(Alert)
            .where(
                Alert.id.in_(readable), or_(Alert.cleared_at.is_not(None), Alert.expires_at <= now)
            )
            .order_by(Alert.id.desc())
            .limit(RECENT)
        )
    )
    counts = receipts.counts(session, [a.id for a in active])
    return render_template("console/alerts/index.html", active=active, ended=ended, counts=counts)


@page("/console/alerts/new", MANAGER, methods=("GET", "POST"))
def alerts_new() -> str | Response | tuple[str, int]:
    session, principal = db_session(), me()
    form = request.form if request.method == "POST" else _preset_form(request.args.get("preset"))
    choices = _target_choices(session, principal)
    if request.method == "GET":
        return _form(form, choices, {})
    data, problems = _payload(form)
    if not problems:
        data, problems = validate(AlertIn, data)
    if problems:
        return _form(form, choices, problems), 422
    if _needs_confirmation(data) and form.get("confirmed") != "yes":
        return render_template(
            "console/alerts/confirm.html", form=form, screens=_screen_count(session)
        ), 200
    try:
        alert = alerts.send(session, principal, AlertIn.model_validate(data).model_dump())
    except SignageError as exc:
        session.rollback()
        return _form(form, choices, {"targets": exc.message}), exc.status
    session.commit()
    alerts.publish_sent(notifier(), alert)
    flash(_("The alert is sent."), "success")
    return redirect(url_for("console.alert", alert_id=alert.id))


@page("/console/alerts/<int:alert_id>", VIEWER)
def alert(alert_id: int) -> str:
    session = db_session()
    found = _get(session, me(), alert_id)
    return render_template(
        "console/alerts/alert.html",
        alert=found,
        report=receipts.report(session, found),
        targets=_describe(session, found.targets),
        may_clear=found.cleared_at is None
        and me().can_write(found.location_id, Role.FACILITY_MANAGER),
        fragment=False,
    )


@page("/console/alerts/<int:alert_id>/receipts", VIEWER)
def alert_receipts(alert_id: int) -> str:
    """The counts and the displays still waiting, fetched again as receipts arrive."""
    session = db_session()
    found = _get(session, me(), alert_id)
    return render_template(
        "console/alerts/_receipts.html", alert=found, report=receipts.report(session, found)
    )


@page("/console/alerts/<int:alert_id>/clear", MANAGER, methods=("POST",))
def alert_clear(alert_id: int) -> Response:
    session = db_session()
    cleared = alerts.clear(session, me(), alert_id)
    session.commit()
    alerts.publish_cleared(notifier(), cleared)
    flash(_("The alert is cleared on every screen."), "success")
    return redirect(url_for("console.alert", alert_id=alert_id))


# -- helpers ------------------------------------------------------------------------------
def _readable(session: Session, principal: Principal) -> set[int]:
    query = select(Alert.id)
    if not principal.covers_whole_tree(Role.VIEWER):
        query = query.where(Alert.location_id.in_(principal.readable()))
    return set(session.scalars(query))


def _get(session: Session, principal: Principal, alert_id: int) -> Alert:
    found = session.get(Alert, alert_id)
    if found is None or not principal.can_read(found.location_id):
        raise NotFound(f"alert {alert_id} does not exist")
    return found


def _preset_form(name: str | None) -> MultiDict[str, str]:
    preset = PRESETS.get(name or "")
    if preset is None:
        return MultiDict({"severity": "warning", "expires_hours": "4", "reach": "places"})
    form = MultiDict(
        {
            "preset": name or "",
            "severity": preset.severity,
            "title": preset.title,
            "body": preset.body,
            "expires_hours": str(preset.expires_hours),
            "reach": "places",
        }
    )
    for language, text in preset.variants.items():
        form[f"title_{language}"] = text["title"]
        form[f"body_{language}"] = text["body"]
    return form


def _ids(form: Any, name: str) -> list[int]:
    return [i for i in map(parse_id, form.getlist(name)) if i is not None][:500]


def _payload(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the API's alert payload (the same schema checks both)."""
    problems: dict[str, str] = {}
    hours = form.get("expires_hours", "")
    if hours not in {str(h) for h in LIFETIMES}:
        problems["expires_hours"] = _("Choose how long the alert lasts.")
    if form.get("reach") == "all":
        targets: dict[str, Any] = {"all": True}
    else:
        targets = {
            "location_ids": _ids(form, "location_ids"),
            "group_ids": _ids(form, "group_ids"),
            "display_ids": _ids(form, "display_ids"),
        }
        if not any(targets.values()):
            problems["targets"] = _("Choose where the alert is shown.")
    variants = {
        language: {"title": form.get(f"title_{language}", "").strip(),
                   "body": form.get(f"body_{language}", "").strip()}
        for language in VARIANT_LANGUAGES
        if form.get(f"title_{language}", "").strip()
    }  # fmt: skip
    data = {
        "title": form.get("title", "").strip(),
        "body": form.get("body", "").strip(),
        "severity": form.get("severity", ""),
        "targets": targets,
        "variants": variants,
    }
    if not problems:
        data["expires_at"] = utcnow() + timedelta(hours=int(hours))
    return data, problems


def _needs_confirmation(data: dict[str, Any]) -> bool:
    return data["severity"] == "critical" and bool(data["targets"].get("all"))


def _screen_count(session: Session) -> int:
    return len(session.scalars(select(Display.id)).all())


def _form(form: Any, choices: dict[str, Any], problems: dict[str, str]) -> str:
    return render_template(
        "console/alerts/new.html",
        form=form,
        problems=problems,
        presets=PRESETS,
        lifetimes=LIFETIMES,
        languages=VARIANT_LANGUAGES,
        **choices,
    )


def _target_choices(session: Session, principal: Principal) -> dict[str, Any]:
    """What the caller may send: critical alerts and `all` for communicators (of the
    whole municipality, for `all`), else locations, groups and displays inside their
    facility-manager scope."""
    places = principal.writable(Role.FACILITY_MANAGER)
    groups = session.execute(
        select(Group.id, Group.name).where(Group.location_id.in_(places)).order_by(Group.name)
    ).all()
    displays = session.execute(
        select(Display.id, Display.name, Location.name.label("place"))
        .join(Location, Location.id == Display.location_id)
        .where(Display.location_id.in_(places))
        .order_by(Location.name, Display.name)
    ).all()
    critical = principal.has_role(Role.COMMUNICATOR)
    return {
        "severities": [s for s in SEVERITIES if critical or s[0] != "critical"],
        "may_send_all": principal.covers_whole_tree(Role.COMMUNICATOR),
        "location_choices": location_choices(session, principal, Role.FACILITY_MANAGER),
        "group_choices": [(row.id, row.name) for row in groups],
        "display_choices": [(row.id, f"{row.name} ({row.place})") for row in displays],
    }


def _describe(session: Session, targets: dict[str, Any]) -> list[str]:
    if targets.get("all"):
        return [_("All screens")]
    names: list[str] = []
    for model, key in ((Location, "location_ids"), (Group, "group_ids"), (Display, "display_ids")):
        ids = targets.get(key, [])
        if ids:
            names += session.scalars(select(model.name).where(model.id.in_(ids))).all()
    return names
