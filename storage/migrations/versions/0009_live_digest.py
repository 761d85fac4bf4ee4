"""Button poll copies remember what their live counts show.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll_post") as batch:
        batch.add_column(sa.Column("live_digest", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("poll_post") as batch:
        batch.drop_column("live_digest")
