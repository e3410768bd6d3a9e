"""The database the tests run on, chosen in this one place.

`SIGNAGE_TEST_DATABASE=postgresql` runs the suite on PostgreSQL (the server at
SIGNAGE_TEST_POSTGRES_URL, by default the local one as user postgres); unset or
`sqlite`, on SQLite files. Every instance folder a test uses has one database: a file in
the folder on SQLite, a database of its own on PostgreSQL. Templates (migrated, seeded)
are made once per run and copied per test: a file copy, or `CREATE DATABASE … TEMPLATE`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from signage.db import Database

SQLITE_FILE = "signage.db"
POSTGRES_ADMIN_URL = os.environ.get(
    "SIGNAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
KINDS = ("sqlite", "postgresql")
SPARE_COPIES = 2  # copies of each template made ahead of the tests that take them


def require_or_skip(reason: str) -> None:
    """Skip for `reason`, or fail when CI demands the services (SIGNAGE_REQUIRE_SERVICES)."""
    if os.environ.get("SIGNAGE_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (SIGNAGE_REQUIRE_SERVICES is set)")
    pytest.skip(reason)


class SqliteDatabases:
    """A database is the file `signage.db` in its instance folder; the server's default,
    so spawned processes need no setting to find it."""

    kind = "sqlite"

    def url(self, instance: Path) -> str:
        return f"sqlite:///{instance / SQLITE_FILE}"

    def create(self, instance: Path, template: Path | None = None, *, keep: bool = False) -> str:
        instance.mkdir(parents=True, exist_ok=True)
        if template is not None:
            shutil.copyfile(template / SQLITE_FILE, instance / SQLITE_FILE)
        return self.url(instance)

    def seal(self, database: Database) -> None:
        """Fold the write-ahead log into the file, so a copy of the file is whole."""
        with database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def environment(self, instance: Path) -> dict[str, str]:
        return {}

    def drop(self, instance: Path) -> None:
        """The file goes with the test's temporary folder."""

    def drop_made_since(self, mark: int) -> None:
        """Nothing to drop."""

    def mark(self) -> int:
        return 0

    def check_reachable(self) -> None:
        """A file is always there to be made."""

    def close(self) -> list[str]:
        """The files go with their temporary folders."""
        return []


class Backstage:
    """One thread that copies templates ahead of the tests and drops used databases
    behind them, so that a test waits for neither (on a busy machine a copy takes a few
    tenths of a second and a drop, which forces a checkpoint, more). It does one thing at
    a time, copies first."""

    def __init__(self, execute: Callable[[str], None]) -> None:
        self._execute = execute
        self._changed = threading.Condition()
        self._wanted: list[tuple[str, str]] = []  # (name, template) to copy
        self._ready: dict[str, list[str]] = {}  # template → copies made
        self._doomed: list[str] = []
        self._dropped: set[str] = set()
        self._closing = False
        self.errors: list[str] = []
        self._thread: threading.Thread | None = None

    def take(self, template: str, name: str) -> str | None:
        """A ready copy of `template`, if there is one; `name` is copied next unless
        enough copies are ready or on their way."""
        with self._changed:
            ready = self._ready.setdefault(template, [])
            taken = ready.pop(0) if ready else None
            coming = len(ready) + sum(1 for _, source in self._wanted if source == template)
            if coming < SPARE_COPIES:
                self._wanted.append((name, template))
                self._start()
                self._changed.notify()
        return taken

    def drop(self, name: str) -> None:
        """Drop `name`, and first every copy of it made or wanted."""
        with self._changed:
            self._wanted = [(n, t) for n, t in self._wanted if t != name]
            self._doomed.extend(self._ready.pop(name, []))
            self._doomed.append(name)
            self._dropped.add(name)
            self._start()
            self._changed.notify()

    def close(self) -> None:
        """Drop what is left (the unused copies too) and stop."""
        with self._changed:
            self._wanted.clear()
            for copies in self._ready.values():
                self._doomed.extend(copies)
            self._ready.clear()
            self._closing = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="databases", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not (self._wanted or self._doomed or self._closing):
                    self._changed.wait()
                if self._wanted:
                    name, template = self._wanted.pop(0)
                    statement = f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
                elif self._doomed:
                    name, template = self._doomed.pop(0), ""
                    statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                else:
                    return
            try:
                self._execute(statement)
            except Exception as exc:  # reported when the run ends
                self.errors.append(f"{statement}: {exc}")
                continue
            if template:
                with self._changed:
                    if template in self._dropped:  # while it was being copied
                        self._doomed.append(name)
                    else:
                        self._ready.setdefault(template, []).append(name)


