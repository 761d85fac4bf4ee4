"""The Buy button's cart link, `/b/<chat>/<item>?ref=<code>` on the process's HTTP
server: a redirect to the shop's cart filled with the chosen variant (`cart_url`, else
the product's page), carrying the buyer's code as `ref`, that counts a click on the
product for the chat the Buy was pressed in (a `click` signal), once per visitor.

As with promotion links (bot/promo_links.py), a link does not say who opens it: the
visitor is a salted hash of network address and browser, never kept in the clear, and
the platforms' preview robots pass without counting. Only a link the bot made counts
(`k`, an HMAC of the chat and item with the installation's secret salt), so nobody can
count clicks for a chat or product by typing a path. The target is made from the
catalog and the settings alone, so the path cannot send anyone elsewhere.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from bot.app import App
from bot.http import HttpServer
from bot.promo_links import is_preview, visitor
from handlers.products.cards import with_code
from handlers.products.checkout import SIGNATURE_PARAM, chosen, destination, parse_item, sign
from storage import orders, promotions, signals
from storage.catalog import product_by_id
from storage.models import Chat
from storage.signals import Kind, SignalFact

PATH = "/b/{chat}/{item}"
MAX_CODE = 16


def mount(http: HttpServer, app: App) -> None:
    """Add the cart-link redirect."""

    async def follow(request: web.Request) -> web.StreamResponse:
        chat, item = request.match_info["chat"], parse_item(request.match_info["item"])
        if not (chat.isascii() and chat.isdigit()) or len(chat) > 9 or item is None:
            raise web.HTTPNotFound()
        code = request.query.get("ref", "").strip().upper()
        signature = request.query.get(SIGNATURE_PARAM, "")
        agent = request.headers.get("User-Agent", "")
        async with app.db.session() as session:
            product = await product_by_id(session, item.product_id)
            try:
                variant = chosen(product, item) if product is not None else None
            except LookupError:  # the catalog changed since the link was made
                product = None
            target = None
            if product is not None:
                target = destination(app.services.settings.cart_url, product, variant)
            if product is None or target is None:
                raise web.HTTPNotFound()
            if code and (
                len(code) > MAX_CODE or await orders.member_by_code(session, code) is None
            ):
                code = ""  # a code nobody has names no buyer
            salt = await promotions.visitor_salt(session)
            made = hmac.compare_digest(signature, sign(salt, chat, request.match_info["item"]))
            if made and not is_preview(agent) and await session.get(Chat, int(chat)) is not None:
                who = visitor(request, salt, app.services.settings.trusted_proxies)
                fact = SignalFact(
                    key=f"click:cart:{chat}:{product.id}:{who}",
                    chat_id=int(chat),
                    product_id=product.id,
                    member_id=None,
                    kind=Kind.CLICK,
                    at=app.services.clock(),
                )
                await signals.record(session, [fact])
        raise web.HTTPFound(with_code(target, code or None))

    http.add_route("GET", PATH, follow)
