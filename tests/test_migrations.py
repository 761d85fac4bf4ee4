"""Migrations build the schema (tests never use create_all) and match the models."""

import warnings
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database
from storage.migrate import alembic_config, current_revision, head_revision, upgrade

# Dialect-specific or expression-based: they live only in the migrations.
SEARCH_OBJECTS = {
    "product_fts",
    "product_fts_vocab",
    "document",
    "ix_product_search_document",
    "ix_product_sku_lower",
}


def _diff(connection: Connection) -> list[Any]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        # The full-text index is dialect-specific and lives only in the migration.
        return not (name in SEARCH_OBJECTS or (name or "").startswith("product_fts"))

    context = MigrationContext.configure(
        connection, opts={"include_object": include, "compare_type": False}
    )
    with warnings.catch_warnings():
        # SQLite's reflection cannot read the lower(sku) index, and says so.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        return list(compare_metadata(context, SQLModel.metadata))


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


async def test_upgrade_from_empty_database(backend: str, empty_url: str) -> None:
    url = empty_url
    if backend == "postgresql":
        # A fresh schema in the shared test database, so this really starts empty.
        admin = Database(url)
        async with admin.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
            await conn.execute(text("CREATE SCHEMA migr"))
        await admin.dispose()
    db = Database(
        url,
        **(
            {"connect_args": {"server_settings": {"search_path": "migr"}}}
            if backend == "postgresql"
            else {}
        ),
    )
    try:
        assert await current_revision(db) is None
        await upgrade(db)
        assert await current_revision(db) == head_revision()
        await upgrade(db)  # idempotent
        # The last migration can be undone and redone, and a product keeps its variants
        # (rebuilding `product` on SQLite with foreign keys on would delete them).
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO product (sku, name, description, category, price_minor,"
                    " currency, tags, stock, created_at, updated_at) VALUES ('S-1', 'Mug',"
                    " '', 'Home', 900, 'EUR', '', 5, '2026-11-30', '2026-11-30')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO product_variant (product_id, color, size, stock)"
                    " SELECT id, 'Red', '', 5 FROM product WHERE sku = 'S-1'"
                )
            )
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "-1"))
        assert await current_revision(db) != head_revision()
        await upgrade(db)
        async with db.engine.connect() as conn:
            kept = await conn.scalar(text("SELECT count(*) FROM product_variant"))
        assert kept == 1
        assert await current_revision(db) == head_revision()
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert {
                "member",
                "account",
                "chat",
                "community",
                "vendor",
                "product",
                "product_variant",
                "product_search",
            } <= tables
            assert await conn.run_sync(_diff) == []
    finally:
        await db.dispose()


def test_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    async with db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 5000
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    await db.dispose()
