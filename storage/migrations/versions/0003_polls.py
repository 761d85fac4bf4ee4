"""Style polls: polls, their options, where they are posted, and votes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(name: str, table: str, ondelete: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete=ondelete),
                     nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("chat_id", "chat", "CASCADE"),
        _fk("community_id", "community", "SET NULL", nullable=True),
        _fk("created_by", "member", "CASCADE"),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("hide_results", sa.Boolean(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "poll_option",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("poll_id", "poll", "CASCADE"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(100), nullable=False),
        _fk("product_id", "product", "SET NULL", nullable=True),
        sa.UniqueConstraint("poll_id", "position"),
    )
    op.create_table(
        "poll_post",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("poll_id", "poll", "CASCADE"),
        _fk("chat_id", "chat", "CASCADE"),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("native_ref", sa.String(64), nullable=True),
        sa.Column("results_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("poll_id", "chat_id"),
    )
    op.create_index("ix_poll_post_native", "poll_post", ["platform", "native_ref"])
    op.create_table(
        "poll_vote",
        _fk("poll_id", "poll", "CASCADE"),
        _fk("member_id", "member", "CASCADE"),
        _fk("option_id", "poll_option", "CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", "member_id", "option_id"),
    )


def downgrade() -> None:
    for table in ("poll_vote", "poll_post", "poll_option", "poll"):
        op.drop_table(table)
