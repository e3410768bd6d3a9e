"""play_events keyed by display, start and the kiosk's play id (no rowid on SQLite); the
id column, the display-and-start index, the unique pair, the slide index and the links to
slides, revisions and alerts go (plain ids, as in the roll-ups); the start is stored as
microseconds since 1970 UTC

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINKS = ("slide_id", "revision_id", "alert_id", "language", "duration_ms")


def _display_key() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["display_id"],
        ["displays.id"],
        name=op.f("fk_play_events_display_id_displays"),
        ondelete="CASCADE",
    )


def _links() -> list[sa.ForeignKeyConstraint]:
    """What 0007 had besides the display."""
    return [
        sa.ForeignKeyConstraint(
            [column],
            [f"{table}.id"],
            name=op.f(f"fk_play_events_{column}_{table}"),
            ondelete="SET NULL",
        )  # fmt: skip
        for column, table in (
            ("slide_id", "slides"),
            ("revision_id", "slide_revisions"),
            ("alert_id", "alerts"),
        )
    ]


def _columns(started_at: sa.types.TypeEngine[object]) -> list[sa.Column[object]]:
    return [
        sa.Column("display_id", sa.Integer(), nullable=False),
        sa.Column("started_at", started_at, nullable=False),
        sa.Column("slide_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    ]


def _to_number() -> str:
    """SQL for the old text or timestamp start as microseconds since 1970 UTC (SQLite
    kept 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC)."""
    if op.get_bind().dialect.name == "postgresql":
        return "CAST(EXTRACT(EPOCH FROM started_at) * 1000000 AS BIGINT)"
    return (
        "CAST(strftime('%s', substr(started_at, 1, 19)) AS INTEGER) * 1000000"
        " + CAST(substr(started_at || '.000000', 21, 6) AS INTEGER)"
    )


def _to_instant() -> str:
    """The reverse of _to_number."""
    if op.get_bind().dialect.name == "postgresql":
        return "TIMESTAMPTZ 'epoch' + started_at * INTERVAL '1 microsecond'"
    return (
        "datetime(started_at / 1000000, 'unixepoch') || '.' || printf('%06d', started_at % 1000000)"
    )


def _set_aside() -> None:
    """The old table under another name; on PostgreSQL its primary key's index too,
    whose name the new table's key takes."""
    op.rename_table("play_events", "play_events_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX pk_play_events RENAME TO pk_play_events_old")


def upgrade() -> None:
    _set_aside()
    op.create_table(
        "play_events",
        *_columns(sa.BigInteger()),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        _display_key(),
        sa.PrimaryKeyConstraint(
            "display_id", "started_at", "client_id", name=op.f("pk_play_events")
        ),
        sqlite_with_rowid=False,
    )
    columns = ", ".join(LINKS)
    # Plays stored before kiosks named them keep a name made of their old id.
    op.execute(
        f"INSERT INTO play_events (display_id, started_at, client_id, {columns}) "
        f"SELECT display_id, {_to_number()}, "
        f"COALESCE(client_id, 'row-' || CAST(id AS VARCHAR)), {columns} FROM play_events_old"
    )
    op.drop_table("play_events_old")


def downgrade() -> None:
    _set_aside()
    op.create_table(
        "play_events",
        sa.Column("id", sa.Integer(), nullable=False),
        *_columns(sa.DateTime(timezone=True)),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        _display_key(),
        *_links(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_events")),
        sa.UniqueConstraint(
            "display_id", "client_id", name=op.f("uq_play_events_display_id_client_id")
        ),
    )
    with op.batch_alter_table("play_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_play_events_display_started", ["display_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_play_events_slide_id"), ["slide_id"], unique=False)
    # Links to what was deleted since become NULL, as the old keys would have made them.
    op.execute(
        "INSERT INTO play_events (display_id, started_at, client_id, slide_id, revision_id, "
        f"alert_id, language, duration_ms) SELECT display_id, {_to_instant()}, client_id, "
        "(SELECT id FROM slides WHERE id = o.slide_id), "
        "(SELECT id FROM slide_revisions WHERE id = o.revision_id), "
        "(SELECT id FROM alerts WHERE id = o.alert_id), language, duration_ms "
        "FROM play_events_old AS o"
    )
    op.drop_table("play_events_old")
