"""product.category_names: the category in other languages (`category@pl` in the
catalog file), a JSON object such as {"pl": "Torby", "uk": "Сумки"}; NULL for none.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: SQLite adds it in place (batch mode needs no
    # table rebuild for it), and existing products simply have no other names.
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("category_names", sa.String(), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+ drops columns itself), never by rebuilding the table: with
    # foreign keys on, SQLite's DROP TABLE of the old product table would delete every
    # product's variants and search rows (ON DELETE CASCADE).
    with op.batch_alter_table("product", recreate="never") as batch:
        batch.drop_column("category_names")
