"""Initial schema: identity, chats, vendors, catalog, FAQ, search index, event de-duplication.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        _created(),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("username", sa.String(128), nullable=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        _created(),
        sa.UniqueConstraint("platform", "platform_user_id"),
    )
    op.create_table(
        "community",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        _created(),
    )
    op.create_table(
        "chat",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_chat_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(256), nullable=True),
        sa.Column(
            "community_id",
            sa.Integer(),
            sa.ForeignKey("community.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _created(),
        sa.UniqueConstraint("platform", "platform_chat_id"),
    )
    op.create_table(
        "vendor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column(
            "member_id", sa.Integer(), sa.ForeignKey("member.id", ondelete="SET NULL"), nullable=True
        ),
        _created(),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False, index=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("image_url", sa.String(2048), nullable=True),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column(
            "vendor_id", sa.Integer(), sa.ForeignKey("vendor.id", ondelete="SET NULL"), nullable=True
        ),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_product_category_price", "product", ["category", "price_minor"])
    op.create_table(
        "product_variant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("product.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("color", sa.String(64), nullable=False),
        sa.Column("size", sa.String(32), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.UniqueConstraint("product_id", "color", "size"),
    )
    op.create_table(
        "product_search",
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("product.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("keywords", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
    )
    op.create_table(
        "faq_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column(
            "product_id", sa.Integer(), sa.ForeignKey("product.id", ondelete="CASCADE"), nullable=True
        ),
        _created(),
    )
    op.create_table(
        "processed_event",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    _create_search_index()


def _create_search_index() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # External-content FTS5 over product_search, kept in step by triggers so every
        # write path (import, admin edits, later features) updates the index.
        op.execute(
            "CREATE VIRTUAL TABLE product_fts USING fts5("
            "name, keywords, body, content='product_search', content_rowid='product_id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER product_search_ai AFTER INSERT ON product_search BEGIN "
            "INSERT INTO product_fts(rowid, name, keywords, body) "
            "VALUES (new.product_id, new.name, new.keywords, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER product_search_ad AFTER DELETE ON product_search BEGIN "
            "INSERT INTO product_fts(product_fts, rowid, name, keywords, body) "
            "VALUES ('delete', old.product_id, old.name, old.keywords, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER product_search_au AFTER UPDATE ON product_search BEGIN "
            "INSERT INTO product_fts(product_fts, rowid, name, keywords, body) "
            "VALUES ('delete', old.product_id, old.name, old.keywords, old.body); "
            "INSERT INTO product_fts(rowid, name, keywords, body) "
            "VALUES (new.product_id, new.name, new.keywords, new.body); END"
        )
        # Term list with document counts: the vocabulary typo correction draws on.
        op.execute("CREATE VIRTUAL TABLE product_fts_vocab USING fts5vocab(product_fts, 'row')")
    elif dialect == "postgresql":
        # 'simple' configuration: no stemming, so every language is treated alike;
        # accents are folded before the text is stored.
        op.execute(
            "ALTER TABLE product_search ADD COLUMN document tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', name), 'A') || "
            "setweight(to_tsvector('simple', keywords), 'B') || "
            "setweight(to_tsvector('simple', body), 'D')) STORED"
        )
        op.execute("CREATE INDEX ix_product_search_document ON product_search USING gin (document)")
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE product_fts_vocab")
        op.execute("DROP TABLE product_fts")
    for table in (
        "meta",
        "processed_event",
        "faq_entry",
        "product_search",
        "product_variant",
        "product",
        "vendor",
        "chat",
        "community",
        "account",
        "member",
    ):
        op.drop_table(table)
