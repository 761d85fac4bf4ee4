"""aiosqlite with one trip to its thread per statement, or none once the write lock is held.

SQLAlchemy's aiosqlite adapter makes four trips per statement (open a cursor, execute,
fetch, close), and each trip is a thread hand-off that costs more than SQLite takes to
run a small statement (~90 us each on a 2-core VM; see bench/vote_bench.py). This
connection executes, fetches every row and closes the cursor in one trip, which is what
the adapter would have done in four. Everything else (the worker thread, commit,
rollback, close) is aiosqlite's own.

The thread is there so that waiting for SQLite's write lock (busy_timeout, up to
seconds while another process writes) never blocks the event loop. Once a transaction
holds the write lock, no statement of it waits for a lock: in a unit of work that allows
it (`running_here`, set by the router for the messages it answers), those statements
run at once on the event loop's thread. A question makes some fifteen statements after
its first write, and each trip cost 120-360 us there (the other core woken each time),
several times the statement's own time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextvars import ContextVar
from functools import partial
from typing import Any

import aiosqlite

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows
# Whether the unit of work running in this task lets statements run on the event loop's
# thread once its transaction holds the write lock (see the module's docstring).
running_here: ContextVar[bool] = ContextVar("sqlite_running_here", default=False)
# Statements that take SQLite's write lock (and may wait for it), by their first words.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
_BEGIN = "BEGIN"  # a deferred BEGIN takes no lock, so it never waits


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Outcome:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class _Cursor:
    """The DB-API cursor surface SQLAlchemy's asyncio adapter uses, over prefetched rows."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        return await self._trip(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> _Cursor:
        return await self._trip(sql, parameters, many=True)

    async def _trip(self, sql: str, parameters: Any, many: bool) -> _Cursor:
        connection = self._connection
        raw = connection.raw
        if connection.runs_here(sql):
            outcome = _run(raw, sql, parameters, many)
        else:
            outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run, raw, sql, parameters, many
            )
            connection.wrote(sql)
        self.description, self.rowcount, self.lastrowid, self._rows = outcome
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []


class Connection(aiosqlite.Connection):
    """aiosqlite's connection, with cursors that make one thread trip per statement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_write_lock = False  # this transaction has written

    def cursor(self) -> _Cursor:  # type: ignore[override]
        """A cursor that executes and fetches every row in one trip."""
        return _Cursor(self)

    def runs_here(self, sql: str) -> bool:
        """Whether `sql` runs here, on the event loop's thread: the unit of work allows
        it and it cannot wait for a lock (this transaction holds the write lock, or it
        is a BEGIN that takes none)."""
        if not running_here.get():
            return False
        if self._holds_write_lock and self.raw.in_transaction:
            return True
        self._holds_write_lock = False
        return sql == _BEGIN

    def wrote(self, sql: str) -> None:
        """Note that `sql`, run on the thread, took the write lock if it is a write."""
        if sql.lstrip()[:15].upper().startswith(_WRITES):
            self._holds_write_lock = True

    async def commit(self) -> None:
        """Commit on the thread (a checkpoint may follow); the write lock goes."""
        self._holds_write_lock = False
        await super().commit()

    async def rollback(self) -> None:
        """Roll back on the thread; the write lock goes. With no transaction open (the
        pool's reset after a commit) there is nothing to do, and no trip."""
        self._holds_write_lock = False
        if self._conn is not None and not self._conn.in_transaction:
            return
        await super().rollback()

    @property
    def raw(self) -> sqlite3.Connection:
        """The underlying sqlite3 connection; use it on aiosqlite's worker thread, or here
        while nothing waits for that thread (every trip is awaited before the next)."""
        return self._conn


async def connect(*args: Any, **kwargs: Any) -> Connection:
    """Open a connection; arguments as for `sqlite3.connect`."""
    # Used from the event loop's thread too, never from two threads at once (above);
    # SQLAlchemy asks for the check only on in-memory databases.
    kwargs["check_same_thread"] = False
    connection = Connection(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy sets it: never block interpreter exit
    await connection
    return connection
