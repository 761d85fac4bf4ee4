"""The Telegram adapter end to end: the real python-telegram-bot Application, polling a
loopback fake Bot API server that validates requests as Telegram does."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import FEATURES, App
from bot.serving import http_server
from handlers.core.context import Context
from handlers.core.conversations import Answer, Ask, Flow, Next, start
from handlers.core.features import Feature, Role
from handlers.core.model import (
    Card,
    Direct,
    Edit,
    EventKind,
    Out,
    Poll,
    PollOption,
    Text,
)
from handlers.polls.buttons import as_buttons
from tests.fake_telegram import BOT, Call, FakeTelegram, user
from tests.support import Recorder, import_demo_catalog, start_shopbot

ALICE = user(5001, "Alice", "alice")
BORIS = user(5002, "Boris", "boris", language="pl")
ADMIN = user(7001, "Mod", "mod")
GROUP = -100123
MENTION = "@" + BOT["username"]

probe = Feature("probe")


@probe.command("purge", "Moderators only", role=Role.MODERATOR)
async def purge(ctx: Context, args: Any) -> Sequence[Out]:
    return [Text.of("purged")]


@probe.command("whisper", "Answers privately")
async def whisper(ctx: Context, args: Any) -> Sequence[Out]:
    return [Direct(Text.of("a secret for you"))]


async def _ask_photos(ctx: Context, step: str, data: dict[str, Any]) -> Ask:
    return Ask(Text.of("Send your photos"))


async def _take_photos(ctx: Context, step: str, data: dict[str, Any], given: Answer) -> Next:
    names = ", ".join(a.ref for a in given.photos)
    return Next(None, outs=[Text.of(f"got {len(given.photos)} photos: {names} ({given.text})")])


PHOTOS = probe.flow(Flow("probe.photos", "photos", _ask_photos, _take_photos))


@probe.command("pics", "Asks for photos")
async def pics(ctx: Context, args: Any) -> Sequence[Out]:
    return await start(ctx, PHOTOS)


@probe.command("vote", "Sends a poll")
async def vote(ctx: Context, args: Any) -> Sequence[Out]:
    options = (PollOption("Sand"), PollOption("Olive"), PollOption("Navy"))
    long = tuple(PollOption(f"Option {i} " + "x" * 120) for i in range(3))
    fallback = as_buttons("p2", "Too long for native?", [o.text for o in long])
    return [
        Poll("p1", "Which colour?", options),
        Poll("p2", "Too long for native?", long, fallback=fallback),
    ]


@probe.command("essay", "Long text")
async def essay(ctx: Context, args: Any) -> Sequence[Out]:
    paragraph = "Linen breathes. " * 40
    long_card = Card("Long card", "Body. " * 300, image_url="https://img.example/long.jpg")
    return [Text.of("\n\n".join([paragraph] * 12)), long_card]


@probe.command("card", "A card whose photo cannot be fetched")
async def bad_photo(ctx: Context, args: Any) -> Sequence[Out]:
    return [Card("Broken photo", "Still here", image_url="https://img.example/invalid.jpg")]


@probe.action("bump")
async def bump(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    assert ctx.event.reply_to is not None
    return [Edit(ctx.event.reply_to, Text.of("edited <in place>"))]


@probe.command("bumpable", "A message with a button that edits it")
async def bumpable(ctx: Context, args: Any) -> Sequence[Out]:
    from handlers.core.model import Button, Buttons

    return [Buttons(Text.of("press to edit"), ((Button("Edit me", action="bump"),),))]


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    server.add_private(ALICE["id"])
    server.add_private(BORIS["id"])
    server.add_private(ADMIN["id"])
    server.add_group(GROUP, "Shop talk", admins={ADMIN["id"]})
    yield server
    await server.stop()


def telegram_settings(app: App, fake: FakeTelegram, **extra: Any) -> Any:
    return app.settings.model_copy(
        update={
            "telegram_token": SecretStr(fake.token),
            "telegram_api_url": fake.base_url,
            "telegram_file_url": fake.file_url,
            **extra,
        }
    )


@pytest.fixture
async def recorder(app: App) -> Recorder:
    return Recorder(app.services, [*FEATURES, probe])


@pytest.fixture
async def telegram(
    app: App, fake: FakeTelegram, recorder: Recorder
) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(telegram_settings(app, fake), recorder)
    await adapter.start()
    yield adapter
    await adapter.stop()


def texts(calls: list[Call]) -> str:
    return "\n".join(
        str(c.result.get("text") or c.result.get("caption") or "")
        for c in calls
        if isinstance(c.result, dict)
    )


async def answer_to(
    fake: FakeTelegram, chat_id: int, method: str | None = None, count: int = 1
) -> list[Call]:
    return await fake.wait_for(
        lambda: len(fake.sent(chat_id, method)) >= count and fake.sent(chat_id, method)
    )


async def test_command_menus_per_scope_and_language(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    calls = fake.sent(method="setMyCommands")
    menus = {
        (c.params["scope"]["type"], c.params.get("language_code")): c.params["commands"]
        for c in calls
    }
    assert set(menus) == {
        (scope, lang)
        for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators")
        for lang in (None, "pl", "uk", "fi", "ms", "id")
    }
    names = {scope: {c["command"] for c in menus[(scope, None)]} for scope, _ in menus}
    assert {"start", "help", "product", "search", "language"} <= names["all_private_chats"]
    assert "purge" in names["all_chat_administrators"]
    assert "purge" not in names["all_group_chats"] | names["all_private_chats"]
    polish = {c["command"]: c["description"] for c in menus[("all_private_chats", "pl")]}
    assert polish["help"] == "Lista poleceń"
    english = {c["command"]: c["description"] for c in menus[("all_private_chats", None)]}
    for lang in ("uk", "fi", "ms", "id"):  # a menu of its own, in its own words
        menu = {c["command"]: c["description"] for c in menus[("all_private_chats", lang)]}
        assert set(menu) == set(english) and menu["help"] != english["help"]


async def test_start_with_and_without_payload_and_help(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "/start")
    fake.push_message(ALICE["id"], ALICE, "/start ref-abc123")
    fake.push_message(ALICE["id"], ALICE, "/help")
    calls = await answer_to(fake, ALICE["id"], "sendMessage", 3)
    assert texts(calls).count("Hi Alice!") == 2
    assert "/product <name or SKU>" in texts(calls)


async def test_product_card_with_photo_and_buttons(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "/product BAG-001")
    [call] = await answer_to(fake, ALICE["id"], "sendPhoto")
    assert call.params["photo"] == "https://shop.example.com/img/bag-001.jpg"
    assert call.result["caption"].startswith("Trail Backpack 30L")
    [[buy], [reviews, write, share]] = call.params["reply_markup"]["inline_keyboard"]
    assert share["text"] == "Share" and share["callback_data"].startswith("share:")
    # In a private chat the Buy link carries the reader's code: their order names them.
    assert re.fullmatch(r"https://shop\.example\.com/p/bag-001\?ref=[A-Z2-9]{8}", buy["url"])
    assert reviews["text"] == "Reviews" and reviews["callback_data"].startswith("reviews:")
    assert write["text"] == "Write a review" and write["callback_data"].startswith("rvw:")


async def test_free_text_in_private_and_mention_in_group(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "how much is the trail backpack")
    [private] = await answer_to(fake, ALICE["id"], "sendPhoto")
    assert "Trail Backpack 30L" in private.result["caption"]
    fake.push_message(GROUP, ALICE, "anyone seen a good tent?")  # not for the bot
    asked = fake.push_message(GROUP, BORIS, f"{MENTION} ile kosztuje plecak turystyczny")
    fake.push_message(GROUP, ALICE, "namiot", reply_to_bot=True)  # a reply to the bot counts
    calls = await answer_to(fake, GROUP, "sendPhoto", 2)
    assert "Cena" in calls[0].result["caption"]  # Boris's Telegram speaks Polish
    question = next(u for u in fake.delivered if u["update_id"] == asked)["message"]
    assert calls[0].params["reply_parameters"]["message_id"] == question["message_id"]
    assert "Two-Person Tent" in calls[1].result["caption"]
    assert len(fake.sent(GROUP, "sendPhoto")) == 2


async def test_button_press_is_answered_and_works(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "linen shirt")
    [card] = await answer_to(fake, ALICE["id"], "sendPhoto")
    details = card.params["reply_markup"]["inline_keyboard"][0][1]
    assert details["callback_data"] == "product:SHI-001"
    fake.push_callback(ALICE, card, details["callback_data"])
    await answer_to(fake, ALICE["id"], "sendPhoto", 2)
    await fake.wait_for(lambda: fake.sent(method="answerCallbackQuery"))
    fake.push_callback(ALICE, card, "product:NOPE:forged")
    alert = await fake.wait_for(
        lambda: [c for c in fake.sent(method="answerCallbackQuery") if c.params.get("text")]
    )
    assert "no longer in the catalog" in alert[0].params["text"]
    assert alert[0].params["show_alert"] in (True, "true", "True")


async def test_poll_sent_natively_or_as_buttons_and_votes_arrive(
    telegram: TelegramAdapter, fake: FakeTelegram, recorder: Recorder
) -> None:
    fake.push_message(GROUP, ALICE, "/vote")
    [poll] = await answer_to(fake, GROUP, "sendPoll")
    assert poll.result["poll"]["is_anonymous"] is False
    assert [o["text"] for o in poll.result["poll"]["options"]] == ["Sand", "Olive", "Navy"]
    [fallback] = await answer_to(fake, GROUP, "sendMessage")
    [row] = fallback.params["reply_markup"]["inline_keyboard"]  # up to five a row
    assert [button["callback_data"] for button in row] == ["vote:p2:0", "vote:p2:1", "vote:p2:2"]
    fake.push_poll_answer(poll.result["poll"]["id"], BORIS, [1])
    fake.push_poll_answer(poll.result["poll"]["id"], BORIS, [])  # retracted
    votes = await fake.wait_for(
        lambda: (
            [e for e in recorder.events if e.poll_vote]
            if len([e for e in recorder.events if e.poll_vote]) == 2
            else None
        )
    )
    assert [v.poll_vote.option_ids for v in votes] == [(1,), ()]
    assert votes[0].actor.id == str(BORIS["id"])


async def test_private_answer_goes_to_dm_or_explains_how(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(GROUP, ALICE, "/whisper")
    [dm] = await answer_to(fake, ALICE["id"], "sendMessage")
    assert dm.result["text"] == "a secret for you"
    stranger = user(5099, "Sam", "sam")
    fake.add_private(stranger["id"], started=False)
    fake.push_message(GROUP, stranger, "/whisper")
    [note] = await answer_to(fake, GROUP, "sendMessage")
    assert "Sam, I have a private answer" in note.result["text"]
    [[start]] = note.params["reply_markup"]["inline_keyboard"]
    assert start["url"] == f"https://t.me/{BOT['username']}?start=private"


async def test_edit_of_an_earlier_message(telegram: TelegramAdapter, fake: FakeTelegram) -> None:
    fake.push_message(ALICE["id"], ALICE, "/bumpable")
    [message] = await answer_to(fake, ALICE["id"], "sendMessage")
    fake.push_callback(ALICE, message, "bump")
    [edit] = await answer_to(fake, ALICE["id"], "editMessageText")
    assert edit.result["text"] == "edited <in place>"
    assert int(edit.params["message_id"]) == message.result["message_id"]


async def test_user_text_is_escaped_never_markup(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    hostile = "<b>&<> </i>&amp; @everyone <a href='x'>"
    fake.push_message(ALICE["id"], ALICE, f"/search {hostile}")
    [reply] = await answer_to(fake, ALICE["id"], "sendMessage")
    assert reply.status == 200 and hostile in reply.result["text"]
    assert not fake.sent(ok=False)


async def test_long_text_is_split_and_long_caption_moves_below_photo(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "/essay")
    await answer_to(fake, ALICE["id"], "sendPhoto")
    messages = await answer_to(fake, ALICE["id"], "sendMessage", 3)
    assert all(c.status == 200 for c in fake.sent(ALICE["id"]))
    [photo] = fake.sent(ALICE["id"], "sendPhoto")
    assert "caption" not in photo.params
    assert all(len(c.result["text"]) <= 4096 for c in messages)
    assert messages[0].result["text"].endswith("Linen breathes.")  # cut at a sentence


async def test_unfetchable_photo_still_delivers_the_card(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "/card")
    [text] = await answer_to(fake, ALICE["id"], "sendMessage")
    assert "Broken photo" in text.result["text"]


async def test_flood_storm_delays_but_never_drops(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.flood(times=6, retry_after=1)
    for question in ("/help", "/start", "/language"):
        fake.push_message(ALICE["id"], ALICE, question)
    await answer_to(fake, ALICE["id"], "sendMessage", 3)
    assert len(fake.sent(ALICE["id"], ok=False)) == 6  # all six 429s were met and waited out


async def test_every_flood_wait_reaches_the_metrics(
    app: App, fake: FakeTelegram, recorder: Recorder
) -> None:
    adapter = TelegramAdapter(
        telegram_settings(app, fake), recorder, waited=app.metrics.rate_limited
    )
    await adapter.start()
    try:
        fake.flood(times=3, retry_after=1)
        fake.push_message(ALICE["id"], ALICE, "/help")
        await answer_to(fake, ALICE["id"], "sendMessage")
    finally:
        await adapter.stop()
    scraped = app.metrics.render().decode()
    assert 'shopbot_rate_limit_waits_total{platform="telegram"} 3.0' in scraped
    assert 'shopbot_rate_limit_wait_seconds_total{platform="telegram"} 3.0' in scraped


async def test_network_errors_are_retried(telegram: TelegramAdapter, fake: FakeTelegram) -> None:
    fake.outage(times=3)
    fake.push_message(ALICE["id"], ALICE, "/help")
    [reply] = await answer_to(fake, ALICE["id"], "sendMessage")
    assert "What I can do" in reply.result["text"] and fake.outages_served == 3


async def test_the_fake_refuses_what_telegram_refuses(fake: FakeTelegram) -> None:
    """The checks that make the tests above meaningful: bad requests do fail."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, Forbidden

    async with Bot(fake.token, base_url=fake.base_url) as bot:
        cases = [
            dict(text="<b>unclosed", parse_mode="HTML"),
            dict(text="a & b < c", parse_mode="HTML"),
            dict(text="<blink>x</blink>", parse_mode="HTML"),
            dict(text="x" * 4097),
            dict(text="🎒" * 2049),  # 4,098 UTF-16 units
            dict(
                text="ok",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="x" * 65)]]
                ),
            ),
        ]
        for kwargs in cases:
            with pytest.raises(BadRequest):
                await bot.send_message(ALICE["id"], **kwargs)
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(ALICE["id"], "https://img.example/p.jpg", caption="c" * 1025)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(424242, "hello")
        fake.add_private(5100, started=False)
        with pytest.raises(Forbidden):
            await bot.send_message(5100, "hello")
        ok = await bot.send_message(ALICE["id"], "&lt;b&gt; &amp; <b>bold</b>", parse_mode="HTML")
        assert ok.text == "<b> & bold"


