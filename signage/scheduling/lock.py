"""One scheduler per deployment: the process that runs the jobs holds a lock for its
whole life, and one started by mistake stands by until the lock is free.

On PostgreSQL the lock is a session advisory lock on a connection of its own; on SQLite
an exclusive `flock` on a file beside the database. Either is let go by the operating
system or the database server when its process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

SCHEDULER_LOCK = 0x5167_6E61_6A6F  # any fixed 64-bit number, the same in every process


class SchedulerLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if it is free; True when this process holds it."""
        ...

    def is_held(self) -> bool:
        """Still ours? False once the connection that holds it is gone."""
        ...

    def release(self) -> None: ...


class PostgresLock:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._connection: Connection | None = None
        self._held = False

    def acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self.engine.connect()
            self._held = bool(
                self._connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK}
                )
            )
        except DBAPIError:
            self.release()  # the database is away: try again with a new connection
        return self._held

    def is_held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            self.release()
            return False
        return True

    def release(self) -> None:
        connection, held = self._connection, self._held
        self._connection, self._held = None, False
        if connection is not None:
            # A broken connection raises more than DBAPIError (an invalidated one wants
            # a rollback first); then the server has let go of the lock already.
            if held:
                # Now, not when the server notices the session has gone: that happens
                # after the close, and a standby asking at once would be refused.
                with contextlib.suppress(SQLAlchemyError):
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK}
                    )
            with contextlib.suppress(SQLAlchemyError):
                connection.close()
        self.engine.dispose()


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._handle is not None:
            return True
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def is_held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()  # closing the file lets go of the lock


class NoLock:
    """An in-memory SQLite database belongs to one process: there is nobody to exclude."""

    def acquire(self) -> bool:
        return True

    def is_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def scheduler_lock(database_url: str) -> SchedulerLock:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresLock(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FileLock(Path(url.database).with_name(Path(url.database).name + ".scheduler"))
    return NoLock()


def describe(lock: SchedulerLock) -> str:
    if isinstance(lock, PostgresLock):
        return f"PostgreSQL advisory lock {SCHEDULER_LOCK}"
    if isinstance(lock, FileLock):
        return f"lock file {lock.path}"
    return "no lock"
