"""A promotion's Share button: the presser's own share links for its first product,
sent privately and made from the promotion, so the friends they bring and what those
buy count for it (and pay the sharer, as any share link does). Counted once per member."""

from __future__ import annotations

from handlers.core import signals
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.links import share_links
from handlers.core.model import ChatKind, Out
from handlers.core.sharing import share_message
from storage import orders, promotions
from storage.catalog import product_by_sku
from storage.signals import Kind


async def links(ctx: Context, promotion_id: int) -> list[Out]:
    found = await promotions.promotion(ctx.session, promotion_id)
    if found is None or found.status != promotions.RUNNING or not found.plan.skus:
        raise UserError(N_("This promotion has ended."))
    product = await product_by_sku(ctx.session, found.plan.skus[0])
    if product is None:
        raise UserError(N_("That product is no longer in the catalog."))
    code = await orders.code_of(ctx.session, ctx.member.member_id)
    made = share_links(
        ctx.services.settings, ctx.services.bot_links, code, product.id, promotion_id
    )
    if not made.telegram and not made.web:
        raise UserError(N_("Share links are not set up here yet."))
    where = None if ctx.event.chat.kind is ChatKind.DM else ctx.chat_id
    await signals.note(ctx, Kind.SHARE, [product.id])
    await promotions.share(ctx.session, promotion_id, ctx.member.member_id, where, ctx.now())
    return share_message(ctx, found.plan.title, made)
