"""De-duplication of platform updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import LinkAttempt, LinkCode, ProcessedEvent
from storage.sql import insert_for, table_of


async def claim_event(session: AsyncSession, platform: str, event_id: str, now: datetime) -> bool:
    """Record the event as processed; False when it had been seen before.

    The unique key does the work, so two processes racing on one update agree.
    """
    stmt = (
        insert_for(session, table_of(ProcessedEvent))
        .values(platform=platform, event_id=event_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)


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
