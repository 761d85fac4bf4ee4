"""Share links on SQLite and PostgreSQL: links sent privately, a verified arrival once
(not the sharer, not staff, not twice, never a Discord join), the web link's redirect,
and a referred Shopify order paying both sides once, then refunded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import order_hooks, share_links
from bot.app import App, build_app, prepare
from bot.http import HttpServer
from config import Settings
from handlers.core.actions import SHARE, encode
from handlers.core.earning import DISCORD_EPOCH_MS
from handlers.core.model import ChatKind, ChatRef, Direct, Event, EventKind, UserRef
from handlers.orders.feeds import OrderFeed
from handlers.orders.feeds import OrderLine as FeedLine
from handlers.orders.service import record_orders
from storage import orders, points
from storage.catalog import product_by_sku
from storage.db import Database
from storage.identity import ensure_member
from tests.support import Clock, action, command, group, plain

SECRET = "shpss_share"
SAM = UserRef("telegram", "100", "Sam", "sam", "en")


@pytest.fixture
async def app(db: Database, settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[App]:
    configured = settings.model_copy(
        update={
            "media_dir": tmp_path / "media",
            "public_url": "https://bot.example.com",
            "shopify_webhook_secret": SECRET,
            "moderator_ids": ["telegram:900"],
        }
    )
    assembled = build_app(Settings.model_validate(configured.model_dump()), clock)
    assembled.services.bot_links["telegram"] = "https://t.me/shopbot_test_bot"
    await prepare(assembled, load_demo=True)
    yield assembled
    await assembled.close()


@pytest.fixture
async def http(app: App) -> AsyncIterator[str]:
    server = HttpServer("127.0.0.1", 0, app.metrics)
    order_hooks.mount(server, app)
    share_links.mount(server, app)
    await server.start()
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


async def balance(app: App, who: UserRef) -> int:
    async with app.db.session() as session:
        member = await ensure_member(session, who.platform, who.id, who.display_name)
        return await points.balance(session, member.member_id)


async def code_of(app: App, who: UserRef) -> str:
    async with app.db.session() as session:
        member = await ensure_member(session, who.platform, who.id, who.display_name)
        return await orders.code_of(session, member.member_id)


def opens(who: UserRef, payload: str) -> Event:
    chat = ChatRef(who.platform, who.id, ChatKind.DM)
    return Event(
        who.platform,
        f"start-{who.id}-{payload}",
        EventKind.COMMAND,
        who,
        chat,
        command="start",
        args=payload,
    )


async def product_id(app: App) -> int:
    async with app.db.read() as session:
        found = await product_by_sku(session, "BAG-001")
    assert found is not None
    return found.id


async def test_links_go_privately_and_an_arrival_pays_once(app: App) -> None:
    pid = await product_id(app)
    pressed = await app.router.dispatch(action(encode(SHARE, str(pid)), actor=SAM, chat=group()))
    [direct] = [o for o in pressed if isinstance(o, Direct)]
    text = plain([direct.content])
    code = await code_of(app, SAM)
    assert f"https://t.me/shopbot_test_bot?start=s-{code}-{pid}" in text
    assert f"https://bot.example.com/s/{code}/{pid}" in text
    assert "Discord does not allow rewards for invitations" in text

    link = f"s-{code}-{pid}"
    friend = UserRef("telegram", "101", "Fran", "fran", "en")
    shown = await app.router.dispatch(opens(friend, link))
    assert "A friend shared Trail Backpack 30L with you." in plain(shown)
    assert await balance(app, SAM) == 15
    again = UserRef("telegram", "101", "Fran", "fran", "en")
    await app.router.dispatch(Event(**{**opens(again, link).__dict__, "event_id": "again"}))
    moderator = UserRef("telegram", "900", "Mod", "mod", "en")  # new, but staff
    await app.router.dispatch(opens(moderator, link))
    own = await app.router.dispatch(opens(SAM, link))  # the sharer's own account
    assert "A friend shared" in plain(own)
    # A Discord join is never rewarded (Discord's Platform Manipulation Policy).
    joiner = UserRef("discord", "555", "Joy", "joy", "en")
    join = Event(
        "discord",
        "join-1",
        EventKind.JOIN,
        joiner,
        ChatRef("discord", "7", ChatKind.GROUP, guild_id="9"),
    )
    await app.router.dispatch(join)
    assert await balance(app, SAM) == 15
    bad = await app.router.dispatch(opens(UserRef("telegram", "102", "X", None, "en"), "s-NOPE-1"))
    assert "no longer works" in plain(bad)
    async with app.db.read() as session:
        assert await points.check(session) == []


async def test_the_web_link_redirects_with_the_sharers_code(app: App, http: str) -> None:
    pid, code = await product_id(app), await code_of(app, SAM)
    async with aiohttp.ClientSession() as client:
        found = await client.get(f"{http}/s/{code}/{pid}", allow_redirects=False)
        assert found.status == 302
        assert found.headers["Location"] == f"https://shop.example.com/p/bag-001?sref={code}"
        # Made from a promotion's post: the shop learns that too (its orders count for it).
        found = await client.get(f"{http}/s/{code}/{pid}?p=12", allow_redirects=False)
        assert found.headers["Location"].endswith(f"?sref={code}&spromo=12")
        assert (await client.get(f"{http}/s/NOPE/{pid}", allow_redirects=False)).status == 404
        assert (await client.get(f"{http}/s/{code}/99999", allow_redirects=False)).status == 404
    assert await balance(app, SAM) == 0  # a click pays nobody


async def test_a_referred_order_pays_both_once_and_a_refund_takes_it_back(
    app: App, http: str
) -> None:
    buyer = UserRef("telegram", "200", "Bea", "bea", "en")
    order = {
        "id": 5551,
        "name": "#2001",
        "email": "bea@example.com",
        "created_at": "2026-11-20T10:00:00Z",
        "note_attributes": [
            {"name": "ref", "value": await code_of(app, buyer)},
            {"name": "sref", "value": await code_of(app, SAM)},
        ],
        "line_items": [{"id": 1, "sku": "BAG-001", "quantity": 1}],
    }

    async def deliver(payload: dict[str, object], topic: str) -> int:
        body = json.dumps(payload).encode()
        sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        headers = {"X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": sig}
        async with aiohttp.ClientSession() as client:
            reply = await client.post(
                f"{http}{order_hooks.SHOPIFY_PATH}", data=body, headers=headers
            )
            return reply.status

    for _ in range(3):
        assert await deliver(order, "orders/create") == 200
    assert await balance(app, SAM) == 50  # the sharer
    assert await balance(app, buyer) == 25 + 30  # referred, and a first purchase
    refund = {"id": 9, "order_id": 5551, "refund_line_items": [{"line_item_id": 1, "quantity": 1}]}
    assert await deliver(refund, "refunds/create") == 200
    assert (await balance(app, SAM), await balance(app, buyer)) == (0, 0)
    async with app.db.read() as session:
        assert await points.check(session) == []
    mine = plain(
        await app.router.dispatch(
            command("points", actor=SAM, chat=ChatRef("telegram", "100", ChatKind.DM))
        )
    )
    assert "a purchase through your link" in mine and "refunded order" in mine


def discord_id(made: datetime) -> str:
    """A Discord user id whose snowflake says the account was made at `made`."""
    return str((int(made.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22)


async def test_a_fresh_discord_buyer_makes_no_referral_pay(app: App, clock: Clock) -> None:
    fresh = UserRef("discord", discord_id(clock() - timedelta(days=1)), "New", None, "en")
    seasoned = UserRef("discord", discord_id(clock() - timedelta(days=400)), "Old", None, "en")
    sharer_code = await code_of(app, SAM)
    for n, buyer in enumerate((fresh, seasoned)):
        feed = OrderFeed(
            source="file",
            external_id=f"D-{n}",
            number=f"D-{n}",
            email=None,
            member_code=await code_of(app, buyer),
            ordered_at=clock(),
            currency=None,
            total_minor=None,
            lines=(FeedLine("1", "BAG-001", 1),),
            referrer_code=sharer_code,
        )
        await record_orders(app.db, app.settings, [feed], clock())
    assert await balance(app, fresh) == 30  # a first purchase only
    assert await balance(app, seasoned) == 30 + 25
    assert await balance(app, SAM) == 50  # for the seasoned buyer's order alone
