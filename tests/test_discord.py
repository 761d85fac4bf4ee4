"""The Discord adapter end to end: the real discord.py client against a loopback fake
Discord (REST + JSON gateway)."""

from __future__ import annotations

import asyncio
import io
import itertools
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage
from pydantic import SecretStr

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import FEATURES, App
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Feature, Role
from handlers.core.model import Direct, Image, Out, Poll, PollOption, Text
from tests.fake_discord import (
    ALICE,
    APP_ID,
    BOT,
    BOT_ID,
    CHANNEL_ID,
    EVERYONE_PERMS,
    GUILD_ID,
    MANAGE_MESSAGES,
    TOKEN,
    FakeDiscord,
    callbacks,
    dm_slash,
    interaction,
    member,
    message_payload,
    modal_submit,
    slash,
    user,
)
from tests.support import Recorder, start_shopbot

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MOD = user("500000000000000002", "Mod")
_ids = itertools.count(800_000_000_000_000_000)

probe = Feature("probe")
SLOW_ACK = 0.3  # the acknowledgement window in the test of a slow handler


@probe.command("purge", "Moderators only", role=Role.MODERATOR)
async def purge(ctx: Context, args: Any) -> Sequence[Out]:
    return [Text.of("purged")]


@probe.command("slow", "Takes its time")
async def slow(ctx: Context, args: Any) -> Sequence[Out]:
    await asyncio.sleep(SLOW_ACK + 0.5)
    return [Text.of("worth the wait")]


@probe.command("vote", "Sends a poll")
async def vote(ctx: Context, args: Any) -> Sequence[Out]:
    return [Poll("p1", "Which colour?", (PollOption("Sand"), PollOption("Olive")))]


@probe.command("chart", "Sends a picture")
async def chart(ctx: Context, args: Any) -> Sequence[Out]:
    return [Image(data=PNG, caption="results", filename="chart.png")]


@probe.command("essay", "Long text")
async def essay(ctx: Context, args: Any) -> Sequence[Out]:
    return [Text.of("\n\n".join(["Linen *breathes*. " * 30] * 10))]


@probe.command("whisper", "Answers privately")
async def whisper(ctx: Context, args: Any) -> Sequence[Out]:
    return [Direct(Text.of("a secret for you"))]


@probe.command("oops", "Refuses")
async def oops(ctx: Context, args: Any) -> Sequence[Out]:
    raise UserError("That product is no longer in the catalog.")


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def recorder(app: App) -> Recorder:
    return Recorder(app.services, [*FEATURES, probe])


def make_adapter(app: App, fake: FakeDiscord, recorder: Recorder, **extra: Any) -> DiscordAdapter:
    settings = app.settings.model_copy(
        update={
            "discord_token": SecretStr(TOKEN),
            "discord_api_url": fake.api_url,
            "discord_guild_ready_timeout": 0.05,  # the fake sends its one guild at once
            **extra,
        }
    )
    return DiscordAdapter(settings, recorder, app.state)


@pytest.fixture
async def discord_bot(
    app: App, fake: FakeDiscord, recorder: Recorder
) -> AsyncIterator[DiscordAdapter]:
    adapter = make_adapter(app, fake, recorder)
    await adapter.start()
    yield adapter
    await adapter.stop()


async def test_command_sync_payload_and_sync_only_on_change(
    app: App, fake: FakeDiscord, recorder: Recorder
) -> None:
    first = make_adapter(app, fake, recorder)
    await first.start()
    await first.stop()
    [sync] = fake.sent("PUT", "/commands")
    commands = {c["name"]: c for c in sync.body["_list"]}
    assert {"start", "help", "product", "search", "language", "purge"} <= set(commands)
    [query] = commands["product"]["options"]
    assert query == {**query, "name": "query", "type": 3, "required": True, "autocomplete": True}
    assert commands["purge"]["default_member_permissions"] == MANAGE_MESSAGES
    assert "default_member_permissions" not in commands["product"]
    assert commands["help"]["description_localizations"]["pl"] == "Lista poleceń"
    # Every language but Malay, which Discord has no locale for (docs: English menus).
    for command in commands.values():
        assert set(command["description_localizations"]) == {"pl", "uk", "fi", "id"}
    assert query["name_localizations"]["pl"] == "nazwa-lub-sku"
    assert all(" " not in name for name in query["name_localizations"].values())
    again = make_adapter(app, fake, recorder)  # a restart with the same definitions
    await again.start()
    await again.stop()
    assert len(fake.sent("PUT", "/commands")) == 1


