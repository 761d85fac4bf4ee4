"""The web share link, `/s/<code>/<product id>` on the process's HTTP server: a
redirect to the product's page in the shop with the sharer's code as `sref`, which the
shop keeps on the order (Shopify cart attributes, WooCommerce order attribution), so a
purchase through it pays the sharer and the buyer. The redirect itself pays nobody."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from bot.app import App
from bot.http import HttpServer
from handlers.orders.feeds import SHARER_CODE_KEYS
from storage import orders
from storage.catalog import products_by_ids

PATH = "/s/{code}/{product}"


def mount(http: HttpServer, app: App) -> None:
    """Add the share-link redirect."""

    async def follow(request: web.Request) -> web.StreamResponse:
        code, product = request.match_info["code"], request.match_info["product"]
        if not product.isdigit() or len(code) > 16:
            raise web.HTTPNotFound()
        async with app.db.read() as session:
            found = await products_by_ids(session, [int(product)])
            sharer = await orders.member_by_code(session, code)
        if not found or not found[0].url or sharer is None:
            raise web.HTTPNotFound()
        raise web.HTTPFound(_with_sharer(found[0].url, code.upper()))

    http.add_route("GET", PATH, follow)


def _with_sharer(url: str, code: str) -> str:
    parts = urlsplit(url)
    key = SHARER_CODE_KEYS[-1]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return urlunsplit(parts._replace(query=urlencode([*query, (key, code)])))
