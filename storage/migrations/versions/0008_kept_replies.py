"""Replies kept until sent, for updates a platform delivers again until confirmed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_event") as batch:
        batch.add_column(sa.Column("handled_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("reply", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_event") as batch:
        batch.drop_column("reply")
        batch.drop_column("handled_by")
