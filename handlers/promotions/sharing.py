"""A promotion's Share button: the presser's own share links for its first product,
sent privately and made from the promotion, so the friends they bring and what those
buy count for it (and pay the sharer, as any share link does). Counted once per member."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.links import share_links
from handlers.core.model import ChatKind, Direct, Ephemeral, Out, Span, Text, bold
from storage import orders, promotions
from storage.catalog import product_by_sku


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
    await promotions.share(ctx.session, promotion_id, ctx.member.member_id, ctx.now())
    heading = ctx.rich(N_("Your links to share {product}:"), product=bold(found.plan.title))
    parts: list[str | Span] = list(heading.spans)
    if made.telegram:
        parts += ["\n", ctx.t(N_("In Telegram:")), f" {made.telegram}"]
    if made.web:
        parts += ["\n", ctx.t(N_("On the web:")), f" {made.web}"]
    parts += [
        "\n\n",
        ctx.t(
            N_(
                "A friend who opens your Telegram link and is new here earns you points, "
                "and so does a purchase through either link (for both of you). On Discord "
                "only purchases count: Discord does not allow rewards for invitations."
            )
        ),
    ]
    message = Text.of(*parts)
    if ctx.event.chat.kind is ChatKind.DM:
        return [message]
    return [Direct(message), Ephemeral(Text.of(ctx.t(N_("I've written to you privately."))))]
