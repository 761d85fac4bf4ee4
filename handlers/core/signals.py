"""What features tell about members' interest in products (storage/signals.py): one
call from the handler that saw it, with the member, chat and staff mark filled in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from handlers.core.features import Role
from storage import signals
from storage.signals import Kind, SignalFact

if TYPE_CHECKING:
    from handlers.core.context import Context

# Moderators and owners shape what a community sees; their interest does not rank.
STAFF = (Role.MODERATOR, Role.OWNER)


async def note(
    ctx: Context,
    kind: Kind,
    product_ids: Iterable[int],
    ref: str | None = None,
    color: str | None = None,
    size: str | None = None,
) -> None:
    """The member did `kind` with these products in this chat. `ref` names the fact
    (a question's id); without one, the fact is once per member, product and day, so
    asking about the same product all afternoon counts as one view."""
    member, chat, now = ctx.member.member_id, ctx.chat_id, ctx.now()
    ref = ref if ref is not None else f"{chat}:{member}:{now.date().isoformat()}"
    staff = any(role in ctx.roles for role in STAFF)
    facts = [
        SignalFact(
            f"{kind.value}:{ref}:{product}", chat, product, member, kind, now, staff, color, size
        )
        for product in dict.fromkeys(product_ids)
    ]
    await signals.record(ctx.session, facts)
