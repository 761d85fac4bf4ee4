"""The web share link, `/s/<code>/<product id>` on the process's HTTP server: a
redirect to the product's page in the shop with the sharer's code as `sref`, which the
shop keeps on the order (Shopify cart attributes, WooCommerce order attribution), so a
purchase through it pays the sharer and the buyer. The redirect itself pays nobody."""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from bot.http import HttpServer
from handlers.core.links import PROMOTION_PARAM, SHARE_PROMOTION, with_param
from handlers.orders.feeds import SHARER_CODE_KEYS
from storage import orders
from storage.catalog import product_by_id

PATH = "/s/{code}/{product}"


def mount(http: HttpServer, app: App) -> None:
    """Add the share-link redirect."""

    async def follow(request: web.Request) -> web.StreamResponse:
        code, product = request.match_info["code"], request.match_info["product"]
        if not product.isdigit() or len(code) > 16:
            raise web.HTTPNotFound()
        async with app.db.read() as session:
            found = await product_by_id(session, int(product))
            sharer = await orders.member_by_code(session, code)
        if found is None or not found.url or sharer is None:
            raise web.HTTPNotFound()
        target = with_param(found.url, SHARER_CODE_KEYS[-1], code.upper())
        promotion = request.query.get(SHARE_PROMOTION, "")
        if promotion.isdigit() and len(promotion) <= 9:  # made from a promotion's post
            target = with_param(target, PROMOTION_PARAM, promotion)
        raise web.HTTPFound(target)

    http.add_route("GET", PATH, follow)
