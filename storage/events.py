"""De-duplication of platform updates."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedEvent
from storage.sql import insert_for, table_of
from storage.types import utcnow


async def claim_event(session: AsyncSession, platform: str, event_id: str) -> bool:
    """Record the event as processed; False when it had been seen before.

    The unique key does the work, so two processes racing on one update agree.
    """
    stmt = (
        insert_for(session, table_of(ProcessedEvent))
        .values(platform=platform, event_id=event_id, seen_at=utcnow())
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)
