"""Welcome messages: the text per community, who was welcomed, newcomers waiting for
their chat's next message, and when each chat was last welcomed into.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ref(name: str, table: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "welcome",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("text", sa.String(1000), nullable=False),
        _ref("set_by", "member"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "welcome_seen",
        sa.Column("scope", sa.String(64), nullable=False),
        _ref("member_id", "member"),
        sa.PrimaryKeyConstraint("scope", "member_id"),
    )
    op.create_table(
        "welcome_pending",
        _ref("chat_id", "chat"),
        _ref("member_id", "member"),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "member_id"),
    )
    op.create_table(
        "welcome_chat",
        sa.Column(
            "chat_id",
            sa.Integer(),
            sa.ForeignKey("chat.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("welcome_chat", "welcome_pending", "welcome_seen", "welcome"):
        op.drop_table(table)
