"""The one-trip SQLite connection behaves as a DB-API connection under SQLAlchemy, and
runs an answering unit of work's statements on the event loop's thread once they cannot
wait for a lock."""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_driver
from storage.db import Database, off_the_loop


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


async def _thread_ids(db: Database) -> None:
    """SQL's thread_id(): the thread a statement runs on (on connections made from now)."""

    @event.listens_for(db.engine.sync_engine, "connect")
    def _register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_id", 0, threading.get_ident)

    await db.engine.dispose()


async def _sql(session: AsyncSession, sql: str) -> Any:
    return await (await session.connection()).execute(text(sql))


async def _thread_of(session: AsyncSession) -> int:
    return int((await _sql(session, "SELECT thread_id()")).scalar_one())


async def test_once_it_has_written_an_answering_unit_of_work_runs_on_the_loops_thread(
    db: Database,
) -> None:
    await _thread_ids(db)
    loop_thread = threading.get_ident()
    for _ in range(2):  # the same pooled connection: the write lock went with the commit
        async with db.session(inline=True) as session:
            assert await _thread_of(session) != loop_thread  # reads wait for nothing, but
            await _sql(session, "INSERT INTO t (note) VALUES ('a')")  # may be long
            assert await _thread_of(session) == loop_thread
            with off_the_loop():  # a long read (a cache reloaded) leaves the loop free
                assert await _thread_of(session) != loop_thread
            await _sql(session, "UPDATE t SET note = 'b'")
            assert await _thread_of(session) == loop_thread
    async with db.session() as session:  # a job's: its statements may be long
        await _sql(session, "INSERT INTO t (note) VALUES ('c')")
        assert await _thread_of(session) != loop_thread
    async with db.session() as session:
        notes = (await _sql(session, "SELECT note FROM t ORDER BY id")).scalars()
        assert list(notes) == ["b", "b", "c"]


async def test_waiting_for_another_processs_write_lock_leaves_the_loop_running(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def answer() -> None:
        async with db.session(inline=True) as session:
            await _sql(session, "INSERT INTO t (note) VALUES ('waited')")

    ticker = asyncio.create_task(tick())
    waiting = asyncio.create_task(answer())
    await asyncio.sleep(0.3)
    assert not waiting.done() and ticks >= 10
    other.execute("COMMIT")  # only the loop, still running, gets here
    await asyncio.wait_for(waiting, 5)
    ticker.cancel()
    other.close()
    async with db.session() as session:
        assert (await _sql(session, "SELECT note FROM t")).scalar_one() == "waited"


async def test_an_in_memory_database_answers_on_the_loops_thread_too() -> None:
    memory = Database("sqlite://")  # SQLAlchemy asks sqlite3 to check the thread there
    try:
        async with memory.session(inline=True) as session:
            await _sql(session, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
            await _sql(session, "INSERT INTO t DEFAULT VALUES")
            assert (await _sql(session, "SELECT count(*) FROM t")).scalar_one() == 1
    finally:
        await memory.dispose()
