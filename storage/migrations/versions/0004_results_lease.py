"""Result posts are leased while being sent, so a process that dies mid-post is replaced,
and failed posts are retried a few times.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll_post") as batch:
        batch.add_column(sa.Column("results_claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("results_attempts", sa.Integer(), nullable=False, server_default="0")
        )
    # Until now results were marked sent when claimed: those count as claimed then too.
    op.execute("UPDATE poll_post SET results_claimed_at = results_sent_at")


def downgrade() -> None:
    with op.batch_alter_table("poll_post") as batch:
        batch.drop_column("results_attempts")
        batch.drop_column("results_claimed_at")
