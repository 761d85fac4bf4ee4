"""The points ledger (entries with what is left of each credit, balances) and rewards
with their coupon codes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("source", sa.String(160), nullable=False, unique=True),
        sa.Column("scope", sa.String(64), nullable=True),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_points_entry_member_at", "points_entry", ["member_id", "at"])
    op.create_index("ix_points_entry_open", "points_entry", ["member_id", "left", "expires_at"])
    op.create_table(
        "points_balance",
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("balance", sa.Integer(), nullable=False),
    )
    op.create_table(
        "reward",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("per_member", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reward_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reward_id", sa.Integer(), sa.ForeignKey("reward.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("reward_id", "code"),
    )
    op.create_index("ix_reward_code_free", "reward_code", ["reward_id", "member_id"])


def downgrade() -> None:
    for table in ("reward_code", "reward", "points_balance", "points_entry"):
        op.drop_table(table)
