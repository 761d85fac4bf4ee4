"""Messages waiting for a process that runs their platform.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(160), nullable=False, unique=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("chat_kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _time("created_at", nullable=False),
        _time("expires_at"),
        _time("not_before"),
        _time("claimed_at"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        _time("done_at"),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["done_at", "platform", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
