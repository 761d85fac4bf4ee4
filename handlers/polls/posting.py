"""Creating a poll from a checked draft: one line or a guided conversation end here."""

from __future__ import annotations

from handlers.core.chats import chat_ref
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Ephemeral, Out, Poll, PollOption, ToChat, bold
from handlers.polls.buttons import as_buttons
from handlers.polls.closing import CLOSE_JOB
from handlers.polls.spec import PollDraft
from storage import catalog, linking, numbering, polls

POLL = "poll"  # what polls are numbered as (storage/numbering.py)


async def post_poll(ctx: Context, draft: PollDraft) -> list[Out]:
    """Create the poll, post it here and (with --everywhere) queue it for the linked
    chats, and schedule its closing."""
    options: list[tuple[str, int | None]] = []
    images: list[str | None] = []
    for option in draft.options:
        product_id, image, text = None, None, option.text
        if option.sku is not None:
            found = await catalog.product_by_sku(ctx.session, option.sku)
            if found is None:
                raise UserError(N_("There is no product with SKU {sku}."), sku=option.sku)
            product_id = await catalog.product_id(ctx.session, option.sku)
            image, text = found.image_url, option.text or found.name[:100]
        options.append((text, product_id))
        images.append(image)
    here = await linking.chat(ctx.session, ctx.chat_id)
    chats = [here]
    if draft.everywhere:
        if here.community_id is None:
            raise UserError(
                N_(
                    "This chat is not linked to other chats: use /link first, or "
                    "leave out --everywhere."
                )
            )
        chats = await linking.community_chats(ctx.session, here.community_id)
    view = await polls.create(
        ctx.session,
        number=await numbering.next_number(ctx.session, POLL, numbering.scope_of(here)),
        chat_id=ctx.chat_id,
        community_id=here.community_id if draft.everywhere else None,
        created_by=ctx.member.member_id,
        question=draft.question,
        multiple=draft.multiple,
        hide_results=draft.hidden,
        closes_at=draft.closes_at,
        created_at=ctx.now(),
        options=options,
    )
    for chat in chats:
        await polls.add_post(ctx.session, view.id, chat.id, chat.platform)
    ctx.wake(CLOSE_JOB, draft.closes_at)
    out = Poll(
        str(view.id),
        draft.question,
        tuple(PollOption(text, image) for (text, _), image in zip(options, images, strict=True)),
        draft.multiple,
        draft.closes_at,
        fallback=as_buttons(str(view.id), draft.question, [text for text, _ in options]),
    )
    elsewhere = [ToChat(chat_ref(chat), out) for chat in chats if chat.id != ctx.chat_id]
    runs = Nn_(
        "Poll {number} runs until {deadline} in {n} chat.",
        "Poll {number} runs until {deadline} in {n} chats.",
    )
    note = ctx.rich_n(
        runs,
        len(chats),
        number=bold(f"#{view.poll.number}"),
        deadline=ctx.i18n.moment(draft.closes_at),
    )
    return [out, *elsewhere, Ephemeral(note)]
