"""Community Q&A: product questions, their answers, reports of either, verified buyers
invited to answer ("Ask owners"), and members' preferences (/settings).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(name: str, target: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{target}.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "product_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("product_id", "product"),
        _fk("member_id", "member"),
        _fk("chat_id", "chat", "SET NULL", nullable=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(128), nullable=False),
        sa.Column("body", sa.String(500), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("answer_count", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_product_question_product", "product_question", ["product_id", "created_at"]
    )
    op.create_table(
        "question_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("question_id", "product_question"),
        _fk("member_id", "member"),
        sa.Column("author_name", sa.String(128), nullable=False),
        sa.Column("body", sa.String(1000), nullable=False),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_question_answer_question", "question_answer", ["question_id", "created_at"]
    )
    op.create_table(
        "qa_report",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        _fk("member_id", "member"),
        sa.PrimaryKeyConstraint("kind", "item_id", "member_id"),
    )
    op.create_table(
        "question_invite",
        _fk("question_id", "product_question"),
        _fk("member_id", "member"),
        sa.PrimaryKeyConstraint("question_id", "member_id"),
    )
    op.create_table(
        "member_preference",
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("ask_owners", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "member_preference",
        "question_invite",
        "qa_report",
        "question_answer",
        "product_question",
    ):
        op.drop_table(table)
