"""Shops' order webhooks on the process's HTTP server.

POST /orders/shopify (Shopify `orders/create`, `orders/updated`, `orders/cancelled`,
`refunds/create`, as Shopify sends them) and POST /orders/woocommerce (`order.created`,
`order.updated`; an order counts once paid, and a cancelled one is a full refund).
Each request's signature, base64(HMAC-SHA256(secret, body)), is checked in constant time
before anything is read: a bad one gets 401 and records nothing. A route exists only
when its secret is set. Answers: 200 once stored (a second delivery of the same order
changes nothing), 400 for a payload that cannot be read (retrying will not help), 503
when the database is away or a refund's order has not arrived yet (the shop retries).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.app import App
from bot.http import Handler, HttpServer
from handlers.orders import feeds
from handlers.orders.commands import ASK_JOB
from handlers.orders.service import record_orders, record_refunds

log = logging.getLogger(__name__)
SHOPIFY_PATH = "/orders/shopify"
WOOCOMMERCE_PATH = "/orders/woocommerce"


def mount(http: HttpServer, app: App) -> None:
    """Add the routes whose secrets are configured."""
    settings = app.settings
    if settings.shopify_webhook_secret is not None:
        secret = settings.shopify_webhook_secret.get_secret_value()
        http.add_route("POST", SHOPIFY_PATH, _receiver(app, secret, _shopify))
    if settings.woocommerce_webhook_secret is not None:
        secret = settings.woocommerce_webhook_secret.get_secret_value()
        http.add_route("POST", WOOCOMMERCE_PATH, _receiver(app, secret, _woocommerce))


# Stores one delivery: (app, topic, payload).
Store = Callable[[App, str, dict[str, Any]], Awaitable[None]]


def _receiver(app: App, secret: str, store: Store) -> Handler:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        shop = "shopify" if request.path == SHOPIFY_PATH else "woocommerce"
        if shop == "woocommerce" and feeds.woocommerce_ping(body) is not None:
            return web.Response(text="ok\n")  # WooCommerce's unsigned hello at set-up
        header = "X-Shopify-Hmac-Sha256" if shop == "shopify" else "X-WC-Webhook-Signature"
        if not feeds.signature_ok(body, request.headers.get(header), secret):
            log.warning("%s webhook: bad signature from %s; ignored", shop, request.remote)
            return web.Response(status=401, text="bad signature\n")
        topic_header = "X-Shopify-Topic" if shop == "shopify" else "X-WC-Webhook-Topic"
        topic = request.headers.get(topic_header, "")
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise feeds.FeedError("not a JSON object")
            await store(app, topic, payload)
        except (ValueError, feeds.FeedError) as error:  # json's errors are ValueErrors
            log.warning("%s webhook %s: unreadable payload: %s", shop, topic, error)
            return web.Response(status=400, text="unreadable payload\n")
        except LookupError as missing:
            log.info("%s webhook: %s not on record yet; the shop will retry", shop, missing)
            return web.Response(status=503, text="order not on record yet\n")
        except Exception:
            log.exception("%s webhook %s: could not store it", shop, topic)
            return web.Response(status=503, text="try again later\n")
        return web.Response(text="ok\n")

    return receive


async def _shopify(app: App, topic: str, payload: dict[str, Any]) -> None:
    now = app.services.clock()
    if topic in ("orders/create", "orders/updated", "orders/paid", "orders/cancelled"):
        outcome = await record_orders(app.db, app.settings, [feeds.shopify_order(payload)], now)
        if outcome.with_buyer:
            app.jobs.wake(ASK_JOB)
        cancelled = feeds.shopify_cancellation(payload)
        if cancelled is not None:  # not bought after all: no longer a verified buyer
            await record_refunds(app.db, [cancelled], now)
    elif topic == "refunds/create":
        await record_refunds(app.db, [feeds.shopify_refund(payload)], now)
    else:
        log.info("shopify webhook: topic %r is not one we use; ignored", topic)


async def _woocommerce(app: App, topic: str, payload: dict[str, Any]) -> None:
    now = app.services.clock()
    if topic not in ("order.created", "order.updated"):
        log.info("woocommerce webhook: topic %r is not one we use; ignored", topic)
        return
    if not feeds.woocommerce_placed(payload):
        log.info("woocommerce webhook: order %s not paid yet; not recorded", payload.get("id"))
        return
    outcome = await record_orders(app.db, app.settings, [feeds.woocommerce_order(payload)], now)
    if outcome.with_buyer:
        app.jobs.wake(ASK_JOB)
    await record_refunds(app.db, feeds.woocommerce_refunds(payload), now)
