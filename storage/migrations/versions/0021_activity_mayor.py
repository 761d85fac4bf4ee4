"""Members' active days per group chat, and each community's mayor.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_day",
        sa.Column(
            "chat_id", sa.Integer(), sa.ForeignKey("chat.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "member_id", "day"),
    )
    op.create_index("ix_activity_day_day", "activity_day", ["day"])
    op.create_table(
        "mayor",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announce", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mayor")
    op.drop_table("activity_day")
