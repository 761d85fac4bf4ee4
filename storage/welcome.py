"""Welcome messages: a text per community, each person welcomed once per community,
one message per chat for a burst of newcomers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Welcome, WelcomeChat, WelcomePending, WelcomeSeen
from storage.sql import insert_for, table_of


@dataclass(frozen=True)
class Newcomers:
    """Who waits to be welcomed into a chat, oldest first."""

    chat_id: int
    names: list[str]


@dataclass(frozen=True)
class WelcomeSetting:
    """A community's welcome text, and the moderator who set it (whose language the
    greeting around it speaks)."""

    text: str
    set_by: int


async def setting_of(session: AsyncSession, scope: str) -> WelcomeSetting | None:
    """The community's welcome (`scope` as from numbering.scope_of), or None if unset."""
    found = await session.get(Welcome, scope)
    return WelcomeSetting(found.text, found.set_by) if found is not None else None


async def text_of(session: AsyncSession, scope: str) -> str | None:
    """The community's welcome text, or None if unset."""
    found = await setting_of(session, scope)
    return found.text if found is not None else None


async def set_text(
    session: AsyncSession, scope: str, text: str | None, member_id: int, now: datetime
) -> None:
    """Set the community's welcome (None: no more welcomes)."""
    if text is None:
        await session.exec(delete(Welcome).where(col(Welcome.scope) == scope))
        return
    stmt = insert_for(session, table_of(Welcome)).values(
        scope=scope, text=text, set_by=member_id, updated_at=now
    )
    fresh = {"text": stmt.excluded.text, "set_by": member_id, "updated_at": now}
    await session.exec(stmt.on_conflict_do_update(index_elements=["scope"], set_=fresh))


async def first_time(session: AsyncSession, scope: str, member_id: int) -> bool:
    """Note that the member is welcomed in the community; False if they were before."""
    stmt = (
        insert_for(session, table_of(WelcomeSeen))
        .values(scope=scope, member_id=member_id)
        .on_conflict_do_nothing(index_elements=["scope", "member_id"])
    )
    return bool((await session.exec(stmt)).rowcount)


async def wait_for_welcome(
    session: AsyncSession, chat_id: int, member_id: int, name: str, now: datetime, gap: timedelta
) -> datetime:
    """Add a newcomer to the chat's next welcome; returns when it may be posted (a gap
    after the chat's last one)."""
    stmt = (
        insert_for(session, table_of(WelcomePending))
        .values(chat_id=chat_id, member_id=member_id, name=name[:128], joined_at=now)
        .on_conflict_do_nothing(index_elements=["chat_id", "member_id"])
    )
    await session.exec(stmt)
    last = await session.get(WelcomeChat, chat_id)
    return max(now, last.posted_at + gap) if last is not None else now


async def due_times(session: AsyncSession, gap: timedelta) -> list[datetime]:
    """When each chat with newcomers waiting may get its welcome."""
    stmt = (
        select(WelcomePending.chat_id, func.min(WelcomePending.joined_at), WelcomeChat.posted_at)
        .outerjoin(WelcomeChat, col(WelcomeChat.chat_id) == col(WelcomePending.chat_id))
        .group_by(col(WelcomePending.chat_id), col(WelcomeChat.posted_at))
    )
    return [
        max(joined, posted + gap) if posted is not None else joined
        for _, joined, posted in (await session.exec(stmt)).all()
    ]


async def waiting_chats(session: AsyncSession) -> list[int]:
    """The chats with newcomers waiting, whether or not their welcome is due yet."""
    stmt = select(WelcomePending.chat_id).distinct()
    return list((await session.exec(stmt)).all())


async def take_newcomers(
    session: AsyncSession, chat_id: int, now: datetime, gap: timedelta
) -> Newcomers | None:
    """Claim the chat's welcome if its gap has passed (one process wins), and take its
    newcomers; None when it is not the chat's turn yet (or another process took it)."""
    table = table_of(WelcomeChat)
    stmt = insert_for(session, table).values(chat_id=chat_id, posted_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["chat_id"],
        set_={"posted_at": now},
        where=table.c.posted_at <= now - gap,
    ).returning(table.c.chat_id)
    if (await session.exec(stmt)).first() is None:
        return None
    pending = table_of(WelcomePending)
    taken = (
        await session.exec(
            delete(pending)
            .where(pending.c.chat_id == chat_id)
            .returning(pending.c.name, pending.c.joined_at)
        )
    ).all()
    names = [name for name, _ in sorted(taken, key=lambda row: row[1])]
    return Newcomers(chat_id, names) if names else None


async def move_seen(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: welcomed wherever either was."""
    scopes = select(WelcomeSeen.scope).where(WelcomeSeen.member_id == drop_id)
    rows = [{"scope": scope, "member_id": keep_id} for scope in (await session.exec(scopes)).all()]
    if rows:
        stmt = insert_for(session, table_of(WelcomeSeen)).on_conflict_do_nothing(
            index_elements=["scope", "member_id"]
        )
        await session.exec(stmt, params=rows)
    await session.exec(delete(WelcomeSeen).where(col(WelcomeSeen.member_id) == drop_id))
    pending = table_of(WelcomePending)
    await session.exec(delete(pending).where(pending.c.member_id == drop_id))
