"""Points for published reviews, wherever they are published (a moderator's Approve,
or at once in a community that publishes every review)."""

from __future__ import annotations

from handlers.core import earning
from handlers.core.context import Context
from storage import reviews, signals
from storage.signals import Kind, SignalFact


async def reward(
    ctx: Context,
    review_id: int,
    product_id: int,
    member_id: int,
    photos: bool,
    chat_id: int | None,
    staff: bool,
) -> None:
    """A published review earns its author points (never by its rating), by the rules
    of the community it was written in (`chat_id`), and says so; it is a signal for the
    product there (by the author: the moderator who approved it only let it through;
    a review written as staff does not rank)."""
    settings, now = ctx.services.settings, ctx.now()
    if chat_id is not None:
        fact = SignalFact(
            f"review:{review_id}", chat_id, product_id, member_id, Kind.REVIEW, now, staff
        )
        await signals.record(ctx.session, [fact])
    scope = await earning.community_of(ctx.session, chat_id)
    await earning.for_review(ctx.session, settings, member_id, review_id, photos, now, scope)
    await reviews.mark_rewarded(ctx.session, review_id)
