"""member_preference.hide_from_leaderboard: a member's choice not to be listed.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_preference", recreate="never") as batch:
        batch.add_column(
            sa.Column(
                "hide_from_leaderboard", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("member_preference", recreate="never") as batch:
        batch.drop_column("hide_from_leaderboard")
