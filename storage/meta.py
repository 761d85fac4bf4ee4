"""Small named values kept in the database (e.g. the hash of synced slash commands)."""

from __future__ import annotations

import uuid

from sqlmodel import col, select
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


# Revisions that caches of other processes are keyed on. A product question checks
# both (its words and its vectors): they are read together, once per unit of work.
CATALOG_REVISION = "catalog_revision"
VECTOR_REVISION = "vector_revision"
_REVISIONS = (CATALOG_REVISION, VECTOR_REVISION)
_READ_REVISIONS = select(Meta.key, Meta.value).where(col(Meta.key).in_(_REVISIONS))


async def revision(session: AsyncSession, key: str) -> str:
    """The revision kept under `key` (one of the revisions above), empty if it was never
    set; read with the others on first use in this unit of work (`session.info`)."""
    if key not in session.info:
        found = dict((await session.exec(_READ_REVISIONS)).all())
        session.info.update({name: found.get(name) or "" for name in _REVISIONS})
    value: str = session.info[key]
    return value


async def bump(session: AsyncSession, key: str) -> None:
    """A new random revision under `key`: caches keyed on the old one go stale."""
    value = uuid.uuid4().hex
    await set_value(session, key, value)
    session.info[key] = value
