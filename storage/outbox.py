"""Messages waiting for a process that runs their platform.

Queueing is idempotent by key. Sending is claimed with a lease in one UPDATE whose
conditions are checked again on the row it updates, so two processes never take the
same message, and one that dies while sending is replaced once the lease runs out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage
from storage.sql import dialect_of, insert_for, table_of


@dataclass(frozen=True)
class Waiting:
    """A claimed message: `chat_id` is the platform's, `attempt` counts this try from 1,
    and `expires_at` None means it is never too late to send."""

    id: int
    key: str
    platform: str
    chat_id: str
    chat_kind: str
    payload: str
    attempt: int
    expires_at: datetime | None


async def put(
    session: AsyncSession,
    key: str,
    platform: str,
    chat_id: str,
    chat_kind: str,
    payload: str,
    now: datetime,
    expires_at: datetime | None = None,
    replace: bool = False,
) -> None:
    """Queue a message. The same key again changes nothing, unless `replace`: then the
    newer payload waits instead (a live count: only the latest matters)."""
    table = table_of(OutboxMessage)
    stmt = insert_for(session, table).values(
        key=key,
        platform=platform,
        chat_id=chat_id,
        chat_kind=chat_kind,
        payload=payload,
        created_at=now,
        expires_at=expires_at,
    )
    if replace:
        fresh = {
            "payload": stmt.excluded.payload,
            "created_at": stmt.excluded.created_at,
            "expires_at": stmt.excluded.expires_at,
            "not_before": None,
            "claimed_at": None,
            "attempts": 0,
            "done_at": None,
            "outcome": None,
        }
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_=fresh)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["key"])
    await session.exec(stmt)


def _takeable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return (
        col(OutboxMessage.done_at).is_(None)
        & (col(OutboxMessage.claimed_at).is_(None) | (col(OutboxMessage.claimed_at) <= now - lease))
        & (col(OutboxMessage.not_before).is_(None) | (col(OutboxMessage.not_before) <= now))
    )


async def any_takeable(
    session: AsyncSession, platforms: Collection[str], now: datetime, lease: timedelta
) -> bool:
    """Whether anything waits for these platforms: a read, so that looking every few
    seconds takes no write lock when nothing does (nearly always)."""
    stmt = (
        select(OutboxMessage.id)
        .where(col(OutboxMessage.platform).in_(set(platforms)), _takeable(now, lease))
        .limit(1)
    )
    return (await session.exec(stmt)).first() is not None


async def claim(
    session: AsyncSession,
    platforms: Collection[str],
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Waiting]:
    """Take up to `limit` waiting messages of these platforms, oldest first."""
    if not platforms:
        return []
    oldest = (
        select(OutboxMessage.id)
        .where(col(OutboxMessage.platform).in_(set(platforms)), _takeable(now, lease))
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if dialect_of(session) == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    table = table_of(OutboxMessage)
    stmt = (
        update(OutboxMessage)
        # Checked again on the row being updated: a row another process took meanwhile
        # no longer qualifies.
        .where(col(OutboxMessage.id).in_(oldest.scalar_subquery()), _takeable(now, lease))
        .values(claimed_at=now, attempts=col(OutboxMessage.attempts) + 1)
        .returning(
            table.c.id,
            table.c.key,
            table.c.platform,
            table.c.chat_id,
            table.c.chat_kind,
            table.c.payload,
            table.c.attempts,
            table.c.expires_at,
        )
    )
    rows = (await session.exec(stmt)).all()
    return sorted((Waiting(*row) for row in rows), key=lambda w: w.id)


async def finish(
    session: AsyncSession,
    message_id: int,
    now: datetime,
    outcome: str | None,
    retry_at: datetime | None = None,
) -> None:
    """Sent or given up (`outcome`), or to be tried again at `retry_at`."""
    values: dict[str, object] = (
        {"done_at": now, "outcome": outcome}
        if outcome is not None
        else {"claimed_at": None, "not_before": retry_at}
    )
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values)
    )


async def prune(session: AsyncSession, before: datetime) -> tuple[int, int]:
    """Forget messages done before `before`, and give up on those waiting since then (no
    process has run their platform for that long). Returns (forgotten, given up)."""
    done = delete(OutboxMessage).where(col(OutboxMessage.done_at) < before)
    stale = (
        update(OutboxMessage)
        .where(col(OutboxMessage.done_at).is_(None), col(OutboxMessage.created_at) < before)
        .values(done_at=before, outcome="expired")
    )
    forgotten = (await session.exec(done)).rowcount or 0
    return forgotten, (await session.exec(stale)).rowcount or 0


async def backlog(session: AsyncSession) -> int:
    """Messages not yet sent or given up, for every platform."""
    stmt = (
        select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.done_at).is_(None))
    )
    return int((await session.exec(stmt)).one())
