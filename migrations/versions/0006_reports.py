"""proof of play: hourly and daily roll-ups, the marks of what is left to roll up, plays
of alerts; the started_at index of play_events dropped (every read goes by display)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "play_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["display_id"],
            ["displays.id"],
            name=op.f("fk_play_days_display_id_displays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_days")),
        sa.UniqueConstraint(
            "display_id",
            "day",
            "kind",
            "subject_id",
            name=op.f("uq_play_days_display_id_day_kind_subject_id"),
        ),
    )
    with op.batch_alter_table("play_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_play_days_day"), ["day"], unique=False)

    op.create_table(
        "play_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["display_id"],
            ["displays.id"],
            name=op.f("fk_play_hours_display_id_displays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_hours")),
        sa.UniqueConstraint(
            "display_id",
            "hour",
            "kind",
            "subject_id",
            name=op.f("uq_play_hours_display_id_hour_kind_subject_id"),
        ),
    )
    with op.batch_alter_table("play_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_play_hours_hour"), ["hour"], unique=False)

    op.create_table(
        "play_marks",
        sa.Column("display_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["display_id"],
            ["displays.id"],
            name=op.f("fk_play_marks_display_id_displays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("display_id", "hour", name=op.f("pk_play_marks")),
    )
    with op.batch_alter_table("play_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_play_events_started_at"))
        batch_op.add_column(sa.Column("alert_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_play_events_alert_id_alerts"),
            "alerts",
            ["alert_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("play_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_play_events_alert_id_alerts"), type_="foreignkey")
        batch_op.drop_column("alert_id")
        batch_op.create_index(batch_op.f("ix_play_events_started_at"), ["started_at"], unique=False)

    op.drop_table("play_marks")
    with op.batch_alter_table("play_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_play_hours_hour"))

    op.drop_table("play_hours")
    with op.batch_alter_table("play_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_play_days_day"))

    op.drop_table("play_days")
