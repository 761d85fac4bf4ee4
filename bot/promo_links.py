"""A promotion's links, `/c/<post>/<product>` on the process's HTTP server: a redirect
to the product's page, carrying the promotion (`spromo`, and UTM tags for the shop's
analytics), that counts the visit once per person per promotion.

A link button does not say who pressed it, so people are told apart by a salted hash
of their network address (from X-Forwarded-For only where the request comes through
one of our `trusted_proxies`, else anyone could be a new visitor each time) and
browser: an estimate, said so wherever clicks are shown. Link previews are fetched by
the platforms' robots, not people: those pass without counting.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Sequence

from aiohttp import web

from bot.app import App
from bot.http import HttpServer
from handlers.core.links import PROMOTION_PARAM, with_param
from storage import promotions, signals
from storage.catalog import product_by_sku
from storage.signals import Kind, SignalFact

PATH = "/c/{post}/{product}"
# Robots that fetch a link to show its preview (Telegram, Discord, Slack, WhatsApp,
# Facebook, X, LinkedIn, Skype, Viber, Apple, Google...): they never count.
PREVIEW_AGENTS = re.compile(
    r"bot\b|bot/|crawler|spider|preview|facebookexternalhit|whatsapp|skypeuripreview|"
    r"embedly|iframely|vkshare|viber|slack|discord|telegram|mastodon|bluesky",
    re.IGNORECASE,
)


def is_preview(user_agent: str) -> bool:
    return not user_agent or PREVIEW_AGENTS.search(user_agent) is not None


def mount(http: HttpServer, app: App) -> None:
    """Add the promotion-link redirect."""

    async def follow(request: web.Request) -> web.StreamResponse:
        post, index = request.match_info["post"], request.match_info["product"]
        if not (post.isdigit() and index.isdigit()) or len(post) > 12:
            raise web.HTTPNotFound()
        agent = request.headers.get("User-Agent", "")
        async with app.db.session() as session:
            found = await promotions.link_target(session, int(post))
            if found is None or int(index) >= len(found[2]):
                raise web.HTTPNotFound()
            promotion_id, chat_id, skus = found
            product = await product_by_sku(session, skus[int(index)])
            if product is None or not product.url:
                raise web.HTTPNotFound()
            if not is_preview(agent):
                salt = await promotions.visitor_salt(session)
                who = visitor(request, salt, app.services.settings.trusted_proxies)
                now = app.services.clock()
                await promotions.click(session, promotion_id, chat_id, who, now)
                if chat_id is not None:
                    key = f"click:promo:{promotion_id}:{who}:{product.id}"
                    fact = SignalFact(key, chat_id, product.id, None, Kind.CLICK, now)
                    await signals.record(session, [fact])
        target = with_param(product.url, PROMOTION_PARAM, str(promotion_id))
        for key, value in (
            ("utm_source", "shopbot"),
            ("utm_medium", "chat"),
            ("utm_campaign", f"promotion-{promotion_id}"),
        ):
            target = with_param(target, key, value)
        raise web.HTTPFound(target)

    http.add_route("GET", PATH, follow)


def visitor(request: web.Request, salt: str, trusted: Sequence[str]) -> str:
    """Who followed a link, as far as a link can tell: a salted hash of their address
    and browser, never the address itself."""
    agent = request.headers.get("User-Agent", "")
    seen = f"{salt}|{address(request, trusted)}|{agent}".encode()
    return hashlib.sha256(seen).hexdigest()[:32]


def address(request: web.Request, trusted: Sequence[str]) -> str:
    """The visitor's address: the connection's, unless it is one of our proxies
    (`trusted_proxies`); then the nearest address in X-Forwarded-For that is not one
    of them (any earlier ones are the visitor's to make up)."""
    networks = [ipaddress.ip_network(entry, strict=False) for entry in trusted]
    hops = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    found = request.remote or ""
    for hop in reversed([h for h in hops if h]):
        if not _within(found, networks):
            break
        found = hop
    return found


def _within(
    address: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
