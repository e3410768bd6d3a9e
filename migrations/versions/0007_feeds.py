"""feeds: news, calendars, pushed items and CAP sources, with their cached items and the
state of their last refresh

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("refresh_s", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("items_changed_at", WHEN, nullable=True),
        sa.Column("checked_at", WHEN, nullable=True),
        sa.Column("ok_at", WHEN, nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_at", WHEN, nullable=True),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("modified", sa.String(length=200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_feeds_location_id_locations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
    )
    op.create_index(op.f("ix_feeds_location_id"), "feeds", ["location_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_feeds_location_id"), table_name="feeds")
    op.drop_table("feeds")
