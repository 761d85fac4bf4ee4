"""Inline mode (Telegram): `@<bot> backpack` typed in any chat offers the matching
products as cards to send there. Each card's links carry the sender's code: "Open in
the bot" is their share deep link (a newcomer who opens it is their arrival) and "Buy"
their web share link (a purchase pays both), or the shop page with their code as the
sharer where no public URL is set. A card sent this way sits in a chat the bot may not
be in, so it has links only, no action buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from handlers.core.context import Context
from handlers.core.i18n import N_
from handlers.core.links import SHARER_PARAM, share_links, with_param
from handlers.core.model import Button, Offer, Offers, Out
from handlers.products.cards import product_card
from handlers.products.finder import ask
from storage import orders
from storage.catalog import ProductRecord

RESULTS = 20


async def offers(ctx: Context, words: str) -> Sequence[Out]:
    """Products matching the words (or, for none, the closest), as cards to send."""
    words = words.strip()
    if not words:
        return [Offers((), hint=ctx.t(N_("Type a product name after my name")))]
    answer = await ask(ctx, words, RESULTS)
    found = answer.matches or answer.suggestions
    if not found:
        return [Offers((), hint=ctx.t(N_("Nothing matching: try other words")))]
    code = await orders.code_of(ctx.session, ctx.member.member_id)
    return [Offers(tuple(_offer(ctx, product, code) for product in found))]


def _offer(ctx: Context, product: ProductRecord, code: str) -> Offer:
    card = product_card(product, ctx.i18n)
    links = share_links(ctx.services.settings, ctx.services.bot_links, code, product.id)
    buttons: list[Button] = []
    if product.url:
        shop = links.web or with_param(product.url, SHARER_PARAM, code)
        buttons.append(Button(ctx.t(N_("Buy")), url=shop))
    if links.telegram:
        buttons.append(Button(ctx.t(N_("Open in the bot")), url=links.telegram))
    price = ctx.i18n.price(product.price_minor, product.currency)
    sent = replace(card, buttons=(tuple(buttons),) if buttons else ())
    return Offer(str(product.id), sent, description=f"{price} · {product.sku}")
