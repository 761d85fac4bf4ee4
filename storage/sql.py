"""Dialect-aware statement helpers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Meta


def dialect_of(session: AsyncSession) -> str:
    """The backend the session talks to: "sqlite" or "postgresql"."""
    return session.get_bind().dialect.name


def table_of(model: Any) -> Table:
    """The Core table behind a SQLModel class (for bulk and ON CONFLICT statements)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


async def write_first(session: AsyncSession) -> None:
    """Take SQLite's write lock now, before the unit of work reads: one that reads and
    then writes fails ("database is locked") when another process wrote in between,
    while one that writes first waits its turn (busy_timeout). An UPDATE takes the lock
    even when it changes no row. PostgreSQL locks rows, not the database: nothing."""
    if dialect_of(session) == "sqlite":
        meta = table_of(Meta)
        await session.exec(update(meta).where(meta.c.key == "").values(value=meta.c.value))


def insert_for(session: AsyncSession, table: Table) -> Any:
    """INSERT that supports ON CONFLICT on both backends (the idempotent-write primitive)."""
    if dialect_of(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def move_marks(
    session: AsyncSession, table: Table, key: str, keep_id: int, drop_id: int
) -> None:
    """Two members become one person: the dropped one's rows of `table` (one per
    `key` value and member: a vote, a mark) become the kept one's, a value both had
    counting once."""
    kept = select(table.c[key]).where(table.c.member_id == keep_id)
    await session.exec(delete(table).where(table.c.member_id == drop_id, table.c[key].in_(kept)))
    await session.exec(update(table).where(table.c.member_id == drop_id).values(member_id=keep_id))
