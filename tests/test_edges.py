"""Edge cases at the level where each happens: the question parser through the router,
Telegram entities in UTF-16, catalog markdown in Discord embeds, the admin cache bound."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update

from bot.adapters.discord.send import card_embed, messages
from bot.adapters.telegram.admins import AdminCache
from bot.adapters.telegram.convert import Converter
from bot.app import App
from handlers.core.model import Card, CardField, EventKind, Text
from tests.fake_telegram import BOT, TOKEN, FakeTelegram, units, user
from tests.support import command, plain, skus, text

APOLOGY = "Sorry, something went wrong"

# --- 1. non-finite numbers are not prices ----------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "backpack under nan EUR",
        "backpack under NaN",
        "backpack for € nan",
        "backpack 80 nan",
        "backpack under inf EUR",
        "backpack under -infinity",
    ],
)
async def test_non_finite_numbers_are_words_not_prices(app: App, question: str) -> None:
    reply = await app.router.dispatch(text(question))
    assert APOLOGY not in plain(reply)
    assert "BAG-001" in skus(reply)  # still a search for the backpack


@pytest.mark.parametrize("words", ["NaN", "sNaN", "inf", "-Infinity", "nan EUR", "under nan"])
async def test_search_for_a_non_finite_number_is_answered(app: App, words: str) -> None:
    reply = await app.router.dispatch(command("search", words))
    assert reply and APOLOGY not in plain(reply)


# --- 2. Telegram entity offsets are UTF-16 code units -----------------------------------

GROUP = -100555
SHOPPER = user(5101, "Sam", "sam")
MENTION = "@" + str(BOT["username"])
_update_ids = itertools.count(1)


async def not_admin(chat_id: int, user_id: int) -> bool:
    return False


def converter() -> Converter:
    return Converter(int(BOT["id"]), str(BOT["username"]), not_admin)


def group_update(fake: FakeTelegram, body: str) -> Update:
    """A group message as Telegram sends it, entities in UTF-16 units (the fake's)."""
    update_id = fake.push_message(GROUP, SHOPPER, body)
    message = next(reversed(fake.messages.values()))
    return Update.de_json({"update_id": update_id, "message": message}, Bot(TOKEN))


@pytest.fixture
def fake_group() -> FakeTelegram:
    fake = FakeTelegram()
    fake.add_group(GROUP, "Shop talk")
    return fake


@pytest.mark.parametrize("prefix", ["😀 ", "🎒🎒 hey ", "𝐇𝐢 ", ""])
async def test_mention_after_astral_characters_addresses_the_bot(
    fake_group: FakeTelegram, prefix: str
) -> None:
    update = group_update(fake_group, f"{prefix}{MENTION} how much is the trail backpack?")
    [event] = await converter().events(update)
    assert event.kind is EventKind.TEXT and event.addressed
    assert MENTION not in event.text
    assert event.text == f"{prefix.strip()}  how much is the trail backpack?".strip()


async def test_only_the_mention_entity_is_stripped(fake_group: FakeTelegram) -> None:
    # The bot's name inside an e-mail address is not a mention (no entity).
    body = f"😀 mail orders{MENTION}.example or {MENTION}"
    [event] = await converter().events(group_update(fake_group, body))
    assert event.addressed
    assert event.text == f"😀 mail orders{MENTION}.example or"
    [other] = await converter().events(group_update(fake_group, "😀 @someone_else hi there"))
    assert not other.addressed and other.text == "😀 @someone_else hi there"


async def test_command_after_astral_arguments(fake_group: FakeTelegram) -> None:
    update = group_update(fake_group, f"/search{MENTION} 🎒 trail backpack")
    [event] = await converter().events(update)
    assert event.kind is EventKind.COMMAND
    assert (event.command, event.args) == ("search", "🎒 trail backpack")


async def test_photo_caption_mention_after_astral_characters() -> None:
    caption = f"🎒🎒 {MENTION} is this in stock?"
    data = {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": GROUP, "type": "supergroup", "title": "Shop talk"},
            "from": SHOPPER,
            "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
            "caption": caption,
            "caption_entities": [
                {"type": "mention", "offset": units("🎒🎒 "), "length": units(MENTION)}
            ],
        },
    }
    [event] = await converter().events(Update.de_json(data, Bot(TOKEN)))
    assert event.kind is EventKind.PHOTO and event.addressed


# --- 3. catalog markdown in Discord embeds --------------------------------------------

UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[\[\]*_]")  # after no (or an even run of) backslash
HOSTILE = "[click](http://evil.example) **bold** _it_ [two](<http://evil.example/2>)"


