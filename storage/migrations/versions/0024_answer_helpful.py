"""Answers marked helpful, once per person (an answer marked helpful earns its author).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_helpful",
        sa.Column(
            "answer_id",
            sa.Integer(),
            sa.ForeignKey("question_answer.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
        ),
        sa.PrimaryKeyConstraint("answer_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("answer_helpful")
