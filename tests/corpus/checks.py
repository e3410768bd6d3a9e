"""What every corpus test asserts of a refusal: a 4xx with the uniform error body (JSON
for the API, a page for the console), nothing of our internals, and nothing stored."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import column, func, inspect, select, table

from signage.db import Database

LEAKS = ("Traceback", 'File "', "/work/", "site-packages", "sqlalchemy", "psycopg")
# A Python file's name (`views.py`, `app.py:12`) as a traceback or a path gives it away.
SOURCE_FILE = re.compile(r"\w\.py\b")
# The page's CSRF token is random base64 with dots, so ".py…" turns up in it now and then.
CSRF_TOKEN = re.compile(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"')
# Written in batches after the request that brought them, or by the request's own
# bookkeeping: they may move while a refused request stores nothing.
BUFFERED = frozenset({"play_events", "play_marks", "display_outages", "alert_deliveries"})


def assert_error(response: Any, *statuses: int) -> dict[str, Any]:
    """A 4xx with `{"error": {"code", "message"}}` and nothing of our internals."""
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True))
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict)
    assert "error" in body
    error = body["error"]
    assert isinstance(error.get("code"), str)
    assert error["code"]
    assert isinstance(error.get("message"), str)
    assert error["message"]
    assert_no_leak(response)
    return error


def assert_no_leak(response: Any) -> None:
    raw = response.get_data(as_text=True)
    for leak in LEAKS:
        assert leak not in raw, f"{leak!r} leaked into {raw[:500]!r}"
    source = SOURCE_FILE.search(CSRF_TOKEN.sub("", raw))
    assert source is None, f"a source file's name leaked into {raw[:500]!r}"


def row_counts(database: Database) -> dict[str, int]:
    tables = inspect(database.engine).get_table_names()
    with database.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in tables
        }


class Fingerprint:
    """The newest row of every table with an id (its count where it has none) and the
    newest change and audit entry, read in one statement: a refused request must leave
    all of them as they were (every stored write adds a row, a change or an audit entry).
    The newest id, not a count: counting every table after every request of the corpus
    would take minutes on PostgreSQL."""

    def __init__(self, database: Database, ignore: frozenset[str] = BUFFERED) -> None:
        self.database = database
        inspector = inspect(database.engine)
        names = sorted(set(inspector.get_table_names()) - ignore - {"alembic_version"})
        columns = []
        for name in names:
            has_id = any(c["name"] == "id" for c in inspector.get_columns(name))
            measure = func.max(column("id")) if has_id else func.count()
            columns.append(select(measure).select_from(table(name)).scalar_subquery().label(name))
        self.statement = select(*columns)

    def take(self) -> dict[str, Any]:
        with self.database.engine.connect() as connection:
            return dict(connection.execute(self.statement).mappings().one())

    @staticmethod
    def moved(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        return {k: (before[k], after[k]) for k in before if before[k] != after[k]}
