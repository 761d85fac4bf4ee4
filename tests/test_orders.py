"""Orders on SQLite and PostgreSQL: Shopify and WooCommerce webhooks over real HTTP
(signatures, duplicates, refunds), order files, claims with their block, review requests,
and the "Verified buyer" label they lead to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import func, select

from bot import order_hooks
from bot.app import App, build_app, prepare
from bot.http import HttpServer
from config import Settings
from handlers.core.model import Buttons
from handlers.orders.commands import ask_reviews
from handlers.orders.service import import_file
from storage import orders, points
from storage.db import Database
from storage.identity import ensure_member
from storage.models import OrderLine, OutboxMessage, ShopOrder
from tests.support import Clock, action, command, dm, group, plain, user

SECRET = "shpss_test_secret"
WOO_SECRET = "woo secret"
SHOPPER = user("sam")


@pytest.fixture
async def app(db: Database, settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[App]:
    configured = settings.model_copy(
        update={
            "media_dir": tmp_path / "media",
            "shopify_webhook_secret": SECRET,
            "woocommerce_webhook_secret": WOO_SECRET,
        }
    )
    assembled = build_app(Settings.model_validate(configured.model_dump()), clock)
    report = await prepare(assembled, load_demo=True)
    assert report is not None and report.ok
    yield assembled
    await assembled.close()


@pytest.fixture
async def http(app: App) -> AsyncIterator[str]:
    server = HttpServer("127.0.0.1", 0, app.metrics)
    order_hooks.mount(server, app)
    await server.start()
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


def signed(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_order(ref: str | None, email: str = "sam@example.com") -> dict[str, Any]:
    return {
        "id": 820982911946154508,
        "name": "#1001",
        "order_number": 1001,
        "email": email,
        "created_at": "2026-11-20T10:00:00+01:00",
        "currency": "EUR",
        "total_price": "89.00",
        "note_attributes": [{"name": "ref", "value": ref}] if ref else [],
        "line_items": [
            {"id": 466157049, "sku": "BAG-001", "quantity": 1, "price": "89.00"},
        ],
    }


async def post(base: str, path: str, payload: Any, topic: str, signature: str | None = None) -> int:
    body = json.dumps(payload).encode()
    shopify = path == order_hooks.SHOPIFY_PATH
    headers = {
        "Content-Type": "application/json",
        ("X-Shopify-Topic" if shopify else "X-WC-Webhook-Topic"): topic,
        ("X-Shopify-Hmac-Sha256" if shopify else "X-WC-Webhook-Signature"): signature
        or signed(body, SECRET if shopify else WOO_SECRET),
    }
    async with (
        aiohttp.ClientSession() as client,
        client.post(base + path, data=body, headers=headers) as response,
    ):
        return response.status


async def count(app: App, model: Any) -> int:
    async with app.db.read() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def code_of(app: App, who: str) -> str:
    async with app.db.session() as session:
        member = await ensure_member(session, "console", who, who.title())
        return await orders.code_of(session, member.member_id)


async def balance_of(app: App, who: str) -> int:
    async with app.db.session() as session:
        member = await ensure_member(session, "console", who, who.title())
        return await points.balance(session, member.member_id)


async def published_review(app: App, who: str, stars: int) -> None:
    r = app.router.dispatch
    await r(command("review", f"BAG-001 {stars} Solid", actor=user(who)))
    queue = await r(command("queue", actor=user("olivia", admin=True), chat=group()))
    [token] = [
        b.action or ""
        for o in queue
        if isinstance(o, Buttons)
        for row in o.rows
        for b in row
        if b.label == "Approve"
    ]
    await r(action(token, actor=user("olivia", admin=True), chat=group()))


async def test_a_bad_signature_records_nothing(app: App, http: str) -> None:
    order = shopify_order(None)
    assert await post(http, order_hooks.SHOPIFY_PATH, order, "orders/create", "Zm9v") == 401
    forged = signed(json.dumps(order).encode(), "another secret")
    assert await post(http, order_hooks.SHOPIFY_PATH, order, "orders/create", forged) == 401
    assert await count(app, ShopOrder) == 0


async def test_one_order_three_times_is_recorded_once_and_verifies_its_buyer(
    app: App, http: str
) -> None:
    await published_review(app, "sam", 4)
    shown = plain(await app.router.dispatch(command("reviews", "BAG-001", actor=user("tara"))))
    assert "Verified buyer" not in shown.split("How reviews")[0]
    order = shopify_order(await code_of(app, "sam"))
    for _ in range(3):
        assert await post(http, order_hooks.SHOPIFY_PATH, order, "orders/create") == 200
    assert (await count(app, ShopOrder), await count(app, OrderLine)) == (1, 1)
    # The buyer's first purchase pays once, however often the order arrives.
    assert await balance_of(app, "sam") == 30 + 20  # and the review published above
    shown = plain(await app.router.dispatch(command("reviews", "BAG-001", actor=user("tara"))))
    assert "Sam · Verified buyer" in shown

    # A refund of the whole line: no longer a verified buyer. Delivered twice, once.
    refund = {
        "id": 509562969,
        "order_id": order["id"],
        "refund_line_items": [{"id": 1, "line_item_id": 466157049, "quantity": 1}],
    }
    for _ in range(2):
        assert await post(http, order_hooks.SHOPIFY_PATH, refund, "refunds/create") == 200
    async with app.db.read() as session:
        [line] = (await session.exec(select(OrderLine))).all()
    assert (line.quantity, line.refunded) == (1, 1)
    shown = plain(await app.router.dispatch(command("reviews", "BAG-001", actor=user("tara"))))
    assert "Verified buyer" not in shown.split("How reviews")[0]
    assert await balance_of(app, "sam") == 20  # the refunded order's points went back
    async with app.db.read() as session:
        assert await points.check(session) == []


async def test_a_refund_before_its_order_asks_the_shop_to_retry(app: App, http: str) -> None:
    refund = {"id": 7, "order_id": 99, "refund_line_items": []}
    assert await post(http, order_hooks.SHOPIFY_PATH, refund, "refunds/create") == 503


async def test_woocommerce_ping_order_and_unreadable_payload(app: App, http: str) -> None:
    async with aiohttp.ClientSession() as client:
        ping = await client.post(http + order_hooks.WOOCOMMERCE_PATH, data=b"webhook_id=12")
        assert ping.status == 200
    order = {
        "id": 727,
        "number": "727",
        "status": "processing",
        "currency": "EUR",
        "total": "45.00",
        "date_created_gmt": "2026-11-20T10:00:00",
        "billing": {"email": "Ana@Example.com"},
        "line_items": [{"id": 1, "sku": "bag-002", "quantity": 2}],  # any case
        "meta_data": [{"key": "shopbot_ref", "value": await code_of(app, "ana")}],
    }
    # Not paid yet: not a purchase. Paid (order.updated): recorded, once.
    pending = {**order, "status": "pending"}
    assert await post(http, order_hooks.WOOCOMMERCE_PATH, pending, "order.created") == 200
    assert await count(app, ShopOrder) == 0
    for _ in range(2):
        assert await post(http, order_hooks.WOOCOMMERCE_PATH, order, "order.updated") == 200
    unreadable = {"id": None, "status": "processing"}
    assert await post(http, order_hooks.WOOCOMMERCE_PATH, unreadable, "order.created") == 400
    async with app.db.read() as session:
        [stored] = (await session.exec(select(ShopOrder))).all()
    assert stored.member_id is not None and stored.email_hash and "@" not in stored.email_hash
    # Cancelled afterwards: every line refunded, so no longer a purchase.
    cancelled = {**order, "status": "cancelled"}
    assert await post(http, order_hooks.WOOCOMMERCE_PATH, cancelled, "order.updated") == 200
    async with app.db.read() as session:
        [line] = (await session.exec(select(OrderLine))).all()
    assert (line.quantity, line.refunded) == (2, 2) and line.product_id is not None


async def test_claiming_with_wrong_emails_blocks_for_an_hour(
    app: App, http: str, clock: Clock
) -> None:
    await post(http, order_hooks.SHOPIFY_PATH, shopify_order(None), "orders/create")
    r = app.router.dispatch
    in_group = await r(command("order", "1001 sam@example.com", actor=SHOPPER, chat=group()))
    assert "private chat" in plain(in_group)
    for _ in range(5):
        wrong = await r(command("order", "1001 someone@example.com", actor=SHOPPER, chat=dm("sam")))
        assert "no order with that number" in plain(wrong)
    blocked = await r(command("order", "#1001 SAM@example.com", actor=SHOPPER, chat=dm("sam")))
    assert "Too many wrong tries" in plain(blocked)
    clock.advance(hours=1, minutes=1)
    claimed = await r(command("order", "#1001 SAM@example.com", actor=SHOPPER, chat=dm("sam")))
    assert "Order #1001 is yours" in plain(claimed)
    # Someone else cannot take it over with the right e-mail.
    other = await r(command("order", "1001 sam@example.com", actor=user("eve"), chat=dm("eve")))
    assert "no order with that number" in plain(other)


async def test_an_order_file_twice_records_each_order_once(app: App, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order,email,sku,quantity,ordered_at,ref\n"
        "A-1,ana@example.com,BAG-001,1,2026-11-01,\n"
        "A-1,ana@example.com,BAG-002,2,,\n"
        "A-2,bo@example.com,JAC-001,1,2026-11-02,\n",
        encoding="utf-8",
    )
    first = await import_file(app.db, app.settings, path, app.services.clock())
    again = await import_file(app.db, app.settings, path, app.services.clock())
    assert (first.new, first.known, again.new, again.known) == (2, 0, 0, 2)
    assert await count(app, OrderLine) == 3


async def test_buyers_are_asked_for_a_review_once_after_seven_days(
    app: App, http: str, clock: Clock
) -> None:
    clock.now = clock.now.replace(year=2026, month=11, day=21)
    await post(
        http, order_hooks.SHOPIFY_PATH, shopify_order(await code_of(app, "sam")), "orders/create"
    )
    assert await ask_reviews(app.services) == 0  # placed yesterday: too soon
    clock.advance(days=7)
    assert await ask_reviews(app.services) == 1
    assert await ask_reviews(app.services) == 0  # once per order
    async with app.db.read() as session:
        [asked] = (await session.exec(select(OutboxMessage))).all()
    assert asked.key.startswith("review-request:") and asked.chat_kind == "person"
    assert "Trail Backpack 30L" in asked.payload and "whatever you think" in asked.payload
