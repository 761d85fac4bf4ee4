"""Earning rules per community, and the other member of a referral credit (per-pair caps).

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "earning_rule",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "reason"),
    )
    with op.batch_alter_table("points_entry") as batch:
        batch.add_column(sa.Column("peer_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_points_entry_peer_id_member", "member", ["peer_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("points_entry") as batch:
        batch.drop_constraint("fk_points_entry_peer_id_member", type_="foreignkey")
        batch.drop_column("peer_id")
    op.drop_table("earning_rule")
