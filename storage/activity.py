"""Who is active where, by day, and each community's mayor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, case, cast, delete, func, literal, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ActivityDay, Chat, Mayor, Member
from storage.sql import insert_for, table_of


@dataclass(frozen=True)
class MayorRecord:
    """A community's mayor as shown."""

    member_id: int | None
    name: str | None
    days: int
    announce: bool


async def note(session: AsyncSession, chat_id: int, member_id: int, day: date, staff: bool) -> None:
    """The member was active in the chat today (once a day; staff marks stick)."""
    table = table_of(ActivityDay)
    insert = insert_for(session, table).values(
        chat_id=chat_id, member_id=member_id, day=day, staff=staff
    )
    keys = ["chat_id", "member_id", "day"]
    if staff:
        await session.exec(insert.on_conflict_do_update(index_elements=keys, set_={"staff": True}))
    else:
        await session.exec(insert.on_conflict_do_nothing(index_elements=keys))


def _scope() -> Any:
    """A chat's numbering scope (storage/numbering.py), in SQL."""
    return case(
        (
            col(Chat.community_id).is_not(None),
            literal("community:") + cast(col(Chat.community_id), String),
        ),
        else_=literal("chat:") + cast(col(Chat.id), String),
    )


async def leaders(session: AsyncSession, since: date) -> dict[str, tuple[int, int]]:
    """Per community: (member, active days) of the member with the most days since
    `since`, staff never (anyone who acted as staff there in that time)."""
    scope = _scope()
    days = func.count(func.distinct(col(ActivityDay.day)))
    staff = func.max(case((col(ActivityDay.staff), 1), else_=0))
    stmt = (
        sa_select(scope, col(ActivityDay.member_id), days, staff, func.max(col(ActivityDay.day)))
        .join(Chat, col(Chat.id) == col(ActivityDay.chat_id))
        .where(col(ActivityDay.day) >= since)
        .group_by(scope, col(ActivityDay.member_id))
    )
    best: dict[str, tuple[int, int, date]] = {}
    for key, member_id, count, was_staff, last in (
        await (await session.connection()).execute(stmt)
    ).all():
        if was_staff:
            continue
        held = best.get(key)
        # Most days; on a tie, whoever was active last, then the lower id (stable).
        if held is None or (count, last, -member_id) > (held[1], held[2], -held[0]):
            best[key] = (int(member_id), int(count), last)
    return {key: (member, count) for key, (member, count, _) in best.items()}


async def crown(
    session: AsyncSession, scope: str, member_id: int, days: int, now: datetime
) -> tuple[int | None, bool]:
    """Make `member_id` the community's mayor: (the previous mayor, whether the
    community wants changes announced). Keeps `since` when the mayor stays."""
    current = await session.get(Mayor, scope)
    previous = current.member_id if current is not None else None
    announce = current.announce if current is not None else False
    since = current.since if current is not None and previous == member_id else now
    table = table_of(Mayor)
    values = {"member_id": member_id, "days": days, "since": since}
    stmt = insert_for(session, table).values(scope=scope, announce=False, **values)
    await session.exec(stmt.on_conflict_do_update(index_elements=["scope"], set_=values))
    return previous, announce


async def mayor_of(session: AsyncSession, scope: str) -> MayorRecord:
    """The community's mayor (none yet: member_id None)."""
    stmt = (
        select(Mayor, Member.display_name)
        .outerjoin(Member, col(Member.id) == col(Mayor.member_id))
        .where(Mayor.scope == scope)
    )
    found = (await session.exec(stmt)).first()
    if found is None:
        return MayorRecord(None, None, 0, False)
    mayor, name = found
    return MayorRecord(mayor.member_id, name, mayor.days, mayor.announce)


async def set_announce(session: AsyncSession, scope: str, announce: bool) -> None:
    """Whether the community's chats hear when its mayor changes."""
    table = table_of(Mayor)
    stmt = insert_for(session, table).values(scope=scope, days=0, announce=announce)
    await session.exec(
        stmt.on_conflict_do_update(index_elements=["scope"], set_={"announce": announce})
    )


async def forget_before(session: AsyncSession, day: date) -> int:
    """Drop activity older than `day` (only the last 60 days count)."""
    stmt = delete(ActivityDay).where(col(ActivityDay.day) < day)
    return (await session.exec(stmt)).rowcount or 0


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: their active days count once."""
    table = table_of(ActivityDay)
    kept = sa_select(table.c.chat_id, table.c.day).where(table.c.member_id == keep_id)
    for chat_id, day in (await (await session.connection()).execute(kept)).all():
        await session.exec(
            delete(table).where(
                table.c.member_id == drop_id, table.c.chat_id == chat_id, table.c.day == day
            )
        )
    await session.exec(update(table).where(table.c.member_id == drop_id).values(member_id=keep_id))
    mayors = table_of(Mayor)
    await session.exec(
        update(mayors).where(mayors.c.member_id == drop_id).values(member_id=keep_id)
    )
