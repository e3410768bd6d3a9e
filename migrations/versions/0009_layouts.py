"""layouts: a display, group or location names its layout; a play records its region

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHOOSERS = ("locations", "displays", "groups")


def upgrade() -> None:
    for table in CHOOSERS:
        op.add_column(table, sa.Column("layout", sa.String(length=40), nullable=True))
    # Every play stored so far was in the only region there was.
    op.add_column(
        "play_events",
        sa.Column("region", sa.String(length=40), nullable=False, server_default="main"),
    )


def downgrade() -> None:
    # Plain drops (SQLite 3.35+ drops a column in place): a batch copy of locations or
    # displays would break the links other tables hold to them.
    op.drop_column("play_events", "region")
    for table in CHOOSERS:
        op.drop_column(table, "layout")
