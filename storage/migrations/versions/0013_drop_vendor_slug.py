"""vendor.slug never had a user: gone (a vendor is a member with a display name; the
catalog will name vendors by that name when products get owners).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite rebuilds the table, which also drops the column's unique index.
    with op.batch_alter_table("vendor") as batch:
        batch.drop_column("slug")


def downgrade() -> None:
    # Existing vendors get their id as a slug, unique by construction.
    with op.batch_alter_table("vendor") as batch:
        batch.add_column(sa.Column("slug", sa.String(64), nullable=True))
    op.execute("UPDATE vendor SET slug = CAST(id AS VARCHAR(64))")
    with op.batch_alter_table("vendor") as batch:
        batch.alter_column("slug", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_vendor_slug", ["slug"])
