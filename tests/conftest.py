"""Shared fixtures: migrated SQLite and PostgreSQL databases, an assembled app."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables, for TABLES)
from bot.app import App, build_app, prepare
from config import Settings
from storage.db import Database
from storage.migrate import upgrade
from tests import pg
from tests.support import Clock

# The embedding model costs each app a second of CPU: tests of search by meaning ask
# for it (Settings(semantic_search=True)); the rest of the suite, and the bot processes
# it starts, search lexically.
os.environ.setdefault("SHOPBOT_SEMANTIC_SEARCH", "false")

BACKENDS = ["sqlite", "postgresql"]
# Every table the models declare, so a new feature's tables are emptied too.
TABLES = ", ".join(table.name for table in reversed(SQLModel.metadata.sorted_tables))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        db = Database(f"sqlite:///{path}")
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    pg.require_server()
    url = pg.create_database()

    async def migrate() -> None:
        db = Database(url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    yield url
    pg.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "shopbot.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    if database.dialect == "postgresql":
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, owner_ids=["console:olivia"])


@pytest.fixture
async def app(db: Database, settings: Settings, clock: Clock) -> AsyncIterator[App]:
    """The assembled bot on a migrated database holding the demo catalog."""
    assembled = build_app(settings, clock=clock)
    report = await prepare(assembled, load_demo=True)
    assert report is not None and report.ok, report
    yield assembled
    await assembled.close()
