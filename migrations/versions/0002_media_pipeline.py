"""media pipeline: page count, frames and alpha; one rendition row per format

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("frames", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("alpha", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("unused_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("renditions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_renditions_media_id_name", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_renditions_media_id_name_ext"), ["media_id", "name", "ext"]
        )
        batch_op.create_index(batch_op.f("ix_renditions_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("renditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renditions_status"))
        batch_op.drop_constraint("uq_renditions_media_id_name_ext", type_="unique")
        batch_op.create_unique_constraint("uq_renditions_media_id_name", ["media_id", "name"])
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("unused_since")
        batch_op.drop_column("alpha")
        batch_op.drop_column("frames")
        batch_op.drop_column("pages")
