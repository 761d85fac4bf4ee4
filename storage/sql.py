"""Dialect-aware statement helpers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    """The backend the session talks to: "sqlite" or "postgresql"."""
    return session.get_bind().dialect.name


def table_of(model: Any) -> Table:
    """The Core table behind a SQLModel class (for bulk and ON CONFLICT statements)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


def insert_for(session: AsyncSession, table: Table) -> Any:
    """INSERT that supports ON CONFLICT on both backends (the idempotent-write primitive)."""
    if dialect_of(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