async def test_duplicate_update_is_ignored(telegram: TelegramAdapter, fake: FakeTelegram) -> None:
    first = fake.push_message(ALICE["id"], ALICE, "/product HOM-003")
    await answer_to(fake, ALICE["id"], "sendPhoto")
    fake.repush(first)
    fake.push_message(ALICE["id"], ALICE, "/help")
    await answer_to(fake, ALICE["id"], "sendMessage")
    assert len(fake.sent(ALICE["id"], "sendPhoto")) == 1


async def test_a_redelivered_button_press_is_not_answered_twice(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(ALICE["id"], ALICE, "/search linen shirt")
    [card] = await answer_to(fake, ALICE["id"], "sendPhoto")
    data = card.params["reply_markup"]["inline_keyboard"][0][-1]["callback_data"]
    press = fake.push_callback(ALICE, card, data)
    await fake.wait_for(lambda: fake.sent(method="answerCallbackQuery"))
    fake.repush(press)  # as Telegram after a webhook retry
    fake.push_message(ALICE["id"], ALICE, "/help")
    await fake.wait_for(lambda: "What I can do" in texts(fake.sent(ALICE["id"], "sendMessage")))
    assert len(fake.sent(method="answerCallbackQuery")) == 1
    assert not fake.sent(method="answerCallbackQuery", ok=False)


async def test_newcomers_joining_a_group_are_welcomed_once_together(
    app: App, fake: FakeTelegram, recorder: Recorder
) -> None:
    from handlers.welcome.commands import post_welcomes

    adapter = TelegramAdapter(telegram_settings(app, fake), recorder, app.outbox)
    await adapter.start()
    try:
        fake.push_message(GROUP, ADMIN, "/welcome Ask me about any product!")
        await answer_to(fake, GROUP, "sendMessage")
        fake.push_join(GROUP, [user(6001 + n, f"New{n}") for n in range(5)])
        fake.push_join(GROUP, [user(6001, "New0")])  # joins again: once is enough
        await fake.wait_for(lambda: fake.confirmed > max(u["update_id"] for u in fake.delivered))
        assert await post_welcomes(app.services) == 1
        [welcome] = [c for c in fake.sent(GROUP, "sendMessage") if "Welcome" in c.result["text"]]
        assert welcome.result["text"].startswith("Welcome, New0, New1, New2 and 2 other")
        assert welcome.result["text"].endswith("Ask me about any product!")
    finally:
        await adapter.stop()


async def test_a_poll_made_step_by_step_in_a_group(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    """The guided /poll: typed answers reply to the bot's questions (what a bot in a
    group sees), choices are buttons; the finished poll is posted natively."""

    async def asked(text: str) -> Call:
        return (
            await fake.wait_for(lambda: [c for c in fake.sent(GROUP) if text in str(c.result)])
        )[-1]

    fake.push_message(GROUP, ADMIN, "/poll")
    question = await asked("What should the poll ask?")
    # The asker's app opens a reply to the question at once (and only theirs).
    markup = question.params["reply_markup"]
    assert markup == {"force_reply": True, "selective": True, "input_field_placeholder": "Question"}
    fake.push_message(GROUP, ADMIN, "Which bag for the trip?", reply_to_bot=True)
    await asked("one per line")
    fake.push_message(GROUP, ADMIN, "Trail [BAG-001]\nCity [BAG-002]", reply_to_bot=True)
    for question, value in (
        ("How long should it run?", "conv:1d"),
        ("one option, or several", "conv:one"),
        ("while it runs", "conv:open"),
        ("Here is your poll", "conv:post"),
    ):
        fake.push_callback(ADMIN, await asked(question), value)
    [poll] = await answer_to(fake, GROUP, "sendPoll")
    assert [o["text"] for o in poll.result["poll"]["options"]] == ["Trail", "City"]


async def test_an_album_sent_for_a_step_is_one_answer(
    telegram: TelegramAdapter, fake: FakeTelegram, recorder: Recorder
) -> None:
    fake.push_message(ALICE["id"], ALICE, "/pics")
    await answer_to(fake, ALICE["id"], "sendMessage")
    for n in range(3):
        caption = "my new boots" if n == 1 else ""
        fake.push_photo(ALICE["id"], ALICE, caption, media_group_id="album-1")
    [_, got] = await answer_to(fake, ALICE["id"], "sendMessage", count=2)
    assert got.result["text"].startswith("got 3 photos: ph")  # the largest size of each
    assert got.result["text"].endswith("(my new boots)")
    [album] = [e for e in recorder.events if e.event_id.startswith("album:")]
    assert len(album.attachments) == 3
    last = max(u["update_id"] for u in fake.delivered)
    await fake.wait_for(lambda: fake.confirmed > last)  # every photo's update confirmed


async def test_admins_and_anonymous_admins_are_moderators(
    telegram: TelegramAdapter, fake: FakeTelegram
) -> None:
    fake.push_message(GROUP, ALICE, "/purge")
    fake.push_message(GROUP, ADMIN, "/purge@" + BOT["username"])
    fake.push_message(GROUP, ALICE, "/purge@someotherbot")  # not ours: ignored
    fake.push_message(
        GROUP,
        {"id": 1087968824, "is_bot": True, "first_name": "Group"},
        "/purge",
        sender_chat=GROUP,
    )
    calls = await answer_to(fake, GROUP, "sendMessage", 3)
    # Updates are handled concurrently, so replies may come in any order.
    assert sorted(c.result["text"] for c in calls) == [
        "Only moderators can do that.",
        "purged",
        "purged",
    ]
    assert len(fake.sent(method="getChatAdministrators")) == 1  # cached


async def test_webhook_on_the_shared_http_server_checks_the_secret_token(
    app: App, fake: FakeTelegram
) -> None:
    settings = telegram_settings(
        app,
        fake,
        telegram_mode="webhook",
        http_port=0,
        http_listen="127.0.0.1",
        telegram_webhook_url="https://bot.example.com/telegram",
        telegram_webhook_secret=SecretStr("s3cret-token"),
    )
    app.settings = settings
    http = http_server(app)
    adapter = TelegramAdapter(settings, app.router, http=http)
    await http.start()
    url = f"http://127.0.0.1:{http.port}/telegram"
    async with aiohttp.ClientSession() as session:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        async with session.post(url, json={"update_id": 1}, headers=headers) as response:
            assert response.status == 503  # not started yet: Telegram tries again
        async with session.get(f"http://127.0.0.1:{http.port}/readyz") as response:
            assert response.status == 503 and "telegram: not ready" in await response.text()
    await adapter.start()
    try:
        [hook] = fake.sent(method="setWebhook")
        assert hook.params["secret_token"] == "s3cret-token"
        update = {
            "update_id": 77,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": ALICE["id"], "type": "private"},
                "from": ALICE,
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        async with aiohttp.ClientSession() as session:
            for secret, expected in (("wrong", 403), (None, 403), ("s3cret-token", 200)):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with session.post(url, json=update, headers=headers) as response:
                    assert response.status == expected
            async with session.get(f"http://127.0.0.1:{http.port}/readyz") as response:
                assert await response.text() == "database: ok\ntelegram: ok\n"
        [reply] = await answer_to(fake, ALICE["id"], "sendMessage")
        assert "What I can do" in reply.result["text"]
    finally:
        await adapter.stop()
        await http.stop()


async def test_shopbot_run_with_a_token_answers_a_group(fake: FakeTelegram, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    env.update(
        SHOPBOT_TELEGRAM_TOKEN=fake.token,
        SHOPBOT_TELEGRAM_API_URL=fake.base_url,
        SHOPBOT_TELEGRAM_FILE_URL=fake.file_url,
    )
    await import_demo_catalog(env, tmp_path)
    process = await start_shopbot("run", env=env, cwd=tmp_path)
    try:
        await fake.wait_for(lambda: len(fake.sent(method="setMyCommands")) == 6, seconds=30)
        fake.push_message(GROUP, ALICE, f"{MENTION} do you have the linen shirt in blue, size M?")
        [answer] = await answer_to(fake, GROUP, "sendPhoto")
        assert answer.result["caption"].startswith("Linen Shirt")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "ShopBot running on telegram" in stderr.decode()


async def test_poll_end_to_end_native_vote_and_results(
    app: App, fake: FakeTelegram, recorder: Recorder, clock: Any
) -> None:
    from handlers.polls.closing import close_due
    from storage import polls

    adapter = TelegramAdapter(telegram_settings(app, fake), recorder, app.outbox)
    await adapter.start()
    try:
        fake.push_message(
            GROUP, ADMIN, "/poll 2h Which bag? | Trail [BAG-001] | City [BAG-002] | Neither"
        )
        [sent] = await answer_to(fake, GROUP, "sendPoll")
        [album] = fake.sent(GROUP, "sendMediaGroup")  # the products' pictures come first
        assert [m["caption"] for m in album.params["media"]] == ["Trail", "City"]
        assert album.params["media"][0]["media"] == "https://shop.example.com/img/bag-001.jpg"
        poll_id = sent.result["poll"]["id"]
        fake.push_poll_answer(poll_id, BORIS, [1])
        fake.push_poll_answer(poll_id, ALICE, [1])

        async def olive_votes() -> int:
            async with app.db.session() as session:
                found = await polls.by_native_refs(session, "telegram", [poll_id])
                view = await polls.get(session, found[poll_id]) if found else None
                if view is None:
                    return 0
                counts, _ = await polls.tally(session, view.id)
                return counts.get(view.options[1].id or 0, 0)

        for _ in range(200):
            if await olive_votes() == 2:
                break
            await asyncio.sleep(0.05)
        assert await olive_votes() == 2
        clock.advance(hours=2, seconds=1)
        assert await close_due(app.services, app.outbox.deliver) == 1
        [stop] = await answer_to(fake, GROUP, "stopPoll")
        assert int(stop.params["message_id"]) == sent.result["message_id"]
        [chart] = await answer_to(fake, GROUP, "sendPhoto")
        assert chart.params["photo"].startswith("<upload:poll-")
        results = texts(fake.sent(GROUP, "sendMessage"))
        assert "Final result" in results and "City: 2 votes (100%)" in results
    finally:
        await adapter.stop()


async def test_a_personal_invite_link_and_the_joins_and_leaves_it_brings(
    app: App, fake: FakeTelegram, telegram: TelegramAdapter, recorder: Recorder
) -> None:
    """/invite makes a link named after the member (createChatInviteLink) and sends it
    privately; a chat_member join through it starts the wait, a leave cancels it."""
    from sqlmodel import select

    from storage.models import JoinArrival

    fake.push_message(GROUP, ALICE, "/invite")
    [made] = await fake.wait_for(lambda: fake.sent(GROUP, "createChatInviteLink"))
    assert made.params["name"] == "Alice"
    link = made.result["invite_link"]
    [private] = await fake.wait_for(
        lambda: [c for c in fake.sent(ALICE["id"], "sendMessage") if link in str(c.params)]
    )
    assert "Someone new who joins through it and stays 3 days" in private.params["text"]
    newcomer = user(7001, "Nico")
    fake.push_chat_member(GROUP, newcomer, joined=True, invite_link=link)
    robot = fake.push_chat_member(GROUP, user(7002, "Robo") | {"is_bot": True}, True, link)

    async def arrivals() -> list[JoinArrival]:
        async with app.db.read() as session:
            return list((await session.exec(select(JoinArrival))).all())

    await fake.wait_for(lambda: fake.confirmed > robot)
    [waiting] = await arrivals()  # the bot's join starts nothing
    assert waiting.left_at is None
    left = fake.push_chat_member(GROUP, newcomer, joined=False)
    await fake.wait_for(lambda: fake.confirmed > left)
    assert [e.kind for e in recorder.events][-1] is EventKind.LEAVE
    [cancelled] = await arrivals()
    assert cancelled.left_at is not None


async def test_inline_mode_offers_cards_carrying_the_senders_code(
    app: App, fake: FakeTelegram
) -> None:
    """`@bot backpack` in any chat: product cards to send there, whose links are the
    sender's share links; a newcomer opening one is the sender's arrival."""
    public = {"public_url": "https://bot.example.com"}
    app.services.settings = app.services.settings.model_copy(update=public)
    adapter = TelegramAdapter(telegram_settings(app, fake), app.router)
    await adapter.start()
    try:
        fake.push_inline_query(ALICE, "backpack")
        [answer] = await fake.wait_for(lambda: fake.sent(method="answerInlineQuery"))
        assert str(answer.params["is_personal"]).lower() == "true"
        first = answer.params["results"][0]
        assert first["type"] == "article" and first["title"] == "Trail Backpack 30L"
        assert first["input_message_content"]["message_text"].startswith("<b>Trail Backpack")
        assert first["thumbnail_url"] == "https://shop.example.com/img/bag-001.jpg"
        [[buy, open_it]] = first["reply_markup"]["inline_keyboard"]
        found = re.fullmatch(r"https://bot\.example\.com/s/([A-Z2-9]{8})/(\d+)", buy["url"])
        assert found is not None and "callback_data" not in open_it
        code, product = found.groups()
        deep = f"https://t.me/{BOT['username']}?start=s-{code}-{product}"
        assert open_it["url"] == deep
        fake.push_message(ALICE["id"], ALICE, "/share BAG-001")
        [shared] = await answer_to(fake, ALICE["id"], "sendMessage")
        assert deep in shared.params["text"]  # the same code as her /share link
        fake.push_inline_query(ALICE, "")  # nothing typed yet: a hint, no cards
        await fake.wait_for(lambda: len(fake.sent(method="answerInlineQuery")) == 2)
        hint = fake.sent(method="answerInlineQuery")[1]
        assert hint.params["results"] == [] and hint.params["button"]["start_parameter"]
        newcomer = user(5077, "Nico")
        fake.add_private(newcomer["id"])
        fake.push_message(newcomer["id"], newcomer, f"/start s-{code}-{product}")
        [greeted] = await answer_to(fake, newcomer["id"], "sendMessage")
        assert "A friend shared Trail Backpack 30L with you." in greeted.result["text"]
        fake.push_message(ALICE["id"], ALICE, "/points")
        await fake.wait_for(
            lambda: "a friend you brought" in texts(fake.sent(ALICE["id"], "sendMessage"))
        )
    finally:
        await adapter.stop()
