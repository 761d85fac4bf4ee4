"""aiosqlite with one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips per statement (open a cursor, execute,
fetch, close), and each trip is a thread hand-off that costs more than SQLite takes to
run a small statement (~90 us each on a 2-core VM; see bench/vote_bench.py). This
connection executes, fetches every row and closes the cursor in one trip, which is what
the adapter would have done in four. Everything else (the worker thread, commit,
rollback, close) is aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import partial
from typing import Any

import aiosqlite

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


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
        raw = self._connection.raw
        outcome: _Outcome = await self._connection._execute(  # type: ignore[no-untyped-call]
            _run, raw, sql, parameters, many
        )
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

    def cursor(self) -> _Cursor:  # type: ignore[override]
        """A cursor that executes and fetches every row in one trip."""
        return _Cursor(self)

    @property
    def raw(self) -> sqlite3.Connection:
        """The underlying sqlite3 connection; use it only on aiosqlite's worker thread."""
        return self._conn


async def connect(*args: Any, **kwargs: Any) -> Connection:
    """Open a connection; arguments as for `sqlite3.connect`."""
    connection = Connection(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy sets it: never block interpreter exit
    await connection
    return connection
