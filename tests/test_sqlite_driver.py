"""The one-trip SQLite connection behaves as a DB-API connection under SQLAlchemy."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage import sqlite_driver
from storage.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)"))
    yield database
    await database.dispose()


async def test_sqlite_uses_the_one_trip_connection(db: Database) -> None:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)


async def test_rows_rowcounts_and_ids(db: Database) -> None:
    async with db.engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (note) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (note) VALUES (:note)"), [{"note": n} for n in "bcde"]
        )
        assert many.rowcount == 4
        changed = await conn.execute(text("UPDATE t SET note = 'x' WHERE id > 3"))
        assert changed.rowcount == 2
        rows = (await conn.execute(text("SELECT id, note FROM t ORDER BY id"))).all()
        assert rows == [(1, "a"), (2, "b"), (3, "c"), (4, "x"), (5, "x")]
        first = (await conn.execute(text("SELECT note FROM t ORDER BY id"))).first()
        assert first == ("a",)
        streamed = await conn.stream(text("SELECT id FROM t ORDER BY id"))
        assert [row[0] async for row in streamed] == [1, 2, 3, 4, 5]


async def test_errors_map_to_sqlalchemy_and_roll_back(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (id, note) VALUES (1, 'kept?')"))
            await conn.execute(text("INSERT INTO t (id, note) VALUES (1, 'duplicate')"))
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
