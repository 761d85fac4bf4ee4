"""Async engine and session setup for SQLite (embedded) and PostgreSQL (scale-out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_driver

SQLITE_BUSY_TIMEOUT_MS = 5000
# Checkpoints run in the background (`Database.checkpoint`); this larger automatic one is
# the safety net for processes that do not run it, such as a catalog import.
SQLITE_AUTOCHECKPOINT_PAGES = 10_000


def normalize_url(url: str) -> str:
    """Pick the async driver for plain `sqlite://` and `postgresql://` URLs."""
    parsed = make_url(url)
    driver = {
        "sqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+psycopg2": "postgresql+psycopg",
    }.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    # WAL lets readers run beside one writer; busy_timeout makes a second process wait
    # for the write lock instead of failing; SQLite leaves foreign keys off by default.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN covers reads too (the
        # driver's legacy mode only begins before DML, which breaks isolation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Migrations ask for "BEGIN IMMEDIATE" (the write lock at once).
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


class NestedUnitOfWork(RuntimeError):
    """Database.session() inside another unit of work of the same task."""


# The task holding a unit of work (tasks it starts inherit the value, but are other
# tasks, so they may open their own).
_unit_of_work: ContextVar[asyncio.Task[Any] | None] = ContextVar("unit_of_work", default=None)


class Database:
    """One engine plus its session factory; passed around explicitly, never global."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() == "aiosqlite":
            # The same connection arguments SQLAlchemy would use, on a faster connection.
            args, kwargs = parsed.get_dialect()().create_connect_args(parsed)
            creator = partial(sqlite_driver.connect, *args, **kwargs)
            engine_kwargs.setdefault("async_creator", creator)
        self.engine = create_async_engine(self.url, **engine_kwargs)
        if self.engine.dialect.name == "sqlite":
            _install_sqlite_hooks(self.engine)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # SQLite has one writer at a time. Queueing this process's units of work here is
        # fair and immediate, where competing connections would back off in SQLite's
        # busy handler (sleeping up to 100 ms a try). Other processes still queue on
        # busy_timeout. Units of work never nest, so this cannot deadlock.
        self._writer = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error.

        Units of work never nest: one opened inside another in the same task would wait
        for ever on SQLite's writer lock (and on PostgreSQL could deadlock on its own
        row locks), so it is refused at once instead."""
        task = asyncio.current_task()
        if task is not None and _unit_of_work.get() is task:
            raise NestedUnitOfWork(
                "a unit of work is already open in this task: use the session you were "
                "given (ctx.session) instead of opening another"
            )
        token = _unit_of_work.set(task)
        try:
            if self._writer is None:
                async with self._sessions() as session, session.begin():
                    yield session
                return
            async with self._writer, self._sessions() as session, session.begin():
                yield session
        finally:
            _unit_of_work.reset(token)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: it does not queue behind this process's writers
        (in WAL mode a reader sees the last commit and blocks no one). Closing it ends
        its transaction; what it loaded stays readable."""
        async with self._sessions() as session:
            yield session

    async def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log back into the database file without waiting for
        readers or writers (PASSIVE), on a connection of its own. Left to SQLite, the
        checkpoint falls on whichever commit crosses the size limit, and that commit's
        unit of work waits for it. Nothing to do on PostgreSQL."""
        if self._writer is None:
            return
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def dispose(self) -> None:
        """Close the engine's pooled connections; call once, at shutdown."""
        await self.engine.dispose()
