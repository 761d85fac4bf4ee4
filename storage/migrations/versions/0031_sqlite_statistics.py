"""SQLite: table statistics for the planner, for catalogs imported before imports
gathered them (storage.catalog.analyze_sqlite). Without them, a product search that
names a category read every product of it by the category index instead of the few
products asked for by id. No schema change; nothing to do on PostgreSQL.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE product")
        op.execute("ANALYZE product_variant")


def downgrade() -> None:
    pass  # statistics only: the planner works without them, as before
