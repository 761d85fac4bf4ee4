"""Alembic, driven programmatically so `shopbot db upgrade` and `shopbot run` share it.

Alembic (and Mako under it) takes a sixth of a second to import, so it is imported only
when there is something to migrate: a database already at head is recognised by one
query against the revision read from the migration files.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import Database

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_REVISION = re.compile(r'^(down_revision|revision)\b[^=]*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config for our migrations, built in code (there is no alembic.ini).

    With a `connection`, migrations run on it, inside the caller's transaction; without
    one, env.py connects to the database named in the settings.
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


# Any fixed number: the PostgreSQL advisory lock that lets one process migrate at a time.
MIGRATION_LOCK = 0x5B0_0001


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply pending migrations in one transaction. Processes starting together take
    turns: the first migrates, the others then find nothing to do."""
    if revision == "head" and await current_revision(db) == head_revision():
        return
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
        return await _read_version(conn)


async def _read_version(conn: AsyncConnection) -> str | None:
    # A savepoint-free probe: a missing table is the "never migrated" answer on both
    # dialects, and the connection is closed right after, so PostgreSQL's aborted
    # transaction goes with it.
    try:
        row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
    except DBAPIError:
        return None
    return None if row is None else str(row[0])


@cache
def head_revision() -> str | None:
    """The newest revision in the migrations directory (what `upgrade` goes to by default):
    the one no other revision names as its parent."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for field, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            if value:
                (revisions if field == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)
