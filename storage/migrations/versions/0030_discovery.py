"""Discovery and checkout: product signals with their daily and all-time counts,
curated pick lists, and the shops' own product and variant ids for cart links.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("views", "questions", "clicks", "shares", "arrivals", "votes", "reviews", "orders")


def _counts() -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in (*COUNTS, "score")]


def _chat_product() -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(["chat_id"], ["chat.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "product_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.Column("color", sa.String(length=64), nullable=True),
        sa.Column("size", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_chat_product(),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_product_signal_chat_at", "product_signal", ["chat_id", "at"])
    op.create_index("ix_product_signal_member", "product_signal", ["member_id", "at"])
    op.create_index("ix_product_signal_at", "product_signal", ["at"])
    op.create_table(
        "signal_day",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        *_counts(),
        *_chat_product(),
        sa.PrimaryKeyConstraint("chat_id", "day", "product_id"),
    )
    op.create_index("ix_signal_day_product", "signal_day", ["product_id", "day"])
    op.create_index("ix_signal_day_day", "signal_day", ["day"])
    op.create_table(
        "signal_total",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        *_counts(),
        *_chat_product(),
        sa.PrimaryKeyConstraint("chat_id", "product_id"),
    )
    op.create_index("ix_signal_total_chat_score", "signal_total", ["chat_id", "score"])
    op.create_table(
        "ranked_product",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        *_counts(),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scope", "period", "category", "rank"),
    )
    op.create_table(
        "pick_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "name_key"),
    )
    op.create_table(
        "pick_item",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["pick_list.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("list_id", "product_id"),
    )
    op.create_table(
        "pick_vote",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["pick_list.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("list_id", "product_id", "member_id"),
    )
    # Plain ADD COLUMN: a batch rebuild of `product` would cascade to its dependants on
    # SQLite.
    op.add_column("product", sa.Column("shop_id", sa.String(length=64), nullable=True))
    op.add_column("product_variant", sa.Column("shop_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("product_variant", "shop_id")
    op.drop_column("product", "shop_id")
    op.drop_table("pick_vote")
    op.drop_table("pick_item")
    op.drop_table("pick_list")
    op.drop_table("ranked_product")
    op.drop_index("ix_signal_total_chat_score", table_name="signal_total")
    op.drop_table("signal_total")
    op.drop_index("ix_signal_day_day", table_name="signal_day")
    op.drop_index("ix_signal_day_product", table_name="signal_day")
    op.drop_table("signal_day")
    op.drop_index("ix_product_signal_at", table_name="product_signal")
    op.drop_index("ix_product_signal_member", table_name="product_signal")
    op.drop_index("ix_product_signal_chat_at", table_name="product_signal")
    op.drop_table("product_signal")
