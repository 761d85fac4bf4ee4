"""Indexes for lookups that scanned: a SKU typed in any case (`lower(sku)`, which every
product question with a SKU-shaped word asked: a full scan of the catalog), and a
product's reviews a page at a time, newest (with the id that breaks ties) or most
helpful first, without sorting a popular product's reviews.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An expression index: both SQLite and PostgreSQL have them; it lives only here,
    # like the full-text index (the models cannot declare it portably).
    op.create_index("ix_product_sku_lower", "product", [sa.text("lower(sku)")])
    op.drop_index("ix_review_product_published", "review")
    op.create_index(
        "ix_review_product_published", "review", ["product_id", "status", "published_at", "id"]
    )
    op.create_index(
        "ix_review_product_helpful",
        "review",
        ["product_id", "status", "helpful_count", "published_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_review_product_helpful", "review")
    op.drop_index("ix_review_product_published", "review")
    op.create_index(
        "ix_review_product_published", "review", ["product_id", "status", "published_at"]
    )
    op.drop_index("ix_product_sku_lower", "product")