def test_catalog_markdown_is_escaped_in_embeds() -> None:
    card = Card(
        "Trail [Backpack](http://evil.example) **30L**",
        body=HOSTILE,
        fields=(CardField("**Price**", HOSTILE),),
        url="https://shop.example.com/p/bag-001",
        footer="Bags · BAG-001",
    )
    embed = card_embed(card)
    assert embed.title == card.title  # titles show literal text
    assert embed.url == card.url
    assert embed.footer.text == card.footer
    field = embed.fields[0]
    for shown in (embed.description, field.value):
        assert shown is not None
        assert "\\[click\\](http://evil.example)" in shown
        assert "\\[two\\](<http://evil.example/2>)" in shown
        assert "\\*\\*bold\\*\\*" in shown and "\\_it\\_" in shown
        assert not UNESCAPED.search(shown)
    assert field.name == "\\*\\*Price\\*\\*"
    [message] = messages(card)
    assert message["embed"].description == embed.description
    [chat] = messages(Text.of(HOSTILE))  # plain text spans get the same escaping
    assert not UNESCAPED.search(chat["content"])


@pytest.mark.parametrize("unit", ["*", "[", "a*", "abc*", "\\", "x"])
def test_escaped_embed_text_keeps_discord_limits(unit: str) -> None:
    body = unit * 5000
    card = Card("t", body=body, fields=(CardField("*" * 300, body),))
    embed = card_embed(card)
    field = embed.fields[0]
    assert embed.description is not None and len(embed.description) <= 4096
    assert field.name is not None and len(field.name) <= 256
    assert field.value is not None and len(field.value) <= 1024
    for shown in (embed.description, field.name, field.value):
        trailing = len(shown) - len(shown.rstrip("\\"))
        assert trailing % 2 == 0, "no dangling backslash"
        assert len(shown) > 100  # cut to fit, not emptied


# --- 4. the admin cache is bounded ------------------------------------------------------


@pytest.fixture
async def telegram_bot() -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    fake = FakeTelegram()
    await fake.start()
    for n in range(1, 41):
        fake.add_group(-n, f"group {n}", admins={n})
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        yield fake, bot
    await fake.stop()


def fetches(fake: FakeTelegram, chat_id: int | None = None) -> int:
    return len(
        [
            c
            for c in fake.sent(method="getChatAdministrators")
            if chat_id is None or c.chat_id == chat_id
        ]
    )


async def test_admin_cache_keeps_at_most_size_chats(
    telegram_bot: tuple[FakeTelegram, Bot],
) -> None:
    fake, bot = telegram_bot
    cache = AdminCache(bot, size=4)
    sizes: list[tuple[int, int]] = []
    for n in range(1, 41):
        assert await cache.is_admin(-n, n)
        assert not await cache.is_admin(-n, n + 1)
        sizes.append((len(cache._entries), len(cache._locks)))
    assert max(entries for entries, _ in sizes) == 4
    assert max(locks for _, locks in sizes) <= 4
    assert fetches(fake) == 40  # one fetch per chat, the second question was cached
    assert await cache.is_admin(-40, 40) and fetches(fake, -40) == 1  # recent: kept
    assert await cache.is_admin(-1, 1) and fetches(fake, -1) == 2  # evicted: asked again

    answers = await asyncio.gather(*(cache.is_admin(-(n % 40 + 1), n % 40 + 1) for n in range(200)))
    assert all(answers)
    assert len(cache._entries) <= 4 and len(cache._locks) <= 4


async def test_admin_cache_lru_keeps_chats_in_use(telegram_bot: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = telegram_bot
    cache = AdminCache(bot, size=2)
    await cache.is_admin(-1, 1)
    await cache.is_admin(-2, 2)
    await cache.is_admin(-1, 1)  # -1 used again: -2 is now the oldest
    await cache.is_admin(-3, 3)
    await cache.is_admin(-1, 1)
    assert fetches(fake, -1) == 1 and fetches(fake, -2) == 1
    await cache.is_admin(-2, 2)
    assert fetches(fake, -2) == 2


async def test_admin_cache_fetches_a_chat_once_and_drops_its_lock(
    telegram_bot: tuple[FakeTelegram, Bot],
) -> None:
    fake, bot = telegram_bot
    cache = AdminCache(bot, size=3)
    asked = [cache.is_admin(-n, user) for n in (5, 6, 7) for user in (n, n, n + 1)] * 3
    answers = await asyncio.gather(*asked)
    assert answers == [True, True, False] * 9
    assert [fetches(fake, -n) for n in (5, 6, 7)] == [1, 1, 1]  # waiters shared the fetch
    assert len(cache._entries) == 3 and cache._locks == {}
