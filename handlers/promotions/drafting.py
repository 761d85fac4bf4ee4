"""A written promotion, however it was written (one line, step by step), stored as a
draft and shown to its vendor as it will look, with Submit and Discard."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.actions import encode
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Button, Buttons, ChatKind, Out, Text
from handlers.promotions import creating, plans
from handlers.promotions.posts import post
from storage import promotions
from storage import vendors as vendor_store
from storage.identity import ChatRecord

SUBMIT, DROP = "psub", "pdrop"
SHOWN_CHATS = 10


async def drafted(ctx: Context, draft: plans.Draft) -> list[Out]:
    """Check and store the draft; the preview and the choice to submit it."""
    found = await seller(ctx)
    here = None if ctx.event.chat.kind is ChatKind.DM else ctx.chat_id
    made = await creating.create(
        ctx.session,
        found,
        draft,
        ctx.member.member_id,
        here,
        ctx.now(),
        promotions.DRAFT,
        ctx.i18n,
    )
    preview = post(draft.plan, found.name, made.products, ctx.i18n)
    when = plans.occurrences(draft.plan)
    summary = ctx.rich_n(
        Nn_(
            "This is how it will look. It is posted {n} time, from {start}, in {chats}.",
            "This is how it will look. It is posted {n} times, from {start}, in {chats}.",
        ),
        len(when),
        start=ctx.i18n.moment(when[0]),
        chats=chat_names(made.approved + made.waiting),
    )
    if made.waiting:
        summary += Text.of(
            "\n" + ctx.t(N_("Moderators approve it first where they have not trusted you."))
        )
    choice = (
        Button(ctx.t(N_("Submit")), encode(SUBMIT, str(made.promotion_id))),
        Button(ctx.t(N_("Discard")), encode(DROP, str(made.promotion_id))),
    )
    return [*preview, Buttons(summary, (choice,))]


async def seller(ctx: Context) -> vendor_store.VendorRecord:
    """The acting vendor; one configured in `vendor_ids` is made one everywhere."""
    member = ctx.member.member_id
    found = await vendor_store.vendor_of(ctx.session, member)
    actor = ctx.event.actor
    if f"{actor.platform}:{actor.id}" in ctx.services.settings.vendor_ids:
        found = found or await vendor_store.become(ctx.session, member, ctx.member.display_name)
        await vendor_store.grant(
            ctx.session, vendor_store.EVERYWHERE, found.id, False, None, ctx.now()
        )
    if found is None:
        raise UserError(N_("Only vendors can do that."))
    return found


def chat_names(chats: Sequence[ChatRecord]) -> str:
    names = [c.title or c.platform_chat_id for c in chats]
    more = "…" if len(names) > SHOWN_CHATS else ""
    return ", ".join(names[:SHOWN_CHATS]) + more
