"""What every console page shares: the blueprint, the `page` decorator that enters each
route into the authorisation table, location choices inside the caller's scope, and the
translation of service errors and form problems into sentences staff understand.

Console pages are thin: they read a form, call one domain service, render a template.
Scope is decided by the services and `Principal`, never by what a page happens to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import policy
from signage.accounts.permissions import Principal, Role
from signage.errors import SignageError
from signage.schemas import Payload
from signage.screens.models import Location
from signage.web import current_principal

bp = Blueprint("console", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def page(rule: str, access: policy.Access, methods: Iterable[str] = ("GET",)) -> Callable[[F], F]:
    """Register a console route and its entry in the authorisation table together, so no
    page can exist without saying who may open it."""
    methods = tuple(methods)

    def register(view: F) -> F:
        bp.add_url_rule(rule, view.__name__, view, methods=list(methods))
        for method in methods:
            policy.ROUTES[(f"console.{view.__name__}", method)] = access
        return view

    return register


def is_htmx() -> bool:
    """An htmx request wants only the part it swaps; restoring history wants the page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def me() -> Principal:
    """The signed-in caller (the authorisation table lets no anonymous call reach a page)."""
    principal = current_principal()
    if principal is None:
        abort(401)
    return principal


def location_label(
    tree_names: Mapping[int, str], parents: Mapping[int, int | None], lid: int
) -> str:
    """`Gladsaxe Kommune › Rådhuset`: a location with its ancestors, for choices."""
    names = [tree_names[lid]]
    parent = parents.get(lid)
    while parent is not None and parent in tree_names and len(names) < 20:
        names.append(tree_names[parent])
        parent = parents.get(parent)
    return " › ".join(reversed(names))


def location_choices(
    session: Session, principal: Principal, role: Role | None = None
) -> list[tuple[int, str]]:
    """Locations the caller may write with `role` (or read, when `role` is None), labelled
    with their path and ordered by it."""
    allowed = principal.readable() if role is None else principal.writable(role)
    rows = session.execute(select(Location.id, Location.name, Location.parent_id)).all()
    names = {row.id: row.name for row in rows}
    parents = {row.id: row.parent_id for row in rows}
    choices = [(lid, location_label(names, parents, lid)) for lid in names if lid in allowed]
    return sorted(choices, key=lambda choice: choice[1].casefold())


ERROR_SENTENCES = {
    400: _l("The request could not be understood."),
    401: _l("Sign in first."),
    403: _l("You do not have access to this."),
    404: _l("This does not exist, or it has been deleted."),
    409: _l("This conflicts with something that already exists."),
    413: _l("The file is too large."),
    415: _l("This type of file cannot be used."),
    422: _l("Some of the values are not valid."),
}


def error_sentence(error: SignageError) -> str:
    """A service error as one sentence in the console's language, with the service's own
    (English) detail only where it names what to fix."""
    sentence = str(ERROR_SENTENCES.get(error.status, _("Something went wrong.")))
    if error.status in (409, 413, 415, 422):
        return f"{sentence} ({error.message})"
    return sentence


FIELD_PROBLEMS = {
    "missing": _l("Fill this in."),
    "string_too_short": _l("Fill this in."),
    "string_too_long": _l("This is too long."),
    "string_pattern_mismatch": _l("This has a form that is not allowed."),
    "int_parsing": _l("Write a whole number."),
    "int_type": _l("Write a whole number."),
    "greater_than_equal": _l("This number is too small."),
    "less_than_equal": _l("This number is too large."),
    "literal_error": _l("Choose one of the options."),
    "enum": _l("Choose one of the options."),
    "extra_forbidden": _l("This field is not expected."),
    "nul_character": _l("Contains characters that are not allowed."),
}


def validate(
    schema: type[Payload], data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate form data with the API's own payload schema. Returns the given fields and,
    per field, the first problem in the console's language (empty when valid)."""
    try:
        return schema.model_validate(dict(data)).given(), {}
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "_"
            known = FIELD_PROBLEMS.get(error["type"])
            problems.setdefault(field, str(known) if known else str(error["msg"]))
        return {}, problems


# The main menu: (endpoint, label). An item shows when its page exists and the caller's
# role may open it, so the menu never offers a page that would refuse them.
MENU = (
    ("console.index", _l("Overview")),
    ("console.displays", _l("Screens")),
    ("console.media", _l("Media")),
    ("console.slides", _l("Slides")),
    ("console.approvals", _l("Approval")),
    ("console.feeds", _l("Feeds")),
    ("console.playlists", _l("Playlists")),
    ("console.schedules", _l("Schedules")),
    ("console.alerts_index", _l("Alerts")),
    ("console.reports", _l("Reports")),
    ("console.notifications", _l("Notifications")),
    ("console.admin", _l("Administration")),
)


def may_open(principal: Principal | None, endpoint: str, method: str = "GET") -> bool:
    access = policy.ROUTES.get((endpoint, method))
    if access is None or principal is None:
        return access is not None and access.kind == "public"
    if access.kind in ("public", "login"):
        return True
    return access.kind == "role" and access.role is not None and principal.has_role(access.role)


@bp.app_context_processor
def _menu() -> dict[str, Any]:
    from flask import current_app

    if not request.path.startswith("/console"):
        return {}
    principal = current_principal()
    items = [
        (endpoint, label)
        for endpoint, label in MENU
        if endpoint in current_app.view_functions and may_open(principal, endpoint)
    ]
    return {
        "menu": items,
        "may_open": lambda endpoint, method="GET": may_open(principal, endpoint, method),
        "unread_notifications": _unread(principal, items),
    }


def _unread(principal: Principal | None, items: list[tuple[str, Any]]) -> int:
    """The count beside Notifications in the menu (asked only when the menu shows it)."""
    from signage.monitoring.notices import unread_count
    from signage.web import db_session

    if principal is None or principal.user_id is None:
        return 0
    if not any(endpoint == "console.notifications" for endpoint, _label in items):
        return 0
    return unread_count(db_session(), principal.user_id)
