"""Index handled update ids by time, so forgetting old ones does not scan them all.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_processed_event_seen_at", "processed_event", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_event_seen_at", table_name="processed_event")
