"""Polls get numbers that count per community (what people type), kept in `counter`;
global ids stay inside.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counter",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("poll") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # Existing polls keep the number people saw so far (their id); each scope continues
    # from its highest.
    op.execute("UPDATE poll SET number = id")
    with op.batch_alter_table("poll") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.create_index("ix_poll_number", ["number"])
    op.execute(
        "INSERT INTO counter (kind, scope, last) "
        "SELECT 'poll', CASE WHEN c.community_id IS NULL THEN 'chat:' || c.id "
        "ELSE 'community:' || c.community_id END, MAX(p.id) "
        "FROM poll p JOIN chat c ON c.id = p.chat_id GROUP BY 2"
    )


def downgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.drop_index("ix_poll_number")
        batch.drop_column("number")
    op.drop_table("counter")