class PostgresDatabases:
    """A database of its own per instance folder, named after this process (so parallel
    workers and runs never meet), made on first use and dropped when released."""

    kind = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self._admin: Engine | None = None
        self._made: dict[Path, tuple[int, str, bool]] = {}  # instance → (serial, name, keep)
        self._serial = itertools.count()
        self._backstage = Backstage(self._execute)

    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        return self._admin

    def _execute(self, statement: str) -> None:
        with self.admin().connect() as connection:
            connection.execute(text(statement))

    def url(self, instance: Path) -> str:
        if instance not in self._made:
            return self.create(instance)
        return self._url(self._made[instance][1])

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _name(self) -> tuple[int, str]:
        serial = next(self._serial)
        return serial, f"signage_test_{os.getpid()}_{serial}"

    def create(self, instance: Path, template: Path | None = None, *, keep: bool = False) -> str:
        """A new database for `instance`: empty, or a copy of `template`'s (whose
        connections must all be closed). `keep` spares it from `drop_made_since`."""
        instance.mkdir(parents=True, exist_ok=True)
        serial, name = self._name()
        if template is None:
            self._execute(f'CREATE DATABASE "{name}"')
        else:
            source = self._made[template][1]
            ready = self._backstage.take(source, self._name()[1])
            if ready is None:
                self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            else:
                name = ready
        self._made[instance] = (serial, name, keep)
        return self._url(name)

    def seal(self, database: Database) -> None:
        """Nothing to fold; the caller closes its connections before the database is
        used as a template."""

    def environment(self, instance: Path) -> dict[str, str]:
        return {"SIGNAGE_DATABASE_URL": self.url(instance)}

    def drop(self, instance: Path) -> None:
        made = self._made.pop(instance, None)
        if made is not None:
            self._backstage.drop(made[1])

    def mark(self) -> int:
        return max((serial for serial, _, _ in self._made.values()), default=-1) + 1

    def drop_made_since(self, mark: int) -> None:
        """Drop the databases made since `mark`, other than the kept ones."""
        for instance, (serial, _, keep) in list(self._made.items()):
            if serial >= mark and not keep:
                self.drop(instance)

    def close(self) -> list[str]:
        """Drop every database still there; returns what went wrong, if anything."""
        for instance in list(self._made):
            self.drop(instance)
        self._backstage.close()
        return self._backstage.errors

    def check_reachable(self) -> None:
        try:
            self._execute("SELECT 1")
        except OperationalError as exc:
            raise pytest.UsageError(
                f"SIGNAGE_TEST_DATABASE=postgresql, but PostgreSQL is not reachable at "
                f"{self.admin_url.render_as_string()}: {exc.orig}"
            ) from exc


def chosen() -> SqliteDatabases | PostgresDatabases:
    kind = os.environ.get("SIGNAGE_TEST_DATABASE") or "sqlite"
    if kind not in KINDS:
        raise pytest.UsageError(f"SIGNAGE_TEST_DATABASE: one of {', '.join(KINDS)}, got {kind!r}")
    return PostgresDatabases(POSTGRES_ADMIN_URL) if kind == "postgresql" else SqliteDatabases()


DATABASES = chosen()
ON_POSTGRES = DATABASES.kind == "postgresql"
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite itself is what this tests")


def instance_database(instance: Path) -> Database:
    """The database of an instance folder, opened as the server there would open it."""
    return Database(DATABASES.url(instance))


def instance_rows(instance: Path, sql: str, **params: object) -> list[tuple[Any, ...]]:
    """The rows of one query on an instance's database (`:name` parameters)."""
    database = instance_database(instance)
    try:
        with database.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        database.dispose()


def every_row(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a backup carries, by table, in primary key order."""
    from signage.backup import tables

    database = Database(url)
    try:
        with database.engine.connect() as connection:
            return {
                table.name: [
                    dict(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in tables()
            }
    finally:
        database.dispose()
