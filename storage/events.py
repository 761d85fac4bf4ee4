"""De-duplication of platform updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import LinkAttempt, LinkCode, ProcessedEvent
from storage.sql import built_once, insert_of, table_of

_TABLE = table_of(ProcessedEvent)


async def claim_event(session: AsyncSession, platform: str, event_id: str, now: datetime) -> bool:
    """Record the event as processed; False when it had been seen before."""
    return (platform, event_id) in await claim_events(session, [(platform, event_id)], now)


async def claim_events(
    session: AsyncSession, keys: Sequence[tuple[str, str]], now: datetime
) -> set[tuple[str, str]]:
    """Record (platform, event id) pairs as processed in one statement; the pairs not
    seen before come back. The unique key does the work, so two processes racing on
    one update agree."""
    if not keys:
        return set()
    # Sorted, so concurrent batches of other processes take the key locks in one order.
    rows = [{"platform": p, "event_id": e, "seen_at": now} for p, e in sorted(set(keys))]
    result = await (await session.connection()).execute(_claim(session), rows)
    return {(platform, event_id) for platform, event_id in result.all()}


@built_once
def _claim(dialect: str) -> Any:
    # The rows as parameters (executemany), not in .values(): one statement, built once.
    table = table_of(ProcessedEvent)
    return (
        insert_of(dialect, table)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(table.c.platform, table.c.event_id)
    )


async def touch_events(
    session: AsyncSession, keys: Sequence[tuple[str, str]], now: datetime
) -> None:
    """Mark events claimed earlier (see Router.claim) as being handled now."""
    if keys:
        stmt = _each_event(seen_at=bindparam("now", type_=_TABLE.c.seen_at.type))
        rows = [{"p": p, "e": e, "now": now} for p, e in sorted(set(keys))]
        await session.exec(stmt, params=rows)


async def keep_replies(
    session: AsyncSession, replies: Sequence[tuple[str, str, str]], handled_by: str
) -> None:
    """Keep (platform, event id, reply) until `forget_replies`, noting who handled them."""
    if replies:
        stmt = _each_event(reply=bindparam("r"), handled_by=handled_by)
        await session.exec(stmt, params=[{"p": p, "e": e, "r": r} for p, e, r in sorted(replies)])


async def take_reply(
    session: AsyncSession, platform: str, event_id: str, handled_by: str
) -> str | None:
    """The reply of an event another process (or an earlier run) handled and never sent,
    taken over by `handled_by`: one taker wins. None when there is nothing to send, or
    this process is the one sending it."""
    stmt = (
        update(ProcessedEvent)
        .where(
            col(ProcessedEvent.platform) == platform,
            col(ProcessedEvent.event_id) == event_id,
            col(ProcessedEvent.reply).is_not(None),
            col(ProcessedEvent.handled_by) != handled_by,
        )
        .values(handled_by=handled_by)
        .returning(col(ProcessedEvent.reply))
    )
    row = (await session.exec(stmt)).first()
    return None if row is None else row[0]


async def forget_replies(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> None:
    """The replies of these events were sent."""
    if keys:
        stmt = _each_event(reply=None)
        await session.exec(stmt, params=[{"p": p, "e": e} for p, e in sorted(set(keys))])


def _each_event(**values: Any) -> Update:
    """An UPDATE of one event's row, run for many (platform `p`, event id `e`) at once."""
    return (
        update(_TABLE)
        .where(_TABLE.c.platform == bindparam("p"), _TABLE.c.event_id == bindparam("e"))
        .values(**values)
    )


async def prune(session: AsyncSession, events_before: datetime, links_before: datetime) -> int:
    """Forget handled update ids and spent link codes/attempts older than the cut-offs.

    Platforms redeliver an update for hours, not days (Telegram keeps them 24 h), so
    old ids protect nothing while the tables would grow for as long as the bot runs."""
    removed = 0
    for stmt in (
        delete(ProcessedEvent).where(col(ProcessedEvent.seen_at) < events_before),
        delete(LinkAttempt).where(col(LinkAttempt.at) < links_before),
        delete(LinkCode).where(col(LinkCode.expires_at) < links_before),
    ):
        removed += (await session.exec(stmt)).rowcount or 0
    return removed
