"""Product names and descriptions in other languages (a localized catalog).

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD/DROP COLUMN: a batch rebuild of `product` on SQLite would cascade-delete the
# rows that reference it (variants, reviews, order lines).
def upgrade() -> None:
    op.add_column("product", sa.Column("names", sa.String(), nullable=True))
    op.add_column("product", sa.Column("descriptions", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("product", "descriptions")
    op.drop_column("product", "names")
