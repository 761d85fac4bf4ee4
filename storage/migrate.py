"""Alembic, driven programmatically so `shopbot db upgrade` and `shopbot run` share it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config for our migrations, built in code (there is no alembic.ini).

    With a `connection`, migrations run on it, inside the caller's transaction; without
    one, env.py connects to the database named in the settings.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


# Any fixed number: the PostgreSQL advisory lock that lets one process migrate at a time.
MIGRATION_LOCK = 0x5B0_0001


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply pending migrations in one transaction. Processes starting together take
    turns: the first migrates, the others then find nothing to do."""
    async with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            # The write lock before alembic reads its version, else a second process
            # would read a version that is stale by the time it may write.
            await conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        async with conn.begin():
            if db.dialect == "postgresql":
                await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            await conn.run_sync(_upgrade, revision)


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


def head_revision() -> str | None:
    """The newest revision in the migrations directory (what `upgrade` goes to by default)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
