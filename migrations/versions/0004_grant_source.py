"""sign-in with an identity provider: grants remember where they came from (given by
hand, or from the provider's claims) and users the provider's subject

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=16), server_default="manual", nullable=False)
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_oidc_subject"), ["oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_oidc_subject"), type_="unique")
        batch.drop_column("oidc_subject")
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("source")
