"""Who brought whom: arrivals through share links (once per newcomer), and joins
through personal invite links, credited after the newcomer stayed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import InviteLink, JoinArrival, Referral
from storage.sql import insert_for, table_of


async def arrive(
    session: AsyncSession,
    newcomer: int,
    sharer: int,
    platform: str,
    now: datetime,
    promotion: int | None = None,
) -> bool:
    """Note that `sharer` brought `newcomer` (through a link made from `promotion`'s
    post, if so); False if someone had already (a newcomer arrives once, through the
    first link they opened)."""
    table = table_of(Referral)
    stmt = (
        insert_for(session, table)
        .values(
            member_id=newcomer, sharer_id=sharer, platform=platform, at=now, promotion_id=promotion
        )
        .on_conflict_do_nothing()
        .returning(table.c.member_id)
    )
    return (await session.exec(stmt)).first() is not None


async def sharer_of(session: AsyncSession, member_id: int) -> int | None:
    """The member who brought this one, if any."""
    stmt = select(Referral.sharer_id).where(Referral.member_id == member_id)
    return (await session.exec(stmt)).first()


async def add_invite_link(
    session: AsyncSession, link: str, member_id: int, chat_id: int, now: datetime
) -> None:
    """Note whose personal invite link to the chat this is."""
    table = table_of(InviteLink)
    stmt = insert_for(session, table).values(
        link=link, member_id=member_id, chat_id=chat_id, created_at=now
    )
    await session.exec(stmt.on_conflict_do_nothing())


async def inviter(session: AsyncSession, link: str, chat_id: int) -> int | None:
    """The member whose invite link to this chat `link` is."""
    stmt = select(InviteLink.member_id).where(
        InviteLink.link == link, InviteLink.chat_id == chat_id
    )
    return (await session.exec(stmt)).first()


async def joined(
    session: AsyncSession, chat_id: int, member_id: int, sharer_id: int, now: datetime
) -> bool:
    """A newcomer joined the chat through the sharer's link: waiting to be credited.
    False when they had joined through a link before (a rejoin): a waiting one is then
    cancelled, and none starts."""
    table = table_of(JoinArrival)
    stmt = (
        insert_for(session, table)
        .values(chat_id=chat_id, member_id=member_id, sharer_id=sharer_id, joined_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.member_id)
    )
    if (await session.exec(stmt)).first() is not None:
        return True
    await left(session, chat_id, member_id, now)
    return False


async def left(session: AsyncSession, chat_id: int, member_id: int, now: datetime) -> None:
    """The member left the chat: a join of theirs still waiting is cancelled."""
    table = table_of(JoinArrival)
    await session.exec(
        update(table)
        .where(
            table.c.chat_id == chat_id,
            table.c.member_id == member_id,
            table.c.credited_at.is_(None),
            table.c.left_at.is_(None),
        )
        .values(left_at=now)
    )


async def joins_due(session: AsyncSession, limit: int) -> list[datetime]:
    """When the oldest waiting joins were made (for scheduling their credit)."""
    stmt = (
        select(JoinArrival.joined_at)
        .where(col(JoinArrival.credited_at).is_(None), col(JoinArrival.left_at).is_(None))
        .order_by(col(JoinArrival.joined_at))
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def take_joins(
    session: AsyncSession, joined_before: datetime, now: datetime
) -> list[tuple[int, int, int]]:
    """Claim the joins made before `joined_before` whose newcomer stayed: (newcomer,
    sharer, chat) each, once (marked credited in one UPDATE)."""
    table = table_of(JoinArrival)
    stmt = (
        update(table)
        .where(
            table.c.credited_at.is_(None),
            table.c.left_at.is_(None),
            table.c.joined_at <= joined_before,
        )
        .values(credited_at=now)
        .returning(table.c.member_id, table.c.sharer_id, table.c.chat_id)
    )
    rows = (await session.exec(stmt)).all()
    return [(int(member), int(sharer), int(chat)) for member, sharer, chat in rows]
