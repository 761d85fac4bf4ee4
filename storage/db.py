"""Async engine and session setup for SQLite (embedded) and PostgreSQL (scale-out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_driver

SQLITE_BUSY_TIMEOUT_MS = 5000
# Checkpoints run in the background (`Database.checkpoint`); this larger automatic one is
# the safety net for processes that do not run it, such as a catalog import.
SQLITE_AUTOCHECKPOINT_PAGES = 10_000


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message says why in a line, and what to do."""


SETTING = "database_url"  # named in every complaint about it
CONNECT_TIMEOUT_SECONDS = 10.0  # PostgreSQL: a host that drops packets fails in time


def mask_url(url: str) -> str:
    """The URL with its password hidden: for whatever a person or a log will see. A URL
    that does not parse is not shown at all (where its password is cannot be told)."""
    try:
        parsed = make_url(url)
        if "@" not in (parsed.host or ""):
            return parsed.render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        pass
    return "(not a URL)"


def normalize_url(url: str) -> str:
    """Pick the async driver for plain `sqlite://` and `postgresql://` URLs; refuse
    what is no URL or names a database ShopBot does not support."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - parsed lazily: a stray '@' or ':' shows here
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(
            f"{SETTING} is not a database URL: write it as sqlite:///shopbot.db or "
            "postgresql://user:password@host:5432/name (a password with @ : / or % in it "
            "percent-encoded: %40 %3A %2F %25)"
        ) from None
    if "@" in (parsed.host or ""):
        raise DatabaseUnavailable(f"{SETTING} has an '@' in its password: write it as %40")
    if parsed.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise DatabaseUnavailable(
            f"{SETTING} uses {parsed.get_backend_name()!r}, which ShopBot does not support: "
            "use sqlite:///file.db (embedded) or postgresql://user@host/name"
        )
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


@contextmanager
def off_the_loop() -> Iterator[None]:
    """Statements in this block take the trip to SQLite's thread even in a unit of work
    that runs them on the event loop (`Database.session(inline=True)`): for reads that
    may be long, such as a cache of the whole catalog reloaded, so the loop goes on."""
    token = sqlite_driver.running_here.set(False)
    try:
        yield
    finally:
        sqlite_driver.running_here.reset(token)


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
        elif parsed.get_backend_name() == "postgresql":
            connect_args = engine_kwargs.setdefault("connect_args", {})
            connect_args.setdefault("timeout", CONNECT_TIMEOUT_SECONDS)
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
    async def session(self, inline: bool = False) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error.

        Units of work never nest: one opened inside another in the same task would wait
        for ever on SQLite's writer lock (and on PostgreSQL could deadlock on its own
        row locks), so it is refused at once instead.

        `inline`, for units of work that answer someone (a few small statements): on
        SQLite, once the transaction holds the write lock, its statements run on the
        event loop's thread instead of a trip to the driver's (storage/sqlite_driver);
        a long read among them goes `off_the_loop`. Jobs and imports, whose statements
        may be long, leave it off."""
        task = asyncio.current_task()
        if task is not None and _unit_of_work.get() is task:
            raise NestedUnitOfWork(
                "a unit of work is already open in this task: use the session you were "
                "given (ctx.session) instead of opening another"
            )
        token = _unit_of_work.set(task)
        here = sqlite_driver.running_here.set(inline)
        try:
            if self._writer is None:
                async with self._sessions() as session, session.begin():
                    yield session
                return
            async with self._writer, self._sessions() as session, session.begin():
                yield session
        finally:
            sqlite_driver.running_here.reset(here)
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

    async def check(self, must_exist: bool = False) -> None:
        """Connect once, or raise DatabaseUnavailable saying why. With `must_exist`, an
        SQLite file that is not there is refused rather than created (for commands
        that only read: a mistyped path must not look like an empty shop)."""
        parsed = make_url(self.url)
        path = parsed.database or ""
        if self.dialect == "sqlite" and path and path != ":memory:":
            _check_sqlite_path(Path(path), must_exist)
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except (OSError, DBAPIError, TimeoutError) as error:
            raise DatabaseUnavailable(_why(error, parsed)) from error

    async def dispose(self) -> None:
        """Close the engine's pooled connections; call once, at shutdown."""
        await self.engine.dispose()


def _check_sqlite_path(path: Path, must_exist: bool) -> None:
    if must_exist and not path.is_file():
        raise DatabaseUnavailable(
            f"the SQLite database {path} does not exist ({SETTING}): check the path "
            "(`shopbot db upgrade` creates a new, empty one)"
        )
    if not path.parent.is_dir():
        raise DatabaseUnavailable(
            f"cannot create the SQLite database {path} ({SETTING}): the folder "
            f"{path.parent} does not exist; create it or fix the path"
        )


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _why(error: BaseException, url: URL) -> str:
    """One line for a failed first connection: what failed and what to do."""
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    names = {type(cause).__name__ for cause in _causes(error)}
    if url.get_backend_name() == "sqlite":
        reason = _first_line(error)
        return f"cannot open the SQLite database {url.database} ({SETTING}): {reason}"
    if "InvalidCatalogNameError" in names:
        return (
            f"PostgreSQL at {where} has no database {url.database!r} ({SETTING}): "
            f"create it (createdb {url.database}) or fix the name"
        )
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        return (
            f"PostgreSQL at {where} refused user {url.username!r} ({SETTING}): "
            "check the user name and password"
        )
    if "gaierror" in names:
        return f"cannot find the PostgreSQL host {url.host!r} ({SETTING}): check the host name"
    if "ConnectionRefusedError" in names:
        return (
            f"nothing answers at {where} ({SETTING}): start PostgreSQL there, "
            "or fix the host and port"
        )
    if names & {"TimeoutError", "CancelledError"}:
        return f"PostgreSQL at {where} did not answer in time ({SETTING}): is it running?"
    return (
        f"cannot reach PostgreSQL at {where} ({SETTING}): {_first_line(error)}; "
        "start the server, or fix the host and port"
    )


def _first_line(error: BaseException) -> str:
    cause = error.__cause__ or error
    return (str(cause).splitlines() or [type(cause).__name__])[0]
