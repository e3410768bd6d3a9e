"""Database plumbing: engine, session factory, declarative base, SQLite pragmas.

Knows nothing of the domain; models live in each domain package's `models.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 5000
# session.info: called after a commit that appended to the change log.
ON_CHANGE = "signage.on_change"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def microseconds(at: datetime) -> int:
    """An aware instant as whole microseconds since 1970 UTC."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given where an instant is needed")
    return (at - EPOCH) // MICROSECOND


class EpochMicroseconds(TypeDecorator[datetime]):
    """An instant stored as whole microseconds since 1970 UTC: for the columns written
    most (proof of play), where a number is a quarter of the text's cost to write and a
    third of its size in every key that holds it. Reads and comparisons take datetimes;
    writes take datetimes or the number itself."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | int | None, dialect: Any) -> int | None:
        if isinstance(value, datetime):
            return microseconds(value)
        return value  # None, or already microseconds (a batch's rows)

    def process_result_value(self, value: int | None, dialect: Any) -> datetime | None:
        return None if value is None else EPOCH + value * MICROSECOND


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    # A database error's text leaves out the statement's values (emails, password
    # hashes, names): the error is logged, and logs carry no personal data.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "handle_error", _drop_row_values)
    return engine


def _drop_row_values(context: ExceptionContext) -> None:
    """Keep a database error to its first line. PostgreSQL's DETAIL line after it quotes
    the row's values ("Key (email)=(…) already exists"), and errors end up in logs and
    in /readyz; the driver's `diag` still holds the detail for code that needs it."""
    wrapped, original = context.sqlalchemy_exception, context.original_exception
    if not isinstance(wrapped, DBAPIError):
        return  # not the driver's error: nothing from the server to trim
    first = str(original).split("\n", 1)[0]
    if first == str(original):
        return
    original.args = (first,)
    kind = type(original)
    wrapped.args = (f"({kind.__module__}.{kind.__name__}) {first}", *wrapped.args[1:])


class Database:
    """The engine and the session factory of one server instance."""

    def __init__(self, url: str, on_change: Callable[[], None] | None = None) -> None:
        # Every writer opens a Database, so loading the models here guarantees the
        # change-log session hook (signage.scheduling.changes) is registered in every
        # process: the server, the command line and the jobs alike.
        import signage.models  # noqa: F401

        self.url = url
        self.engine = make_engine(url)
        # `on_change` runs after each commit that appended to `changes` (a scaled
        # deployment wakes its propagator with it).
        info = {ON_CHANGE: on_change} if on_change is not None else {}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
