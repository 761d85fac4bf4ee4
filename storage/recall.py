"""A member's last product answer in a chat, kept minutes for follow-up questions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AnswerMemory
from storage.sql import built_once, insert_of, table_of

_TABLE = table_of(AnswerMemory)


@dataclass(frozen=True)
class Recall:
    """The question as it was understood, and the ids of the products shown, in order."""

    question: str
    product_ids: tuple[int, ...]


async def remember(
    session: AsyncSession,
    member_id: int,
    chat_id: int,
    recall: Recall,
    expires_at: datetime,
) -> None:
    """Keep `recall` as the member's last answer in the chat until `expires_at` (the
    previous one is replaced: a follow-up refers to the latest answer)."""
    values = {
        "member_id": member_id,
        "chat_id": chat_id,
        "question": recall.question[:1000],
        "product_ids": ",".join(str(i) for i in recall.product_ids),
        "expires_at": expires_at,
    }
    await (await session.connection()).execute(_replace(session), values)


@built_once
def _replace(dialect: str) -> Any:
    stmt = insert_of(dialect, _TABLE)
    return stmt.on_conflict_do_update(
        index_elements=["member_id", "chat_id"],
        set_={k: stmt.excluded[k] for k in ("question", "product_ids", "expires_at")},
    )


_LAST = sa_select(_TABLE.c.question, _TABLE.c.product_ids).where(
    _TABLE.c.member_id == bindparam("member_id"),
    _TABLE.c.chat_id == bindparam("chat_id"),
    _TABLE.c.expires_at > bindparam("now"),
)


async def recall(
    session: AsyncSession, member_id: int, chat_id: int, now: datetime
) -> Recall | None:
    """The member's last answer in the chat, unless it has expired."""
    params = {"member_id": member_id, "chat_id": chat_id, "now": now}
    found = (await (await session.connection()).execute(_LAST, params)).first()
    if found is None:
        return None
    return Recall(found.question, _ids(found.product_ids))


def _ids(stored: str) -> tuple[int, ...]:
    return tuple(int(i) for i in stored.split(",") if i)


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget expired answers."""
    stmt = delete(AnswerMemory).where(col(AnswerMemory.expires_at) <= now)
    return (await session.exec(stmt)).rowcount or 0
