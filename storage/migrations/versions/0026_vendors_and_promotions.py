"""Vendors by unique name (the catalog's `vendor` column), grants per community, and
promotions: their chats and decisions, occurrences, posts, and each community's policy.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", ondelete=ondelete)


def upgrade() -> None:
    op.create_index("ix_vendor_name", "vendor", ["name"], unique=True)
    op.create_index("ix_vendor_member", "vendor", ["member_id"], unique=True)
    op.create_table(
        "vendor_grant",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("vendor_id", sa.Integer(), _fk("vendor"), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("granted_by", sa.Integer(), _fk("member", "SET NULL"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "vendor_id"),
    )
    op.create_table(
        "promotion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vendor_id", sa.Integer(), _fk("vendor"), nullable=False),
        sa.Column("created_by", sa.Integer(), _fk("member", "SET NULL"), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("skus", sa.String(length=700), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("terms", sa.String(length=500), nullable=True),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=True),
        sa.Column("pin", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "promotion_target",
        sa.Column("promotion_id", sa.Integer(), _fk("promotion"), nullable=False),
        sa.Column("chat_id", sa.Integer(), _fk("chat"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), _fk("member", "SET NULL"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("promotion_id", "chat_id"),
    )
    op.create_table(
        "promotion_occurrence",
        sa.Column("promotion_id", sa.Integer(), _fk("promotion"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("promotion_id", "number"),
    )
    op.create_index("ix_promotion_occurrence_due", "promotion_occurrence", ["due_at"])
    op.create_table(
        "promotion_post",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("promotion_id", sa.Integer(), _fk("promotion"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), _fk("chat"), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("reactions", sa.Integer(), nullable=False),
        sa.UniqueConstraint("promotion_id", "number", "chat_id"),
    )
    op.create_index("ix_promotion_post_scope_day", "promotion_post", ["scope", "day"])
    op.create_index("ix_promotion_post_message", "promotion_post", ["chat_id", "message_id"])
    op.create_table(
        "promotion_share",
        sa.Column("promotion_id", sa.Integer(), _fk("promotion"), nullable=False),
        sa.Column("member_id", sa.Integer(), _fk("member"), nullable=False),
        sa.Column("chat_id", sa.Integer(), _fk("chat", "SET NULL"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("promotion_id", "member_id"),
    )
    op.add_column("referral", sa.Column("promotion_id", sa.Integer(), nullable=True))
    op.create_table(
        "promotion_reaction",
        sa.Column("post_id", sa.Integer(), _fk("promotion_post"), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("post_id", "user_id", "emoji"),
    )
    op.create_table(
        "promotion_click",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("promotion_id", sa.Integer(), _fk("promotion"), nullable=False),
        sa.Column("chat_id", sa.Integer(), _fk("chat", "SET NULL"), nullable=True),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("promotion_id", "visitor"),
    )
    # Plain ADD COLUMN: a batch rebuild of shop_order would, with foreign keys on,
    # delete its order lines, refunds and claims.
    op.add_column("shop_order", sa.Column("promotion_id", sa.Integer(), nullable=True))
    op.add_column("shop_order", sa.Column("discount_codes", sa.String(length=300), nullable=True))
    op.create_table(
        "promo_policy",
        sa.Column("scope", sa.String(length=64), primary_key=True),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("quiet_from", sa.Integer(), nullable=True),
        sa.Column("quiet_to", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("referral", "promotion_id")
    op.drop_column("shop_order", "discount_codes")  # SQLite 3.35+: no rebuild
    op.drop_column("shop_order", "promotion_id")
    for table in (
        "promo_policy",
        "promotion_click",
        "promotion_reaction",
        "promotion_share",
        "promotion_post",
        "promotion_occurrence",
        "promotion_target",
        "promotion",
        "vendor_grant",
    ):
        op.drop_table(table)
    op.drop_index("ix_vendor_member", "vendor")
    op.drop_index("ix_vendor_name", "vendor")
