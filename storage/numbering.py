"""Numbers people type, given out per community.

A poll (and later a review, promotion or order) is named in chat by a small number that
counts within its community: the chats linked with /link, or a chat on its own. Global
ids stay inside (button tokens, references), so a number typed in one community can
never reach another community's things, and guessing sequential ids gets nothing.

Counters follow the chats: when chats are linked, the community continues from the
highest number any of them had; a chat that leaves continues from the community's.
Numbers of things made before a link may therefore repeat within the community; the
lookups prefer the one made or posted in the asking chat.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identity import ChatRecord
from storage.models import Chat, Counter
from storage.sql import insert_for, table_of


def scope_of(chat: ChatRecord) -> str:
    """The counter scope the chat's numbers come from: its community's, else its own."""
    return f"community:{chat.community_id}" if chat.community_id else f"chat:{chat.id}"


async def scope_chat_ids(session: AsyncSession, chat: ChatRecord) -> list[int]:
    """The chats that share `chat`'s numbers: its community's, or itself alone."""
    if chat.community_id is None:
        return [chat.id]
    stmt = select(Chat.id).where(Chat.community_id == chat.community_id)
    return [chat_id for chat_id in (await session.exec(stmt)).all() if chat_id is not None]


async def next_number(session: AsyncSession, kind: str, scope: str) -> int:
    """The next number of `kind` in `scope`, in one statement: concurrent callers (other
    processes included) each get their own."""
    table = table_of(Counter)
    stmt = (
        insert_for(session, table)
        .values(kind=kind, scope=scope, last=1)
        .on_conflict_do_update(index_elements=["kind", "scope"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return int((await session.exec(stmt)).one()[0])


async def carry_over(session: AsyncSession, into: str, sources: Collection[str]) -> None:
    """Let scope `into` continue from the highest number any of `sources` gave out, per
    kind (linking chats merges their scopes; leaving a community splits one off)."""
    stmt = select(Counter.kind, Counter.last).where(col(Counter.scope).in_(set(sources)))
    highest: dict[str, int] = {}
    for kind, last in (await session.exec(stmt)).all():
        highest[kind] = max(highest.get(kind, 0), last)
    if not highest:
        return
    table = table_of(Counter)
    insert = insert_for(session, table)
    keep_higher = case(
        (table.c.last >= insert.excluded.last, table.c.last), else_=insert.excluded.last
    )
    upsert = insert.on_conflict_do_update(
        index_elements=["kind", "scope"], set_={"last": keep_higher}
    )
    rows = [{"kind": kind, "scope": into, "last": last} for kind, last in sorted(highest.items())]
    await session.exec(upsert, params=rows)
