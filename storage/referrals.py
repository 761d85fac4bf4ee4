"""Who brought whom: arrivals through share links, once per newcomer."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Referral
from storage.sql import insert_for, table_of


async def arrive(
    session: AsyncSession, newcomer: int, sharer: int, platform: str, now: datetime
) -> bool:
    """Note that `sharer` brought `newcomer`; False if someone had already (a newcomer
    arrives once, through the first link they opened)."""
    table = table_of(Referral)
    stmt = (
        insert_for(session, table)
        .values(member_id=newcomer, sharer_id=sharer, platform=platform, at=now)
        .on_conflict_do_nothing()
        .returning(table.c.member_id)
    )
    return (await session.exec(stmt)).first() is not None


async def sharer_of(session: AsyncSession, member_id: int) -> int | None:
    """The member who brought this one, if any."""
    stmt = select(Referral.sharer_id).where(Referral.member_id == member_id)
    return (await session.exec(stmt)).first()
