"""Proof that an alert reached its screens: which displays it targets, which received
it, which show it.

A kiosk's `ack` says the alert is on its screen (delivered and acknowledged); an alert
handed to a kiosk at connect or poll time is delivered. Receipts are kept in memory and
written in one statement per flush, like heartbeats: 10,000 kiosks acknowledging one
alert cost a few statements, not 10,000 transactions on the event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from signage.alerts.models import Alert, AlertDelivery
from signage.crud import load_tree
from signage.db import Database
from signage.monitoring import counters
from signage.realtime import CONSOLE_NAMESPACE, Notifier, location_room
from signage.screens.models import Display, Group, GroupMember

ACK_FLUSH_EVERY_S = 0.5


def targeted(session: Session, targets: dict[str, Any]) -> list[int]:
    """The displays an alert's targets reach now (the resolver's rule 4)."""
    rows = session.execute(select(Display.id, Display.location_id, Display.tags)).all()
    if targets.get("all"):
        return sorted(row.id for row in rows)
    tree = load_tree(session)
    places: set[int] = set()
    for location_id in targets.get("location_ids", []):
        places |= tree.subtree(location_id)
    group_ids = targets.get("group_ids", [])
    members = set(
        session.scalars(select(GroupMember.display_id).where(GroupMember.group_id.in_(group_ids)))
    )
    tags = set(
        session.scalars(select(Group.tag).where(Group.id.in_(group_ids), Group.tag.is_not(None)))
    )
    named = set(targets.get("display_ids", []))
    return sorted(
        row.id
        for row in rows
        if row.id in named
        or row.id in members
        or row.location_id in places
        or tags.intersection(row.tags or ())
    )


def counts(session: Session, alert_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """alert id → (delivered, acknowledged)."""
    ids = list(alert_ids)
    rows = session.execute(
        select(
            AlertDelivery.alert_id,
            func.count(AlertDelivery.delivered_at),
            func.count(AlertDelivery.acknowledged_at),
        )
        .where(AlertDelivery.alert_id.in_(ids))
        .group_by(AlertDelivery.alert_id)
    ).all()
    found = {row[0]: (int(row[1]), int(row[2])) for row in rows}
    return {alert_id: found.get(alert_id, (0, 0)) for alert_id in ids}


def report(session: Session, alert: Alert) -> dict[str, Any]:
    """Targeted, delivered and acknowledged counts, and the targeted displays that have
    not acknowledged (offline ones first: they are why)."""
    reached = targeted(session, alert.targets)
    acked = set(
        session.scalars(
            select(AlertDelivery.display_id).where(
                AlertDelivery.alert_id == alert.id, AlertDelivery.acknowledged_at.is_not(None)
            )
        )
    )
    delivered, acknowledged = counts(session, [alert.id])[alert.id]
    waiting = [display_id for display_id in reached if display_id not in acked]
    missing = session.execute(
        select(Display.id, Display.name, Display.location_id, Display.online, Display.last_seen_at)
        .where(Display.id.in_(waiting))
        .order_by(Display.online, Display.name)
        .limit(500)
    ).all()
    return {
        "targeted": len(reached),
        "delivered": delivered,
        "acknowledged": acknowledged,
        "not_acknowledged": [
            {
                "id": row.id,
                "name": row.name,
                "location_id": row.location_id,
                "online": row.online,
                "last_seen_at": row.last_seen_at.isoformat() if row.last_seen_at else None,
            }
            for row in missing
        ],
    }


class ReceiptBuffer:
    """Deliveries and acknowledgements waiting for their batched write."""

    def __init__(self, every_s: float = ACK_FLUSH_EVERY_S) -> None:
        self._pending: dict[tuple[int, int], tuple[datetime, bool]] = {}
        self._lock = threading.Lock()
        self.every_s = every_s
        self._last_flush = 0.0
        self._known: set[int] = set()  # alerts seen to exist: one read per alert, not per ack

    def knows(self, database: Database, alert_id: int) -> bool:
        """Whether the alert exists (alerts are never deleted, so a yes is kept)."""
        if alert_id in self._known:
            return True
        with database.sessions() as session:
            if session.get(Alert, alert_id) is None:
                return False
        self._known.add(alert_id)
        return True

    def record(self, alert_id: int, display_id: int, at: datetime, *, shown: bool) -> None:
        with self._lock:
            key = (alert_id, display_id)
            earlier = self._pending.get(key)
            first = earlier[0] if earlier else at
            self._pending[key] = (first, shown or bool(earlier and earlier[1]))

    def flush_if_due(self, database: Database) -> list[int]:
        now = time.monotonic()
        with self._lock:
            if not self._pending or now - self._last_flush < self.every_s:
                return []
            self._last_flush = now
        with database.transaction() as session:
            return self.flush(session)

    def flush(self, session: Session) -> list[int]:
        """Write what has arrived (each receipt once: the first time stays); returns the
        alerts whose counts changed."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return []
        known = set(session.scalars(select(Alert.id).where(Alert.id.in_({a for a, _ in pending}))))
        rows: list[dict[str, Any]] = [
            {
                "alert_id": alert_id,
                "display_id": display_id,
                "delivered_at": at,
                "acknowledged_at": at if shown else None,
            }
            for (alert_id, display_id), (at, shown) in pending.items()
            if alert_id in known
        ]
        if rows:
            # Only acknowledgements move the counter: a batch of deliveries alone (a fleet
            # reconnecting) is written without counting the alerts' receipts twice.
            acked = {int(row["alert_id"]) for row in rows if row["acknowledged_at"]}
            before = _acknowledged(session, acked) if acked else 0
            # A core statement: a receipt changes nothing a screen shows (no change-log row).
            session.connection().execute(_upsert(session), rows)
            if acked:
                counters.bump(
                    session,
                    counters.ALERT_ACKNOWLEDGEMENTS,
                    _acknowledged(session, acked) - before,
                )
        return sorted({int(row["alert_id"]) for row in rows})


def _acknowledged(session: Session, alert_ids: set[int]) -> int:
    """How many displays have acknowledged these alerts (a receipt is acknowledged once)."""
    query = select(func.count(AlertDelivery.acknowledged_at)).where(
        AlertDelivery.alert_id.in_(alert_ids)
    )
    return int(session.scalar(query) or 0)


def _upsert(session: Session) -> Any:
    """INSERT … ON CONFLICT that keeps the first delivery and acknowledgement times."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(AlertDelivery)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[AlertDelivery.alert_id, AlertDelivery.display_id],
        set_={
            "delivered_at": func.coalesce(AlertDelivery.delivered_at, excluded.delivered_at),
            "acknowledged_at": case(
                (AlertDelivery.acknowledged_at.is_not(None), AlertDelivery.acknowledged_at),
                else_=excluded.acknowledged_at,
            ),
        },
    )


def publish(database: Database, notifier: Notifier, alert_ids: Iterable[int]) -> None:
    """Tell the console pages of each alert's location its new counts."""
    ids = list(alert_ids)
    if not ids:
        return
    with database.sessions() as session:
        owners = {
            row.id: row.location_id
            for row in session.execute(select(Alert.id, Alert.location_id).where(Alert.id.in_(ids)))
        }
        for alert_id, (delivered, acknowledged) in counts(session, ids).items():
            notifier.emit(
                "alert_receipts",
                {"id": alert_id, "delivered": delivered, "acknowledged": acknowledged},
                location_room(owners[alert_id]),
                CONSOLE_NAMESPACE,
            )
