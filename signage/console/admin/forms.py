"""Reading the administration forms: form strings become the typed values the API's
payloads take, and a service's refusal becomes a sentence beside the field it concerns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import request
from flask_babel import lazy_gettext as _l

from signage.console.base import error_sentence, validate
from signage.errors import Conflict, ValidationFailed
from signage.schemas import Payload
from signage.web import db_session

T = TypeVar("T")

# What to write instead of "this has a form that is not allowed", for a field that was
# filled in but not in the form its payload takes.
HINTS = {
    "email": _l("Write a valid email address, such as name@kommune.dk."),
    "password": _l("The password must be 10 to 200 characters long."),
    "slug": _l("Use lowercase letters a–z, digits and hyphens only, such as town-hall."),
    "tag": _l("Use letters, digits, hyphens and underscores only, without spaces."),
    "color": _l("Write the colour as # and six hex digits, such as #00505c."),
    "timezone": _l("Choose a time zone from the list."),
}


def text(name: str) -> str:
    return request.form.get(name, "").strip()


def number(name: str) -> int | str | None:
    """A whole number, None when empty, or the raw text (which validation refuses)."""
    raw = text(name)
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 18 else raw


def numbers(name: str) -> list[int | str]:
    return [int(v) if v.isdigit() and len(v) < 18 else v for v in request.form.getlist(name)]


def checked(name: str) -> bool:
    return name in request.form


def typed() -> dict[str, str]:
    """What the user typed, to show the form again as it was (never a password)."""
    return {key: value for key, value in request.form.items() if key != "password"}


def check(schema: type[Payload], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate with the API's payload; problems with a field that was filled in get the
    field's own hint."""
    fields, problems = validate(schema, data)
    for name in problems:
        if name in HINTS and data.get(name):
            problems[name] = str(HINTS[name])
    return fields, problems


def submit(
    schema: type[Payload],
    data: Mapping[str, Any],
    action: Callable[[dict[str, Any]], T],
    conflict: tuple[str, str],
) -> tuple[T | None, dict[str, str]]:
    """Validate, call the service and commit. Returns the result, or the problems per
    field with nothing written. `conflict` is (field, sentence) for the one conflict
    each of these services can raise: a name that must be unique is taken."""
    fields, problems = check(schema, data)
    if problems:
        return None, problems
    session = db_session()
    try:
        result = action(fields)
        session.commit()
    except Conflict:
        session.rollback()
        return None, {conflict[0]: conflict[1]}
    except ValidationFailed as error:
        session.rollback()
        return None, {"_": error_sentence(error)}
    return result, {}
