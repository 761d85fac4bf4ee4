"""Pick lists: products a community's moderators curated under a name, which members
vote up (once each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import PickItem, PickList, PickVote
from storage.sql import insert_for, table_of
from storage.text import fold


@dataclass(frozen=True)
class PickListRecord:
    """A pick list and how many products it holds."""

    id: int
    name: str
    items: int


@dataclass(frozen=True)
class Pick:
    """A product on a list and its votes."""

    product_id: int
    votes: int


async def add(
    session: AsyncSession, scope: str, name: str, product_id: int, member_id: int, now: datetime
) -> bool:
    """Put the product on the list (made on first use); False when it was there."""
    lists = table_of(PickList)
    made = insert_for(session, lists).values(
        scope=scope, name=name, name_key=fold(name), created_by=member_id, created_at=now
    )
    await session.exec(made.on_conflict_do_nothing(index_elements=["scope", "name_key"]))
    found = await named(session, scope, name)
    assert found is not None
    items = table_of(PickItem)
    stmt = insert_for(session, items).values(
        list_id=found.id, product_id=product_id, votes=0, added_at=now
    )
    result = await session.exec(
        stmt.on_conflict_do_nothing(index_elements=["list_id", "product_id"])
    )
    return bool(result.rowcount)


async def remove(session: AsyncSession, list_id: int, product_id: int) -> bool:
    """Take the product off the list; a list left empty goes. False if it was not on it."""
    items, votes = table_of(PickItem), table_of(PickVote)
    gone = await session.exec(
        delete(items).where(items.c.list_id == list_id, items.c.product_id == product_id)
    )
    # Its votes go with it: put back on the list, it starts again for everyone.
    await session.exec(
        delete(votes).where(votes.c.list_id == list_id, votes.c.product_id == product_id)
    )
    left = sa_select(func.count()).where(items.c.list_id == list_id)
    if not (await (await session.connection()).execute(left)).one()[0]:
        lists = table_of(PickList)
        await session.exec(delete(lists).where(lists.c.id == list_id))
    return bool(gone.rowcount)


async def named(session: AsyncSession, scope: str, name: str) -> PickListRecord | None:
    """The community's list called `name` (any case, any accents: its `name_key`)."""
    table = table_of(PickList)
    found = await _lists(session, table.c.scope == scope, table.c.name_key == fold(name))
    return found[0] if found else None


async def lists(session: AsyncSession, scope: str) -> list[PickListRecord]:
    """The community's lists, oldest first, with how many products each holds."""
    return await _lists(session, table_of(PickList).c.scope == scope)


async def by_id(session: AsyncSession, scope: str, list_id: int) -> PickListRecord | None:
    """The community's list with our id `list_id`; another community's is none."""
    table = table_of(PickList)
    found = await _lists(session, table.c.scope == scope, table.c.id == list_id)
    return found[0] if found else None


async def _lists(session: AsyncSession, *where: Any) -> list[PickListRecord]:
    table, items = table_of(PickList), table_of(PickItem)
    count = sa_select(func.count()).where(items.c.list_id == table.c.id).scalar_subquery()
    stmt = (
        sa_select(table.c.id, table.c.name, count)
        .where(*where)
        .order_by(table.c.created_at, table.c.id)
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [PickListRecord(row[0], row[1], int(row[2])) for row in rows]


async def picks(session: AsyncSession, list_id: int) -> list[Pick]:
    """The list's products, most votes first, then in the order they were added."""
    items = table_of(PickItem)
    stmt = (
        sa_select(items.c.product_id, items.c.votes)
        .where(items.c.list_id == list_id)
        .order_by(items.c.votes.desc(), items.c.added_at, items.c.product_id)
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [Pick(row[0], int(row[1])) for row in rows]


async def vote_up(session: AsyncSession, list_id: int, product_id: int, member_id: int) -> bool:
    """The member votes the pick up: True the first time, False after (nothing changes)."""
    votes = table_of(PickVote)
    stmt = insert_for(session, votes).values(
        list_id=list_id, product_id=product_id, member_id=member_id
    )
    new = await session.exec(
        stmt.on_conflict_do_nothing(index_elements=["list_id", "product_id", "member_id"])
    )
    if not new.rowcount:
        return False
    items = table_of(PickItem)
    await session.exec(
        update(items)
        .where(items.c.list_id == list_id, items.c.product_id == product_id)
        .values(votes=items.c.votes + 1)
    )
    return True


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: a pick both voted for keeps one vote."""
    votes, items = table_of(PickVote), table_of(PickItem)
    kept = sa_select(votes.c.list_id, votes.c.product_id).where(votes.c.member_id == keep_id)
    both = [(row[0], row[1]) for row in (await (await session.connection()).execute(kept)).all()]
    for list_id, product_id in both:
        dropped = await session.exec(
            delete(votes).where(
                votes.c.member_id == drop_id,
                votes.c.list_id == list_id,
                votes.c.product_id == product_id,
            )
        )
        if dropped.rowcount:
            await session.exec(
                update(items)
                .where(items.c.list_id == list_id, items.c.product_id == product_id)
                .values(votes=items.c.votes - 1)
            )
    await session.exec(update(votes).where(votes.c.member_id == drop_id).values(member_id=keep_id))


async def forget_pick_votes(session: AsyncSession, member_id: int) -> int:
    """Delete the member's pick votes, each taken off its pick's count."""
    votes, items = table_of(PickVote), table_of(PickItem)
    stmt = sa_select(votes.c.list_id, votes.c.product_id).where(votes.c.member_id == member_id)
    held = [(row[0], row[1]) for row in (await (await session.connection()).execute(stmt)).all()]
    for list_id, product_id in held:
        await session.exec(
            update(items)
            .where(items.c.list_id == list_id, items.c.product_id == product_id)
            .values(votes=items.c.votes - 1)
        )
    await session.exec(delete(votes).where(votes.c.member_id == member_id))
    return len(held)
