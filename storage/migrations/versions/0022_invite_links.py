"""Personal invite links to groups, and the newcomers who joined through them, waiting
to be credited.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(name: str, target: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "invite_link",
        sa.Column("link", sa.String(256), primary_key=True),
        _fk("member_id", "member"),
        _fk("chat_id", "chat"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "join_arrival",
        _fk("chat_id", "chat"),
        _fk("member_id", "member"),
        _fk("sharer_id", "member"),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credited_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", "member_id"),
    )
    op.create_index(
        "ix_join_arrival_waiting", "join_arrival", ["credited_at", "left_at", "joined_at"]
    )


def downgrade() -> None:
    op.drop_table("join_arrival")
    op.drop_table("invite_link")
