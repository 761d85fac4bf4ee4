"""Guided conversations' state: one row per member and chat, replaced as it moves on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Chat, Conversation
from storage.sql import insert_for, table_of


@dataclass(frozen=True)
class ConversationRecord:
    """Where a member's dialogue in a chat stands: its flow, step and answers so far."""

    flow: str
    step: str
    data: dict[str, Any]


async def current(
    session: AsyncSession,
    member_id: int,
    chat_id: int,
    now: datetime,
    platform: str | None = None,
) -> ConversationRecord | None:
    """The member's conversation in the chat, unless there is none or it expired. With
    `platform` (the chat is the member's private chat there), failing that, the one
    started in a group of `platform` for their private chat, taken up here (see
    `take_private`). One read either way: nearly every message has neither."""
    wanted = _OPEN_HERE if platform is None else _OPEN_HERE_OR_WAITING
    params = {"member_id": member_id, "now": now, "chat_id": chat_id, "platform": platform}
    found = (await session.exec(wanted, params=params)).first()
    if found is None:
        return None
    if found.private:
        return await _take(session, found, member_id, chat_id)
    return ConversationRecord(found.flow, found.step, json.loads(found.data))


def _open(wanted: Any) -> Any:
    """The member's unexpired conversations that are `wanted`: the one in the chat first
    (not private), then those waiting, the one expiring last first."""
    return (
        select(Conversation)
        .join(Chat, col(Chat.id) == col(Conversation.chat_id))
        .where(
            Conversation.member_id == bindparam("member_id"),
            col(Conversation.expires_at) > bindparam("now"),
            wanted,
        )
        .order_by(col(Conversation.private), col(Conversation.expires_at).desc())
    )


_HERE = and_(
    col(Conversation.chat_id) == bindparam("chat_id"), col(Conversation.private).is_(False)
)
# Started in a group of the platform for the member's private chat there.
_WAITING = and_(col(Conversation.private).is_(True), col(Chat.platform) == bindparam("platform"))
# Built once: every message asks one of them.
_OPEN_HERE = _open(_HERE)
_OPEN_HERE_OR_WAITING = _open(or_(_HERE, _WAITING))
_OPEN_WAITING = _open(_WAITING)


async def save(
    session: AsyncSession,
    member_id: int,
    chat_id: int,
    record: ConversationRecord,
    expires_at: datetime,
    private: bool = False,
) -> None:
    """Start or move on the member's conversation in the chat (one at a time).
    `private`: it is to go on in their private chat (see `take_private`)."""
    table = table_of(Conversation)
    values = {
        "flow": record.flow,
        "step": record.step,
        "data": json.dumps(record.data, ensure_ascii=False),
        "expires_at": expires_at,
        "private": private,
    }
    stmt = insert_for(session, table).values(member_id=member_id, chat_id=chat_id, **values)
    await session.exec(
        stmt.on_conflict_do_update(index_elements=["member_id", "chat_id"], set_=values)
    )


async def take_private(
    session: AsyncSession, member_id: int, chat_id: int, platform: str, now: datetime
) -> ConversationRecord | None:
    """The member's conversation started in a group of `platform` for their private
    chat, moved to that chat (`chat_id`), ending what was going on there."""
    params = {"member_id": member_id, "now": now, "platform": platform}
    found = (await session.exec(_OPEN_WAITING, params=params)).first()
    return None if found is None else await _take(session, found, member_id, chat_id)


async def _take(
    session: AsyncSession, found: Conversation, member_id: int, chat_id: int
) -> ConversationRecord:
    """Move a conversation waiting for the member's private chat to it (`chat_id`),
    ending what was going on there."""
    await end(session, member_id, chat_id)
    table = table_of(Conversation)
    await session.exec(
        update(table).where(table.c.id == found.id).values(chat_id=chat_id, private=False)
    )
    return ConversationRecord(found.flow, found.step, json.loads(found.data))


async def end(session: AsyncSession, member_id: int, chat_id: int) -> bool:
    """End the member's conversation in the chat; False if there was none. One waiting
    for their private chat stays (see `end_private`)."""
    stmt = delete(Conversation).where(
        col(Conversation.member_id) == member_id,
        col(Conversation.chat_id) == chat_id,
        col(Conversation.private).is_(False),
    )
    return bool((await session.exec(stmt)).rowcount)


async def end_private(session: AsyncSession, member_id: int, platform: str) -> bool:
    """End the member's conversation waiting for their private chat on `platform`."""
    chats = select(Chat.id).where(Chat.platform == platform)
    stmt = delete(Conversation).where(
        col(Conversation.member_id) == member_id,
        col(Conversation.private).is_(True),
        col(Conversation.chat_id).in_(chats),
    )
    return bool((await session.exec(stmt)).rowcount)


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: the dropped one's conversations end."""
    await session.exec(delete(Conversation).where(col(Conversation.member_id) == drop_id))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget expired conversations."""
    stmt = delete(Conversation).where(col(Conversation.expires_at) <= now)
    return (await session.exec(stmt)).rowcount or 0
