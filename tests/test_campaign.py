"""`/campaign` on the real platform libraries against their loopback fakes: the chart
arrives as a real PNG on Telegram and on Discord, beside the figures in words; and
`shopbot promo report` writes the same numbers as CSV."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import text

from bot import promo_links
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.http import HttpServer
from config import Settings
from handlers.core.model import Card
from handlers.orders.feeds import shopify_order
from handlers.orders.service import record_orders
from handlers.promotions.delivery import END_JOB, JOB
from handlers.promotions.files import report_csv
from tests import fake_discord
from tests.fake_discord import FakeDiscord, slash
from tests.fake_telegram import BOT, FakeTelegram
from tests.fake_telegram import user as tg_user
from tests.support import Clock
from tests.test_promotions import (
    NORTH,
    WEST,
    count_is,
    decide,
    post_now,
    until,
    write,
)

ADMIN_ID = "500000000000000003"  # a Discord moderator by configuration


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        vendor_ids=["telegram:42"],
        moderator_ids=[f"discord:{ADMIN_ID}"],
        public_url="https://bot.example.com",
    )


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
async def campaign(app: App, clock: Clock) -> AsyncIterator[int]:
    """A promotion posted in a Telegram and a Discord chat, its link followed twice."""
    spec = "BAG-001 once 1d --code FLASH10 Flash sale | Today"
    number, posted = await post_now(app, clock, spec, (NORTH, WEST))
    server = HttpServer("127.0.0.1", 0, app.metrics)
    promo_links.mount(server, app)
    await server.start()
    try:
        [card] = [o for o in posted[0][2] if isinstance(o, Card)]
        path = (card.buttons[0][0].url or "").removeprefix("https://bot.example.com")
        async with aiohttp.ClientSession() as client:
            for agent in ("Firefox/133.0", "Chrome/131.0"):
                headers = {"User-Agent": f"Mozilla/5.0 {agent}"}
                url = f"http://127.0.0.1:{server.port}{path}"
                assert (await client.get(url, headers=headers, allow_redirects=False)).status == 302
    finally:
        await server.stop()
    # Two orders count: one through its link (the shop kept `spromo`), one with its
    # code; one with a longer code containing it and one with neither do not.
    base = {"created_at": clock().isoformat(), "currency": "EUR"}
    payloads = [
        {
            "id": 1,
            "total_price": "89.00",
            "note_attributes": [{"name": "spromo", "value": str(number)}],
        },
        {"id": 2, "total_price": "64.90", "discount_codes": [{"code": "flash10"}]},
        {"id": 3, "total_price": "10.00", "discount_codes": [{"code": "FLASH100"}]},
        {"id": 4, "total_price": "12.00"},
    ]
    feeds = [shopify_order({**base, **p}) for p in payloads]
    await record_orders(app.db, app.settings, feeds, clock())
    yield number


async def message_of(app: App, chat: str) -> str:
    """The message id of the post in the chat (platform chat id)."""
    query = (
        "SELECT p.message_id FROM promotion_post p JOIN chat c ON c.id = p.chat_id "
        f"WHERE c.platform_chat_id = '{chat}'"
    )
    async with app.db.read() as session:
        return str((await session.exec(text(query))).one()[0])  # type: ignore[call-overload]


def discord_settings(app: App, fake: FakeDiscord) -> Settings:
    return app.settings.model_copy(
        update={
            "discord_token": SecretStr(fake_discord.TOKEN),
            "discord_api_url": fake.api_url,
            "discord_guild_ready_timeout": 0.05,  # the fake sends its one guild at once
        }
    )


def png(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        return picture.size


async def test_the_chart_is_a_png_on_telegram(app: App, campaign: int) -> None:
    fake = FakeTelegram()
    await fake.start()
    vera = tg_user(42, "Vera", "vera")
    fake.add_private(42)
    settings = app.settings.model_copy(
        update={
            "telegram_token": SecretStr(fake.token),
            "telegram_api_url": fake.base_url,
            "telegram_file_url": fake.file_url,
        }
    )
    adapter = TelegramAdapter(settings, app.router)
    await adapter.start()
    try:
        # Telegram tells an admin bot a message's reactions, anonymously, as totals.
        fake.add_group(int(NORTH.id), "North", admins={BOT["id"]})
        counted = {
            "chat": fake.chats[int(NORTH.id)].as_dict(),
            "message_id": int(await message_of(app, NORTH.id)),
            "date": 1_780_000_000,
            "reactions": [
                {"type": {"type": "emoji", "emoji": "👍"}, "total_count": 2},
                {"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 1},
            ],
        }
        fake.push({"message_reaction_count": counted})
        counted["reactions"] = [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 3}]
        last = fake.push({"message_reaction_count": counted})  # the latest total counts
        await fake.wait_for(lambda: fake.confirmed > last)
        fake.push_message(42, vera, "/campaign")
        [photo] = await fake.wait_for(lambda: fake.sent(42, "sendPhoto"))
        [(_, data)] = photo.params["_uploads"]
        assert png(data) == (800, 420)
        [words] = await fake.wait_for(lambda: fake.sent(42, "sendMessage"))
        said = words.result["text"]
        assert "2 posts delivered" in said and "2 people followed a link" in said
        assert "2 orders carried its link or code" in said
        assert "North: 1 post delivered, 2 people followed a link, 3 reactions" in said
        assert "Ordered for €153.90, before refunds." in said
        assert "estimated" in said and "exact" in said
    finally:
        await adapter.stop()
        await fake.stop()


async def test_the_chart_is_a_png_on_discord(app: App, campaign: int) -> None:
    fake = FakeDiscord()
    await fake.start()
    settings = discord_settings(app, fake)
    adapter = DiscordAdapter(settings, app.router, app.state)
    await adapter.start()
    try:
        message = await message_of(app, WEST.id)
        for who, added in (
            ("600", True),
            ("600", True),
            ("601", True),
            ("602", True),
            ("602", False),
        ):
            reaction = {
                "user_id": who,
                "channel_id": WEST.id,
                "message_id": message,
                "guild_id": fake_discord.GUILD_ID,
                "emoji": {"id": None, "name": "🔥"},
                "message_author_id": fake_discord.BOT_ID,
                "burst": False,
                "type": 0,
            }
            kind = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
            await fake.dispatch(kind, reaction)
            await asyncio.sleep(0.1)  # each handled before the next (the fake does not wait)
        reacted = f"SELECT reactions FROM promotion_post WHERE message_id = '{message}'"
        await until(lambda: count_is(app, reacted, 2))
        asked = slash("campaign", who=fake_discord.user(ADMIN_ID, "Admin"), number=campaign)
        await fake.dispatch("INTERACTION_CREATE", asked)

        found = await fake.wait_for(
            lambda: [c for c in fake.calls if c.status < 300 and c.body.get("_file_bytes")]
        )
        [data] = found[0].body["_file_bytes"]
        assert png(data) == (800, 420)
        assert found[0].body["_files"] == [f"campaign-{campaign}.png"]
        words = await fake.wait_for(
            lambda: [c for c in fake.calls if "people followed a link" in str(c.body)]
        )
        assert "2 posts delivered" in str(words[0].body)
        assert "west: 1 post delivered, 0 people followed a link, 2 reactions" in str(words[0].body)
    finally:
        await adapter.stop()
        await fake.stop()


async def test_the_report_is_csv_per_day_and_chat(app: App, campaign: int, clock: Clock) -> None:
    found = await report_csv(app.db, campaign)
    day = clock().date().isoformat()
    assert found.splitlines() == [
        "day,chat,posts_delivered_exact,people_followed_link_estimated,shares_exact,"
        "arrivals_exact,orders_exact,ordered_total_exact",
        f"{day},North,1,2,0,,,",
        f"{day},west,1,0,0,,,",
        f"{day},(shop),,,,,2,153.90 EUR",
    ]


async def test_a_pinned_promotion_on_discord_is_pinned_then_unpinned_when_it_ends(
    app: App, clock: Clock
) -> None:
    fake = FakeDiscord()
    await fake.start()
    settings = discord_settings(app, fake)
    adapter = DiscordAdapter(settings, app.router, app.state, outbox=app.outbox)
    await adapter.start()
    try:
        start = (clock() + timedelta(minutes=1)).isoformat()
        await write(app, f"BAG-001 {start} 1d 3d --pin Pinned sale | Up top", chats=(WEST,))
        await decide(app, WEST)
        await app.start_background()
        clock.now = clock() + timedelta(minutes=2)
        app.jobs.wake(JOB)
        [pin] = await fake.wait_for(lambda: fake.sent("PUT", "/pins/"))
        message = pin.path.rsplit("/", 1)[1]
        assert "Pinned sale" in str(fake.messages[message])
        clock.now = clock() + timedelta(days=4)
        app.jobs.wake(END_JOB)
        await fake.wait_for(lambda: fake.sent("DELETE", f"/pins/{message}"))
        assert "This promotion has ended." in str(fake.messages[message])
    finally:
        await adapter.stop()
        await fake.stop()
