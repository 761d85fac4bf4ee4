"""Where a member is, as the discovery lists count it, and what trends there (the
"Trending here" label on cards, /trending): ranked by the roll-up job, read here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.core.model import ChatKind
from storage import linking, signals
from storage.numbering import scope_chat_ids, scope_of
from storage.signals import Trend

if TYPE_CHECKING:
    from handlers.core.context import Context


async def scope_here(ctx: Context) -> str:
    """The community whose lists count here: the chat's (linked chats together) in a
    group; every chat together in a private one (there is no community to speak of)."""
    if ctx.event.chat.kind is ChatKind.DM:
        return signals.EVERYWHERE
    return scope_of(await linking.chat(ctx.session, ctx.chat_id))


async def community_chats(ctx: Context) -> list[int] | None:
    """The chats whose signals count here (None: every chat), as `scope_here`."""
    if ctx.event.chat.kind is ChatKind.DM:
        return None
    return await scope_chat_ids(ctx.session, await linking.chat(ctx.session, ctx.chat_id))


async def trending_here(ctx: Context) -> list[Trend]:
    """The products trending in this community, strongest first."""
    return await signals.trends_of(ctx.session, await scope_here(ctx))
