"""shop_order.total_minor as a 64-bit integer: a large order's total in minor units
(or in a currency without decimals) overflowed PostgreSQL's INTEGER, and the shop's
webhook would have been refused for ever. SQLite's INTEGER is 64-bit already.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Never a table rebuild on SQLite: dropping shop_order would cascade to its lines.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("shop_order", "total_minor", type_=sa.BigInteger())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("shop_order", "total_minor", type_=sa.Integer())
