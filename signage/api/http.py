"""Request parsing and response helpers for the JSON API: bodies, pagination, errors."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from signage.errors import RateLimited, SignageError, ValidationFailed
from signage.schemas import EARLIEST_YEAR, LATEST_YEAR, MAX_ID, is_in_range

P = TypeVar("P", bound=BaseModel)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# ASCII digits only, and few of them: str.isdigit() also accepts "²", which int() refuses,
# and int() refuses more than 4300 digits; either would be a 500.
WHOLE_NUMBER = re.compile(r"[0-9]{1,20}")


class BadRequest(SignageError):
    status = 400
    code = "bad_request"


def json_body() -> dict[str, Any]:
    if not request.is_json:
        raise BadRequest("send a JSON object with Content-Type: application/json")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting: not something a client means to send
        body = None
    if body is None:
        raise BadRequest("the request body is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    found = _find_unstorable(body)
    if found is not None:
        where, problem = found
        raise ValidationFailed(f"{where}: {problem}")
    return body


NUL = "must not contain NUL characters (\\u0000)"  # PostgreSQL cannot store them in text
SURROGATE = "must be valid Unicode text (it holds a lone surrogate such as \\ud83c)"


def _problem(text: str) -> str | None:
    """Why `text` cannot be stored, the same on every database, or None."""
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")  # JSON may escape half of a surrogate pair; UTF-8 cannot hold it
    except UnicodeEncodeError:
        return SURROGATE
    return None


def _shown(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _find_unstorable(body: dict[str, Any]) -> tuple[str, str] | None:
    """Where the first key or string that no database can store is, and why, or None. A
    loop, not recursion: the JSON parser allows nesting deeper than Python's recursion
    limit."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = _problem(value)
            if problem is not None:
                return ".".join(path) or "body", problem
            continue
        if isinstance(value, dict):
            items = [(str(key), item) for key, item in value.items()]
        elif isinstance(value, list):
            items = [(str(index), item) for index, item in enumerate(value)]
        else:
            continue
        for key, item in reversed(items):
            problem = _problem(key)
            if problem is not None:
                return ".".join((*path, _shown(key))), problem
            stack.append(((*path, key), item))
    return None


def parse(schema: type[P], body: dict[str, Any] | None = None) -> P:
    try:
        return schema.model_validate(json_body() if body is None else body)
    except PydanticError as exc:
        problems = [describe(error) for error in exc.errors(include_url=False, include_input=False)]
        raise ValidationFailed("; ".join(problems), details=problems) from exc


def describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "body"
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "is not a known field"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return f"{where}: {message}"


def int_arg(
    name: str, default: int | None = None, *, low: int = 1, high: int = MAX_ID
) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadRequest(f"query parameter {name!r} must be a whole number from {low} to {high}")
    return int(raw)


def page_args() -> tuple[int, int]:
    """(limit, after_id) from ?limit= and ?cursor=."""
    limit = int_arg("limit", DEFAULT_LIMIT, high=MAX_LIMIT)
    assert limit is not None  # noqa: S101 - a default is given
    cursor = request.args.get("cursor")
    return limit, decode_cursor(cursor) if cursor else 0


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, value = text.partition(":")
    if kind != "id" or not WHOLE_NUMBER.fullmatch(value) or int(value) > MAX_ID:
        raise BadRequest("the cursor is not one this server gave out; start without it")
    return int(value)


def page(items: list[dict[str, Any]], last_id: int | None) -> Response:
    return jsonify({"items": items, "next": encode_cursor(last_id) if last_id else None})


def paged(
    session: Session, query: Select[Any], id_column: Any, serialize: Callable[[Any], dict[str, Any]]
) -> Response:
    """One page of `query` in id order after ?cursor=, at most ?limit= items."""
    limit, after = page_args()
    query = query.where(id_column > after).order_by(id_column).limit(limit + 1)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return page([serialize(row) for row in rows], rows[-1].id if more else None)


def error_response(error: SignageError) -> tuple[Response, int]:
    response = jsonify(error.to_body())
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after_s)
    return response, error.status


def plain_error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def instant_arg(name: str, default: datetime | None = None) -> datetime:
    """An ISO 8601 instant with its offset from the query string (?from=, ?at=)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadRequest(f"query parameter {name!r} is required (ISO 8601 with offset)")
        return default
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise BadRequest(
            f"query parameter {name!r} must be ISO 8601 such as 2026-11-26T08:00:00+01:00"
        ) from exc
    if value.tzinfo is None:
        raise BadRequest(f"query parameter {name!r} needs an offset such as +01:00 or Z")
    if not is_in_range(value):
        raise BadRequest(
            f"query parameter {name!r} must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}"
        )
    return value
