"""Proof of play coming in from kiosks, over HTTP and the socket alike.

Each play in a batch is checked on its own: a batch keeps its good plays and says which
others were refused and why. Accepted plays wait in memory and are written in one
statement per flush (INSERT … ON CONFLICT DO NOTHING on the kiosk's own play id), so a
batch sent again after a lost answer counts once and 10,000 kiosks reporting every
minute cost a few statements a second, not 10,000 transactions. Nothing here touches
HTTP or sockets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from signage.alerts.models import Alert
from signage.content.models import SlideRevision
from signage.db import EPOCH, Database, microseconds
from signage.errors import SignageError
from signage.reports.models import PlayEvent, PlayMark
from signage.reports.schemas import MAX_PLAYS_PER_BATCH, PlayIn
from signage.screens.models import Display

# A kiosk corrects its clock from the server's, so a play that ends further in the
# future than this was not played.
CLOCK_SKEW = timedelta(minutes=2)
PLAY_FLUSH_EVERY_S = 1.0
# Past this many waiting plays, the request that adds more writes them at once.
MAX_PENDING = 100_000
MAX_KNOWN = 200_000  # remembered revision and alert ids (a bound on memory, not a rule)
HOUR = timedelta(hours=1)
HOUR_US = HOUR // timedelta(microseconds=1)
CHUNK = 500  # ids per IN (…) list: well inside every database's limit on parameters

T = TypeVar("T")


class NotABatch(SignageError):
    status = 400
    code = "bad_request"


class TooManyPlays(SignageError):
    status = 413
    code = "too_large"


@dataclass(frozen=True)
class Refusal:
    index: int  # the play's place in the batch
    id: str | None  # its id, when it had a readable one
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class Intake:
    accepted: int
    refused: tuple[Refusal, ...]

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "refused": [r.to_json() for r in self.refused]}

    def summary(self) -> str:
        total = self.accepted + len(self.refused)
        return f"{len(self.refused)} of {total} plays refused; the other {self.accepted} are taken"


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class Catalogue:
    """Which slide revisions (and their slides) and alerts exist, remembered once seen:
    a kiosk names the same few dozen revisions all day, so checking a batch costs no
    query once the fleet has warmed it. A revision deleted later is caught when the
    plays are written."""

    def __init__(self) -> None:
        self._revisions: dict[int, int] = {}  # revision id → slide id
        self._alerts: set[int] = set()
        self._lock = threading.Lock()

    def revisions(self, database: Database, ids: set[int]) -> dict[int, int]:
        missing = sorted(ids - self._revisions.keys())
        if missing:
            with database.sessions() as session:
                found = _existing_revisions(session, missing)
            with self._lock:
                if len(self._revisions) > MAX_KNOWN:
                    self._revisions.clear()
                self._revisions.update(found)
        known = self._revisions
        return {rid: known[rid] for rid in ids if rid in known}

    def alerts(self, database: Database, ids: set[int]) -> set[int]:
        missing = sorted(ids - self._alerts)
        if missing:
            with database.sessions() as session:
                found = _existing(session, Alert.id, missing)
            with self._lock:
                if len(self._alerts) > MAX_KNOWN:
                    self._alerts.clear()
                self._alerts.update(found)
        return ids & self._alerts


def take_plays(
    payload: Any,
    display_id: int,
    now: datetime,
    oldest: timedelta,
    database: Database,
    catalogue: Catalogue,
) -> tuple[Intake, list[dict[str, Any]]]:
    """Check a kiosk's batch: (what to tell it, the rows to write). Raises NotABatch or
    TooManyPlays when the batch as a whole is unusable."""
    if not isinstance(payload, list):
        raise NotABatch("send a JSON array of plays")
    if len(payload) > MAX_PLAYS_PER_BATCH:
        raise TooManyPlays(
            f"{len(payload)} plays in one batch; send at most {MAX_PLAYS_PER_BATCH} at a time"
        )
    refused: list[Refusal] = []
    parsed: list[tuple[int, PlayIn]] = []
    for index, item in enumerate(payload):
        play, reason = _parse(item, now, oldest)
        if play is None:
            refused.append(Refusal(index, _id_of(item), reason))
        else:
            parsed.append((index, play))
    revisions = catalogue.revisions(database, {p.revision for _, p in parsed if p.revision})
    alerts = catalogue.alerts(database, {p.alert for _, p in parsed if p.alert})
    rows: dict[str, dict[str, Any]] = {}
    for index, play in parsed:
        reason = _unknown(play, revisions, alerts)
        if reason:
            refused.append(Refusal(index, play.id, reason))
        else:
            rows[play.id] = _row(display_id, play)
    refused.sort(key=lambda refusal: refusal.index)
    intake = Intake(len(payload) - len(refused), tuple(refused))
    return intake, list(rows.values())


def _parse(item: Any, now: datetime, oldest: timedelta) -> tuple[PlayIn | None, str]:
    try:
        play = PlayIn.model_validate(item)
    except ValidationError as exc:
        return None, "; ".join(_describe(error) for error in exc.errors()[:5])
    ends = play.started_at + timedelta(milliseconds=play.duration_ms)
    if ends > now + CLOCK_SKEW:
        return None, "the play ends in the future (check the kiosk's clock)"
    if play.started_at < now - oldest:
        return None, f"the play started more than {oldest.days} days ago; so old, it is not taken"
    return play, ""


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "play"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a known field"
    return f"{where}: {message}"


def _id_of(item: Any) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value[:64] if isinstance(value, str) else None


def _unknown(play: PlayIn, revisions: dict[int, int], alerts: set[int]) -> str:
    if play.alert is not None:
        return "" if play.alert in alerts else f"there is no alert {play.alert}"
    assert play.revision is not None  # noqa: S101 - PlayIn names a revision without an alert
    slide = revisions.get(play.revision)
    if slide is None:
        return f"there is no slide revision {play.revision}"
    if slide != play.slide:
        return f"revision {play.revision} is not of slide {play.slide}"
    return ""


def _row(display_id: int, play: PlayIn) -> dict[str, Any]:
    return {
        "display_id": display_id,
        "client_id": play.id,
        "slide_id": play.slide,
        "revision_id": play.revision,
        "alert_id": play.alert,
        "language": play.language,
        # As stored: worked out here, with the parsing, not in the batched write.
        "started_at": microseconds(play.started_at),
        "duration_ms": play.duration_ms,
        "region": play.region,
    }


class PlayBuffer:
    """Accepted plays waiting for their batched write, one per (display, play id)."""

    def __init__(self, every_s: float = PLAY_FLUSH_EVERY_S, max_pending: int = MAX_PENDING):
        self._pending: dict[tuple[int, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.every_s = every_s
        self.max_pending = max_pending
        self._last_flush = time.monotonic()  # not 0: the clock counts from boot

    def add(self, rows: Iterable[dict[str, Any]]) -> bool:
        """Keep the rows; True when so many wait that they should be written now."""
        with self._lock:
            for row in rows:
                self._pending.setdefault((row["display_id"], row["client_id"]), row)
            return len(self._pending) >= self.max_pending

    def __len__(self) -> int:
        return len(self._pending)

    def flush_if_due(self, database: Database, *, force: bool = False) -> int:
        now = time.monotonic()
        with self._lock:
            if not self._pending or (not force and now - self._last_flush < self.every_s):
                return 0
            self._last_flush = now
        with database.transaction() as session:
            return self.flush(session)

    def flush(self, session: Session) -> int:
        with self._lock:
            pending, self._pending = self._pending, {}
        return write_plays(session, list(pending.values()))


def write_plays(session: Session, rows: list[dict[str, Any]]) -> int:
    """Store the plays not stored before and mark their hours for the roll-up sweep;
    returns how many rows were offered. Rows are as `take_plays` gives them: a play's
    start in microseconds since 1970 UTC (`signage.db.microseconds`). Core statements:
    a play changes nothing a screen shows, so no change-log row."""
    rows = _still_valid(session, rows)
    if not rows:
        return 0
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(PlayEvent).on_conflict_do_nothing(index_elements=PLAY_KEY)
    # Every value is already what the driver takes (ints, text, None).
    executemany_raw(connection, statement, PLAY_COLUMNS, rows)
    hours = set(
        zip(
            map(itemgetter("display_id"), rows),
            [start // HOUR_US for start in map(itemgetter("started_at"), rows)],
            strict=True,
        )
    )
    upsert = insert(PlayMark).on_conflict_do_update(
        index_elements=[PlayMark.display_id, PlayMark.hour],
        # A literal: the statement goes to the driver with only the rows' values bound.
        set_={"version": PlayMark.version + literal_column("1")},
    )
    # A flush names a few distinct hours: each is put in its stored form once, not once
    # per mark.
    store = bind_processor(connection, PlayMark.__table__.c.hour)
    stored = {hour: store(EPOCH + hour * HOUR) for hour in {hour for _, hour in hours}}
    executemany_raw(
        connection,
        upsert,
        ("display_id", "hour", "version"),
        [
            {"display_id": display, "hour": stored[hour], "version": 1}
            for display, hour in sorted(hours)
        ],
    )
    return len(rows)


# A play's key: a batch sent again after a lost answer names the same plays.
PLAY_KEY = [PlayEvent.display_id, PlayEvent.started_at, PlayEvent.client_id]
PLAY_COLUMNS = (
    "display_id",
    "client_id",
    "slide_id",
    "revision_id",
    "alert_id",
    "language",
    "started_at",
    "duration_ms",
    "region",
)


def executemany_raw(
    connection: Connection, statement: Any, columns: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """One INSERT for many rows, handed to the driver's executemany as they are: for a
    batch of plays SQLAlchemy's per-row parameter handling costs more than the
    database's own work. The values must already be what the driver takes (ints, text,
    None, or what `bind_processor` gives)."""
    compiled = statement.values(dict.fromkeys(columns)).compile(dialect=connection.dialect)
    named = compiled.positiontup is None  # pyformat (psycopg) rather than qmark (SQLite)
    order = list(columns) if named else list(compiled.positiontup or ())
    if set(order) != set(columns):
        raise ValueError(f"the statement binds {order}, not just the columns {columns}")
    connection.exec_driver_sql(
        str(compiled), rows if named else list(map(itemgetter(*order), rows))
    )


def bind_processor(connection: Connection, column: Any) -> Callable[[Any], Any]:
    """A column's value as the driver takes it (what the ORM would hand it)."""
    dialect = connection.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)


def _still_valid(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop plays of displays deleted since they were taken (a slide or alert deleted
    since keeps its plays: reports name it as deleted)."""
    wanted = {row["display_id"] for row in rows}
    # One range read rather than an IN list per few hundred: a flush names most displays.
    displays = set(
        session.scalars(select(Display.id).where(Display.id.between(min(wanted), max(wanted))))
    )
    if wanted <= displays:
        return rows
    return [row for row in rows if row["display_id"] in displays]


def _existing(session: Session, column: Any, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(ids):
        found.update(session.scalars(select(column).where(column.in_(part))))
    return found


def _existing_revisions(session: Session, ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for part in chunks(ids):
        rows = session.execute(
            select(SlideRevision.id, SlideRevision.slide_id).where(SlideRevision.id.in_(part))
        )
        found.update({row.id: row.slide_id for row in rows})
    return found