async def test_with_guilds_configured_private_chat_commands_still_work_in_dms(
    app: App, fake: FakeDiscord, recorder: Recorder
) -> None:
    adapter = make_adapter(app, fake, recorder, discord_guild_ids=[GUILD_ID])
    await adapter.start()
    try:
        synced = {c.path: c.body["_list"] for c in fake.sent("PUT", "/commands")}
        in_dms = {c["name"]: c for c in synced[f"/applications/{APP_ID}/commands"]}
        in_guild = {c["name"] for c in synced[f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"]}
        assert {"linkme", "unlinkme", "help"} <= set(in_dms) and "link" not in in_dms
        assert all(c["contexts"] == [1] for c in in_dms.values())  # not shown twice in guilds
        assert "linkme" not in in_guild and {"poll", "link", "help"} <= in_guild
        command = dm_slash("linkme")
        await fake.dispatch("INTERACTION_CREATE", command)
        [answer] = await fake.wait_for(lambda: callbacks(fake, command))
        assert "Your link code" in answer.body["data"]["content"]
    finally:
        await adapter.stop()


async def test_a_redelivered_interaction_is_not_acknowledged_twice(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    command = slash("help")
    await fake.dispatch("INTERACTION_CREATE", command)
    await fake.wait_for(lambda: callbacks(fake, command))
    await fake.dispatch("INTERACTION_CREATE", command)  # a replayed gateway event
    later = slash("help")
    await fake.dispatch("INTERACTION_CREATE", later)
    await fake.wait_for(lambda: callbacks(fake, later))
    assert len(callbacks(fake, command)) == 1
    assert [c for c in fake.calls if c.status >= 400] == []


async def test_newcomers_are_welcomed_in_the_system_channel(
    app: App, fake: FakeDiscord, recorder: Recorder
) -> None:
    from handlers.welcome.commands import post_welcomes

    adapter = make_adapter(app, fake, recorder, discord_member_events=True)
    app.outbox.register("discord", adapter.sender)
    await adapter.start()
    try:
        command = slash("welcome", who=MOD, text="Say hi in #introductions!")
        command["member"]["permissions"] = str(int(EVERYONE_PERMS) | int(MANAGE_MESSAGES))
        await fake.dispatch("INTERACTION_CREATE", command)
        [answer] = await fake.wait_for(lambda: callbacks(fake, command))
        assert "welcomed with" in answer.body["data"]["content"]
        for n in range(3):
            newcomer = user(str(620_000_000_000_000_000 + n), f"New{n}")
            await fake.dispatch("GUILD_MEMBER_ADD", {**member(newcomer), "guild_id": GUILD_ID})
        async with asyncio.timeout(10):
            while await waiting_newcomers(app) < 3:  # noqa: ASYNC110 - handled meanwhile
                await asyncio.sleep(0.02)
        assert await post_welcomes(app.services) == 1
        [posted] = fake.sent("POST", f"/channels/{CHANNEL_ID}/messages")
        assert posted.body["content"].startswith("Welcome, **New0, New1** and **New2**!")
        assert (
            "\\#introductions" in posted.body["content"]
            or "#introductions" in posted.body["content"]
        )
    finally:
        await adapter.stop()


async def test_a_poll_made_step_by_step_survives_a_restart_and_cancel(
    app: App, fake: FakeDiscord, recorder: Recorder
) -> None:
    mod_perms = str(int(EVERYONE_PERMS) | int(MANAGE_MESSAGES))

    def said(words: str) -> dict[str, Any]:
        return mentioning(MOD, words, mod_perms)

    async def asked(text: str) -> dict[str, Any]:
        """The message that asks it (buttons are pressed on it)."""
        [*_, call] = await fake.wait_for(lambda: [c for c in fake.calls if text in str(c.body)])
        result: dict[str, Any] = call.result
        return result["resource"]["message"] if "resource" in result else result

    def pressed_token(token: str, on: dict[str, Any]) -> dict[str, Any]:
        data = {"custom_id": f"sb:{token}", "component_type": 2}
        press = interaction(3, data, who=MOD, message=on)
        press["member"]["permissions"] = mod_perms
        return press

    def pressed(value: str, on: dict[str, Any]) -> dict[str, Any]:
        return pressed_token(f"conv:{value}", on)

    first = make_adapter(app, fake, recorder)
    await first.start()
    start = slash("poll", who=MOD)
    start["member"]["permissions"] = mod_perms
    await fake.dispatch("INTERACTION_CREATE", start)
    # The command opens a form for the question (a modal), and its answer comes back
    # as a submission; the next typed step cannot open at once, so a button opens it.
    [form] = await fake.wait_for(lambda: callbacks(fake, start))
    assert form.body["type"] == 9 and form.body["data"]["title"] == "New poll"
    assert form.body["data"]["components"][0]["components"][0]["label"] == "Question"
    submitted = modal_submit("sb:convform", {"text": "Which colour?"}, who=MOD)
    submitted["member"]["permissions"] = mod_perms
    await fake.dispatch("INTERACTION_CREATE", submitted)
    options_step = await asked("one per line")
    [[opener]] = [row["components"] for row in options_step["components"]]
    assert (opener["custom_id"], opener["label"]) == ("sb:convform", "Type your answer")
    open_form = pressed_token("convform", options_step)
    await fake.dispatch("INTERACTION_CREATE", open_form)
    [form] = await fake.wait_for(lambda: callbacks(fake, open_form))
    field = form.body["data"]["components"][0]["components"][0]
    assert (form.body["type"], field["label"], field["style"]) == (9, "Options, one per line", 2)
    # A typed message (mentioning the bot) answers as well as the form would.
    await fake.dispatch("MESSAGE_CREATE", said("Sand | Olive"))
    question = await asked("How long should it run?")
    await first.stop()  # the bot restarts between two steps
    again = make_adapter(app, fake, recorder)
    await again.start()
    try:
        for next_question, value in (
            ("one option, or several", "1d"),
            ("while it runs", "one"),
            ("Here is your poll", "open"),
        ):
            await fake.dispatch("INTERACTION_CREATE", pressed(value, question))
            question = await asked(next_question)
        await fake.dispatch("INTERACTION_CREATE", pressed("post", question))
        await asked("runs until")  # posted (as buttons: the test clock is not now)
        # A second one, cancelled half-way: the buttons of the first are spent.
        second = slash("poll", who=MOD)
        second["member"]["permissions"] = mod_perms
        await fake.dispatch("INTERACTION_CREATE", second)
        await fake.wait_for(lambda: callbacks(fake, second))
        cancel = slash("cancel", who=MOD)
        await fake.dispatch("INTERACTION_CREATE", cancel)
        [cancelled] = await fake.wait_for(lambda: callbacks(fake, cancel))
        assert "Cancelled" in cancelled.body["data"]["content"]
        stale = pressed("post", question)
        await fake.dispatch("INTERACTION_CREATE", stale)
        [ended] = await fake.wait_for(lambda: callbacks(fake, stale))
        assert "has ended" in ended.body["data"]["content"]
    finally:
        await again.stop()


def mentioning(author: dict[str, Any], words: str, permissions: str | None = None) -> Any:
    """A message in the shop channel that mentions the bot (what a bot without the
    message-content intent is shown in full)."""
    sent_by = member(author, permissions=permissions)
    return message_payload(
        str(next(_ids)),
        CHANNEL_ID,
        author,
        f"<@{BOT_ID}> {words}",
        guild_id=GUILD_ID,
        mentions=[BOT],
        member={k: v for k, v in sent_by.items() if k != "user"},
    )


async def waiting_newcomers(app: App) -> int:
    from sqlmodel import func, select

    from storage.models import WelcomePending

    async with app.db.read() as session:
        return (await session.exec(select(func.count()).select_from(WelcomePending))).one()


async def test_product_command_with_autocomplete(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    typing = interaction(
        4,
        {
            "id": "1",
            "name": "product",
            "type": 1,
            "options": [{"name": "query", "type": 3, "value": "backp", "focused": True}],
        },
    )
    await fake.dispatch("INTERACTION_CREATE", typing)
    [suggested] = await fake.wait_for(lambda: callbacks(fake, typing))
    choices = suggested.body["data"]["choices"]
    assert {"name": "Trail Backpack 30L · BAG-001", "value": "BAG-001"} in choices
    assert len(choices) <= 25
    command = slash("product", query="BAG-001")
    await fake.dispatch("INTERACTION_CREATE", command)
    [answer] = await fake.wait_for(lambda: callbacks(fake, command))
    assert answer.body["type"] == 4
    [embed] = answer.body["data"]["embeds"]
    assert embed["title"] == "Trail Backpack 30L"
    assert embed["image"]["url"] == "https://shop.example.com/img/bag-001.jpg"
    assert answer.at - fake.interactions[command["id"]] < 3


async def test_mention_question_is_answered_with_mentions_suppressed(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    question = mentioning(ALICE, "do you sell the trail backpack?")
    await fake.dispatch("MESSAGE_CREATE", question)
    [reply] = await fake.wait_for(lambda: fake.sent("POST", f"/channels/{CHANNEL_ID}/messages"))
    assert reply.body["embeds"][0]["title"] == "Trail Backpack 30L"
    assert str(reply.body["message_reference"]["message_id"]) == question["id"]
    assert reply.body["allowed_mentions"]["parse"] == []
    chatter = message_payload(
        str(next(_ids)), CHANNEL_ID, ALICE, "trail backpack?", guild_id=GUILD_ID
    )
    await fake.dispatch("MESSAGE_CREATE", chatter)  # not addressed to the bot
    again = mentioning(ALICE, "thanks!")
    await fake.dispatch("MESSAGE_CREATE", again)  # answered after the chatter was read
    replies = await fake.wait_for(
        lambda: len(r := fake.sent("POST", f"/channels/{CHANNEL_ID}/messages")) >= 2 and r
    )
    assert [str(r.body["message_reference"]["message_id"]) for r in replies] == [
        question["id"],
        again["id"],
    ]


async def test_user_text_cannot_ping(discord_bot: DiscordAdapter, fake: FakeDiscord) -> None:
    hostile = "@everyone @here <@&900000000000000012> <@500000000000000002> **bold**"
    command = slash("search", words=hostile)
    await fake.dispatch("INTERACTION_CREATE", command)
    [answer] = await fake.wait_for(lambda: callbacks(fake, command))
    data = answer.body["data"]
    assert data["allowed_mentions"]["parse"] == []  # no @everyone, roles or users
    assert "\\*\\*bold\\*\\*" in data["content"]  # markdown escaped, shown literally


async def test_button_on_a_message_from_before_a_restart(
    app: App, fake: FakeDiscord, recorder: Recorder
) -> None:
    before = make_adapter(app, fake, recorder)
    await before.start()
    command = slash("search", words="linen shirt")
    await fake.dispatch("INTERACTION_CREATE", command)
    [answer] = await fake.wait_for(lambda: callbacks(fake, command))
    message = answer.result["resource"]["message"]
    buttons = message["components"][0]["components"]
    details = next(b for b in buttons if b.get("custom_id", "").startswith("sb:"))
    assert details["custom_id"] == "sb:product:SHI-001"
    await before.stop()
    after = make_adapter(app, fake, recorder)  # a new process, knowing nothing of the message
    await after.start()
    try:
        press = interaction(
            3, {"custom_id": details["custom_id"], "component_type": 2}, message=message
        )
        await fake.dispatch("INTERACTION_CREATE", press)
        [response] = await fake.wait_for(lambda: callbacks(fake, press))
        assert response.body["data"]["embeds"][0]["title"] == "Linen Shirt"
    finally:
        await after.stop()


async def test_native_poll_and_votes(
    discord_bot: DiscordAdapter, fake: FakeDiscord, recorder: Recorder
) -> None:
    command = slash("vote")
    await fake.dispatch("INTERACTION_CREATE", command)
    [answer] = await fake.wait_for(lambda: callbacks(fake, command))
    poll = answer.body["data"]["poll"]
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["Sand", "Olive"]
    assert poll["duration"] == 24
    message_id = answer.result["resource"]["message"]["id"]
    vote = {
        "user_id": ALICE["id"],
        "channel_id": CHANNEL_ID,
        "message_id": message_id,
        "guild_id": GUILD_ID,
        "answer_id": 2,
    }
    await fake.dispatch("MESSAGE_POLL_VOTE_ADD", vote)
    await fake.dispatch("MESSAGE_POLL_VOTE_REMOVE", vote)
    votes = await fake.wait_for(
        lambda: (v := [e for e in recorder.events if e.poll_vote]) and len(v) == 2 and v
    )
    assert [(v.poll_vote.poll_ref, v.poll_vote.option_ids, v.poll_vote.change) for v in votes] == [
        (message_id, (1,), "add"),
        (message_id, (1,), "remove"),
    ]


async def test_errors_are_ephemeral_and_moderators_come_from_permissions(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    refused = slash("purge")
    await fake.dispatch("INTERACTION_CREATE", refused)
    [answer] = await fake.wait_for(lambda: callbacks(fake, refused))
    assert answer.body["data"]["flags"] & 64
    assert answer.body["data"]["content"] == "Only moderators can do that."
    allowed = interaction(
        2,
        {"id": "1", "name": "purge", "type": 1},
        who=MOD,
        permissions=str(int(EVERYONE_PERMS) | int(MANAGE_MESSAGES)),
    )
    await fake.dispatch("INTERACTION_CREATE", allowed)
    [done] = await fake.wait_for(lambda: callbacks(fake, allowed))
    assert done.body["data"]["content"] == "purged" and not done.body["data"].get("flags")


async def test_image_is_an_attachment(discord_bot: DiscordAdapter, fake: FakeDiscord) -> None:
    command = slash("chart")
    await fake.dispatch("INTERACTION_CREATE", command)
    [answer] = await fake.wait_for(lambda: callbacks(fake, command))
    assert answer.body["_files"] == ["chart.png"]
    assert answer.body["data"]["attachments"][0]["filename"] == "chart.png"


async def test_slow_handler_defers_then_follows_up(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    discord_bot.ack_seconds = SLOW_ACK  # the handler takes longer than this
    command = slash("slow")
    await fake.dispatch("INTERACTION_CREATE", command)
    [deferred] = await fake.wait_for(lambda: callbacks(fake, command))
    assert deferred.body["type"] == 5  # "thinking…"
    assert deferred.at - fake.interactions[command["id"]] < SLOW_ACK + 0.5
    [edit] = await fake.wait_for(lambda: fake.sent("PATCH", f"/token-{command['id']}/messages"))
    assert edit.body["content"] == "worth the wait"


async def test_long_text_is_split(discord_bot: DiscordAdapter, fake: FakeDiscord) -> None:
    command = slash("essay")
    await fake.dispatch("INTERACTION_CREATE", command)
    await fake.wait_for(lambda: callbacks(fake, command))
    followups = await fake.wait_for(
        lambda: len(f := fake.sent("POST", f"/webhooks/{APP_ID}/token-{command['id']}")) >= 2 and f
    )
    contents = [
        callbacks(fake, command)[0].body["data"]["content"],
        *(f.body["content"] for f in followups),
    ]
    assert all(len(c) <= 2000 for c in contents) and len(contents) >= 3
    assert contents[0].endswith("\\*breathes\\*.")
    assert not [c for c in fake.calls if c.status >= 400]


async def test_private_answer_as_dm_or_note(discord_bot: DiscordAdapter, fake: FakeDiscord) -> None:
    command = slash("whisper")
    await fake.dispatch("INTERACTION_CREATE", command)
    [dm] = await fake.wait_for(
        lambda: (
            ALICE["id"] in fake.dm_channels
            and fake.sent("POST", f"/channels/{fake.dm_channels[ALICE['id']]}/messages")
        )
    )
    assert dm.body["content"] == "a secret for you"
    fake.dm_blocked.add(MOD["id"])
    blocked = interaction(2, {"id": "1", "name": "whisper", "type": 1}, who=MOD)
    await fake.dispatch("INTERACTION_CREATE", blocked)
    [note] = await fake.wait_for(lambda: fake.sent("POST", f"/channels/{CHANNEL_ID}/messages"))
    assert "couldn't send you a direct message" in note.body["content"]


async def test_rate_limits_delay_but_never_drop(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    fake.rate_limit(2)
    question = mentioning(ALICE, "yoga mat")
    await fake.dispatch("MESSAGE_CREATE", question)
    [reply] = await fake.wait_for(lambda: fake.sent("POST", f"/channels/{CHANNEL_ID}/messages"))
    assert reply.body["embeds"][0]["title"] == "Yoga Mat"
    assert len([c for c in fake.calls if c.status == 429]) == 2


async def test_gateway_comes_from_the_override_also_after_an_invalid_session(
    discord_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    assert fake.sent("GET", "/gateway/bot")
    await fake.invalidate_session()
    await fake.wait_for(lambda: len(fake.identifies) == 2)
    await discord_bot.client.wait_until_ready()
    command = slash("help")
    await fake.dispatch("INTERACTION_CREATE", command)
    [answer] = await fake.wait_for(lambda: callbacks(fake, command))
    assert "What I can do" in answer.body["data"]["content"]
    assert fake.identifies[0]["intents"] == fake.identifies[1]["intents"]
    intents = fake.identifies[0]["intents"]
    assert not intents & (1 << 15)  # no privileged message-content intent
    assert not intents & (1 << 1)  # nor members, unless enabled


async def test_discord_sync_command(fake: FakeDiscord, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    env.update(SHOPBOT_DISCORD_TOKEN=TOKEN, SHOPBOT_DISCORD_API_URL=fake.api_url)
    process = await start_shopbot("discord", "sync", "--guild", GUILD_ID, env=env, cwd=tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    [sync] = fake.sent("PUT", f"/guilds/{GUILD_ID}/commands")
    [private] = fake.sent("PUT", f"/applications/{APP_ID}/commands")
    synced = {c["name"] for c in sync.body["_list"]} | {c["name"] for c in private.body["_list"]}
    assert synced == {command.name for feature in FEATURES for command in feature.commands}
    assert {"help", "product", "search", "link", "poll"} <= {c["name"] for c in sync.body["_list"]}
    assert "private chats" in stderr.decode()


async def test_poll_end_to_end_native_vote_and_results(
    app: App, fake: FakeDiscord, recorder: Recorder, clock: Any
) -> None:
    from handlers.polls.closing import close_due
    from storage import polls
    from storage.types import utcnow

    clock.now = utcnow()  # Discord poll durations count from the real time
    settings = app.settings.model_copy(
        update={
            "discord_token": SecretStr(TOKEN),
            "discord_api_url": fake.api_url,
            "discord_guild_ready_timeout": 0.05,
        }
    )
    adapter = DiscordAdapter(settings, recorder, app.state, outbox=app.outbox)
    await adapter.start()
    try:
        command = interaction(
            2,
            {
                "id": "1",
                "name": "poll",
                "type": 1,
                "options": [
                    {"name": "deadline", "type": 3, "value": "2h"},
                    {
                        "name": "poll",
                        "type": 3,
                        "value": "Which colour? | Sand | Olive [BAG-001] | Navy",
                    },
                ],
            },
            who=MOD,
            permissions=str(int(EVERYONE_PERMS) | int(MANAGE_MESSAGES)),
        )
        await fake.dispatch("INTERACTION_CREATE", command)
        [answer] = await fake.wait_for(lambda: callbacks(fake, command))
        # The products' pictures come first, then the poll itself.
        [album] = answer.body["data"]["embeds"]
        assert album["title"] == "Olive"
        assert album["image"]["url"] == "https://shop.example.com/img/bag-001.jpg"
        followups = await fake.wait_for(
            lambda: len(f := fake.sent("POST", "/webhooks/")) >= 2 and f
        )  # poll + private note
        [posted] = [f for f in followups if "poll" in f.body]
        assert posted.body["poll"]["duration"] == 2
        message_id = posted.result["id"]
        vote = {
            "user_id": ALICE["id"],
            "channel_id": CHANNEL_ID,
            "message_id": message_id,
            "guild_id": GUILD_ID,
            "answer_id": 3,
        }
        await fake.dispatch("MESSAGE_POLL_VOTE_ADD", vote)

        async def navy_votes() -> int:
            async with app.db.session() as session:
                found = await polls.by_native_refs(session, "discord", [message_id])
                view = await polls.get(session, found[message_id]) if found else None
                if view is None:
                    return 0
                counts, _ = await polls.tally(session, view.id)
                return counts.get(view.options[2].id or 0, 0)

        for _ in range(200):
            if await navy_votes() == 1:
                break
            await asyncio.sleep(0.05)
        assert await navy_votes() == 1
        clock.advance(hours=2, seconds=1)
        assert await close_due(app.services, app.outbox.deliver) == 1
        await fake.wait_for(lambda: fake.sent("POST", f"/polls/{message_id}/expire"))
        posts = await fake.wait_for(
            lambda: len(p := fake.sent("POST", f"/channels/{CHANNEL_ID}/messages")) >= 2 and p
        )
        assert "Final result" in posts[0].body["content"]
        assert "Navy: 1 vote (100%)" in posts[0].body["content"]
        [chart] = posts[1].body["_files"]
        assert chart.startswith("poll-") and chart.endswith(".png")  # the PNG bar chart
    finally:
        await adapter.stop()


async def test_a_one_line_review_with_attached_photos(
    app: App, fake: FakeDiscord, discord_bot: DiscordAdapter, tmp_path: Path
) -> None:
    """`/review` with Discord's attachment options: the photos come with the command,
    are fetched from the CDN and stored without metadata; a PDF is refused."""
    app.services.settings = app.settings.model_copy(update={"media_dir": tmp_path / "media"})
    exif = PILImage.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (60.0, 10.0, 5.0)})
    jpeg = io.BytesIO()
    PILImage.new("RGB", (64, 48), "olive").save(jpeg, "JPEG", exif=exif)
    photo = fake.attach("bag.jpg", jpeg.getvalue())
    review = slash(
        "review", who=ALICE, product="BAG-001", stars=5, text="Great", photo1=photo["id"]
    )
    review["data"]["options"][-1]["type"] = 11
    review["data"]["resolved"] = {"attachments": {photo["id"]: photo}}
    await fake.dispatch("INTERACTION_CREATE", review)
    [answer] = await fake.wait_for(lambda: callbacks(fake, review))
    assert "moderator will read" in answer.body["data"]["content"]
    [stored] = list((tmp_path / "media").glob("*.jpg"))
    assert not PILImage.open(stored).getexif()

    pdf = fake.attach("terms.pdf", b"%PDF-1.4", "application/pdf")
    refused = slash("review", who=ALICE, product="BAG-002", stars=4, photo1=pdf["id"])
    refused["data"]["options"][-1]["type"] = 11
    refused["data"]["resolved"] = {"attachments": {pdf["id"]: pdf}}
    await fake.dispatch("INTERACTION_CREATE", refused)
    [no] = await fake.wait_for(lambda: callbacks(fake, refused))
    assert "not a photo" in no.body["data"]["content"]
    assert no.body["data"]["flags"] & 64  # only the author sees it
