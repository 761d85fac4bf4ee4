"""Reviews (with photos, helpful votes, reports, a reply, a community's publication
policy), ratings kept on the product, orders from shops (lines, refunds, claims) and
members' attribution codes; conversations that continue in private.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _member(name: str, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("member.id", ondelete=ondelete), nullable=nullable
    )


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _review_id() -> sa.Column[int]:
    return sa.Column(
        "review_id", sa.Integer(), sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    # Columns with constant defaults: SQLite adds them in place, no table rebuild (a
    # rebuild of product would cascade-delete its variants and search rows).
    with op.batch_alter_table("product", recreate="never") as batch:
        batch.add_column(
            sa.Column("rating_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("rating_sum", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("conversation", recreate="never") as batch:
        batch.add_column(
            sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("product.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _member("member_id"),
        sa.Column(
            "chat_id", sa.Integer(), sa.ForeignKey("chat.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(128), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.Column("rewarded", sa.Boolean(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("published_at", nullable=True),
        _member("decided_by", nullable=True, ondelete="SET NULL"),
        sa.UniqueConstraint("product_id", "member_id"),
    )
    op.create_index("ix_review_status_updated", "review", ["status", "updated_at"])
    op.create_index(
        "ix_review_product_published", "review", ["product_id", "status", "published_at"]
    )
    op.create_table(
        "review_photo",
        _review_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(80), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", "position"),
    )
    op.create_table(
        "review_helpful",
        _review_id(),
        _member("member_id"),
        sa.PrimaryKeyConstraint("review_id", "member_id"),
    )
    op.create_table(
        "review_report",
        _review_id(),
        _member("member_id"),
        _time("at"),
        sa.PrimaryKeyConstraint("review_id", "member_id"),
    )
    op.create_table(
        "review_reply",
        sa.Column(
            "review_id",
            sa.Integer(),
            sa.ForeignKey("review.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _member("member_id", nullable=True, ondelete="SET NULL"),
        sa.Column("author_name", sa.String(128), nullable=False),
        sa.Column("body", sa.String(1000), nullable=False),
        _time("at"),
    )
    op.create_table(
        "review_policy",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("instant", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "shop_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("number_key", sa.String(64), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=True),
        sa.Column("member_code", sa.String(32), nullable=True),
        _member("member_id", nullable=True, ondelete="SET NULL"),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("total_minor", sa.Integer(), nullable=True),
        _time("ordered_at"),
        _time("recorded_at"),
        _time("review_asked_at", nullable=True),
        sa.UniqueConstraint("source", "external_id"),
    )
    op.create_index("ix_shop_order_number", "shop_order", ["number_key"])
    op.create_index("ix_shop_order_member", "shop_order", ["member_id"])
    op.create_table(
        "order_line",
        sa.Column(
            "order_id",
            sa.Integer(),
            sa.ForeignKey("shop_order.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("line_key", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("product.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "line_key"),
    )
    op.create_index("ix_order_line_product", "order_line", ["product_id"])
    op.create_table(
        "order_refund",
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("refund_id", sa.String(64), nullable=False),
        _time("at"),
        sa.PrimaryKeyConstraint("source", "refund_id"),
    )
    op.create_table(
        "order_claim",
        sa.Column("id", sa.Integer(), primary_key=True),
        _member("member_id"),
        sa.Column("ok", sa.Boolean(), nullable=False),
        _time("at"),
    )
    op.create_index("ix_order_claim_member_at", "order_claim", ["member_id", "at"])
    op.create_table(
        "member_code",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_member_code_member_id", "member_code", ["member_id"])


def downgrade() -> None:
    for table in (
        "member_code",
        "order_claim",
        "order_refund",
        "order_line",
        "shop_order",
        "review_policy",
        "review_reply",
        "review_report",
        "review_helpful",
        "review_photo",
        "review",
    ):
        op.drop_table(table)
    with op.batch_alter_table("conversation", recreate="never") as batch:
        batch.drop_column("private")
    with op.batch_alter_table("product", recreate="never") as batch:
        batch.drop_column("rating_sum")
        batch.drop_column("rating_count")
