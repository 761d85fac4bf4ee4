"""Small named values kept in the database (e.g. the hash of synced slash commands)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Meta
from storage.sql import insert_for, table_of


async def get_value(session: AsyncSession, key: str) -> str | None:
    """The value stored under `key`, or None if it was never set."""
    return (await session.exec(select(Meta.value).where(Meta.key == key))).first()


async def set_value(session: AsyncSession, key: str, value: str) -> None:
    """Store `value` under `key`, replacing any previous one (a single upsert)."""
    stmt = insert_for(session, table_of(Meta)).values(key=key, value=value)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value})
    await session.exec(stmt)
