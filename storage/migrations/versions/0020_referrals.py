"""Share links: who brought whom (`referral`, once per newcomer), and the sharer's code
on orders that came through their link (`shop_order.referrer_code`).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: added in place on SQLite, no rebuild (which would cascade).
    with op.batch_alter_table("shop_order", recreate="never") as batch:
        batch.add_column(sa.Column("referrer_code", sa.String(32), nullable=True))
    op.create_table(
        "referral",
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "sharer_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("referral")
    with op.batch_alter_table("shop_order", recreate="never") as batch:
        batch.drop_column("referrer_code")
