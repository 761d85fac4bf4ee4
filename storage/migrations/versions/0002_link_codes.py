"""Link codes for joining chats into communities and accounts into one member.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_code",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "chat_id", sa.Integer(), sa.ForeignKey("chat.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "link_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_link_attempt_member_at", "link_attempt", ["member_id", "at"])


def downgrade() -> None:
    op.drop_table("link_attempt")
    op.drop_table("link_code")
