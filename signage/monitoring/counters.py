"""Instance-wide event counts (the `counters` table), read by /metrics.

`bump` runs in the caller's transaction, so a count moves exactly when the event it
counts is committed, whichever process wrote it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from signage.monitoring.models import Counter

ALERTS_SENT = "alerts_sent"  # label: severity
ALERT_ACKNOWLEDGEMENTS = "alert_acknowledgements"
MANIFEST_PUSHES = "manifest_pushes"
JOB_SWEEPS = "job_sweeps"  # label: job
JOB_SWEEP_FAILURES = "job_sweep_failures"  # label: job
NOTIFICATION_EMAILS = "notification_emails"  # label: kind


def bump(session: Session, name: str, amount: int = 1, label: str = "") -> None:
    """Add `amount` to a counter (an upsert: no read, no race between processes)."""
    if amount <= 0:
        return
    dialect = session.get_bind().dialect.name
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Counter).values(name=name, label=label, value=amount)
    statement = statement.on_conflict_do_update(
        index_elements=[Counter.name, Counter.label],
        set_={"value": Counter.value + statement.excluded.value},
    )
    session.execute(statement)


def read_all(session: Session) -> dict[tuple[str, str], int]:
    """(name, label) → value, for every counter that has moved."""
    rows = session.execute(select(Counter.name, Counter.label, Counter.value))
    return {(row.name, row.label): int(row.value) for row in rows}
