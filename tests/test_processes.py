"""Several `shopbot run` processes on one PostgreSQL database, against the platform
fakes: each interaction is answered by exactly one process, and each platform's
messages reach it whichever process runs it."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from handlers.core.actions import encode
from handlers.rewards.commands import REDEEM
from storage import points
from storage.db import Database
from storage.identity import ensure_member
from storage.types import utcnow
from tests import fake_discord
from tests.fake_discord import (
    EVERYONE_PERMS,
    MANAGE_MESSAGES,
    FakeDiscord,
    interaction,
    message_payload,
    slash,
    user,
)
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import user as tg_user
from tests.processes import Cluster, cluster, discord, eventually, scratch_pg, sqlite_cluster
from tests.support import start_shopbot

__all__ = ["cluster", "discord", "scratch_pg", "sqlite_cluster"]  # fixtures
MOD = user("500000000000000002", "Mod")
TG_GROUP = -100777
TG_ADMIN = tg_user(7001, "Mod", "mod")
MOD_PERMS = str(int(EVERYONE_PERMS) | int(MANAGE_MESSAGES))
LONG = "A very long option that does not fit in a Discord native poll answer"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    server.add_group(TG_GROUP, "Shoppers", admins={TG_ADMIN["id"]})
    yield server
    await server.stop()


async def has(url: str, query: str, expected: object) -> bool:
    return await sql(url, query) == expected


async def sql(url: str, query: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_two_discord_processes_answer_each_of_200_interactions_once(
    cluster: Cluster, discord: FakeDiscord
) -> None:
    await cluster.load_catalog()
    bots = [await cluster.start(discord=discord) for _ in range(2)]
    for bot in bots:
        await bot.running()
    poll = slash("poll", who=MOD, deadline="2h", poll=f"Which one? | {LONG} | Short")
    poll["member"]["permissions"] = MOD_PERMS
    await discord.dispatch("INTERACTION_CREATE", poll)
    # The poll shows as buttons (an option is too long for a native poll).
    [posted] = await discord.wait_for(
        lambda: [c for c in discord.sent("POST") if "Which one?" in str(c.body)]
    )
    message = posted.result if "id" in posted.result else posted.result["resource"]["message"]
    vote_id = message["components"][0]["components"][0]["custom_id"]
    sent: list[dict[str, object]] = [poll]
    for n in range(199):
        if n % 2:
            voter = user(str(600_000_000_000_000_000 + n), f"Voter{n}")
            payload = interaction(3, {"custom_id": vote_id, "component_type": 2}, who=voter)
            payload["message"] = message
        else:
            payload = slash("help")
        sent.append(payload)
    await asyncio.gather(*(discord.dispatch("INTERACTION_CREATE", p) for p in sent))
    ids = {str(p["id"]) for p in sent}
    await discord.wait_for(lambda: ids <= discord.acknowledged, seconds=60)
    await asyncio.sleep(1)  # anything late would still arrive
    callbacks = [c for c in discord.calls if c.path.startswith("/interactions/")]
    per_interaction = Counter(c.path.split("/")[2] for c in callbacks if c.status < 300)
    assert per_interaction == dict.fromkeys(ids, 1)
    refused = [c for c in discord.calls if c.status >= 400]
    assert refused == [], refused[:3]

    # Every answer arrived, as the response or (a busy box defers) as the follow-up
    # that replaces "thinking…": the help texts, the vote confirmations, the poll once.
    def answered(text: str) -> set[str]:
        tokens = {str(p["token"]): str(p["id"]) for p in sent}
        return {
            tokens[part]
            for c in discord.calls
            if c.status < 300 and text in str(c.body)
            for part in c.path.split("/")
            if part in tokens
        }

    # A deferred answer follows when its handler ends, which a loaded box may delay.
    await discord.wait_for(lambda: len(answered("What I can do")) == 100, seconds=60)
    await discord.wait_for(lambda: len(answered("Your vote")) == 99, seconds=60)
    polls = [c for c in discord.sent("POST") if "Which one?" in str(c.body)]
    assert len(polls) == 1
    assert await sql(cluster.database_url, "SELECT count(*) FROM poll_vote") == 99
    for bot in bots:
        assert await bot.stop() == 0
        assert "40060" not in bot.text and "Traceback" not in bot.text
    assert fake_discord.TOKEN not in bots[0].text


async def test_a_telegram_only_and_a_discord_only_process_share_a_mirrored_poll(
    cluster: Cluster, telegram: FakeTelegram, discord: FakeDiscord
) -> None:
    """Each process runs one platform: what one creates for the other's chats waits in
    the database until the other sends it, and nothing is marked sent before that."""
    await cluster.load_catalog()
    tg_bot = await cluster.start(telegram=telegram)
    dc_bot = await cluster.start(discord=discord)
    await tg_bot.running()
    await dc_bot.running()
    telegram.push_message(TG_GROUP, TG_ADMIN, "/link")
    [issued] = await telegram.wait_for(lambda: telegram.sent(TG_GROUP, "sendMessage"))
    code = issued.result["text"].split("Link code for this chat: ")[1][:6]
    link = slash("link", who=MOD, code=code)
    link["member"]["permissions"] = MOD_PERMS
    await discord.dispatch("INTERACTION_CREATE", link)
    await discord.wait_for(lambda: "Linked." in str(discord.sent("POST", "/interactions/")))
    telegram.push_message(
        TG_GROUP, TG_ADMIN, "/poll 2h --everywhere Picnic or hike? | Picnic | Hike"
    )
    [native] = await telegram.wait_for(lambda: telegram.sent(TG_GROUP, "sendPoll"))
    # The Discord copy is posted by the Discord process, as a native poll.
    [copy] = await discord.wait_for(
        lambda: [c for c in discord.sent("POST", "/messages") if "poll" in c.body]
    )
    assert copy.body["poll"]["question"]["text"] == "Picnic or hike?"
    telegram.push_poll_answer(native.result["poll"]["id"], tg_user(5001, "Alice"), [1])
    vote = {
        "user_id": "500000000000000009",
        "channel_id": fake_discord.CHANNEL_ID,
        "message_id": copy.result["id"],
        "guild_id": fake_discord.GUILD_ID,
        "answer_id": 2,
    }
    await discord.dispatch("MESSAGE_POLL_VOTE_ADD", vote)
    url = cluster.database_url
    await eventually(lambda: has(url, "SELECT count(*) FROM poll_vote", 2))
    # Closed from Telegram: the results reach Discord through the Discord process.
    telegram.push_message(TG_GROUP, TG_ADMIN, "/close 1")
    [result] = await discord.wait_for(
        lambda: [c for c in discord.sent("POST", "/messages") if "Final result" in str(c.body)]
    )
    assert "Hike: 2 votes (100%)" in result.body["content"]
    await discord.wait_for(lambda: discord.sent("POST", f"/polls/{copy.result['id']}/expire"))
    tg_result = await telegram.wait_for(
        lambda: [
            c for c in telegram.sent(TG_GROUP, "sendMessage") if "Final result" in str(c.result)
        ]
    )
    assert len(tg_result) == 1
    await telegram.wait_for(lambda: telegram.sent(TG_GROUP, "stopPoll"))
    # Every queued message ends up sent (the results row once its chart is uploaded too).
    waiting = "SELECT count(*) FROM outbox WHERE outcome IS DISTINCT FROM 'sent'"
    await eventually(lambda: has(url, waiting, 0))
    for bot in (tg_bot, dc_bot):
        assert await bot.stop() == 0
        assert "Traceback" not in bot.text
    assert "no discord adapter" not in tg_bot.text


def private_chats(telegram: FakeTelegram, count: int) -> list[int]:
    users = [8000 + n for n in range(count)]
    for user_id in users:
        telegram.add_private(user_id)
    return users


def answered(telegram: FakeTelegram, users: list[int]) -> Counter[int]:
    wanted = set(users)
    return Counter(c.chat_id for c in telegram.sent(method="sendMessage") if c.chat_id in wanted)


async def test_a_killed_telegram_process_loses_no_fetched_update(
    sqlite_cluster: Cluster, telegram: FakeTelegram
) -> None:
    """SIGKILL in the middle of a backlog: what was not handled is delivered again, what
    was handled but not answered gets its kept reply; every question is answered."""
    await sqlite_cluster.load_catalog()
    users = private_chats(telegram, 200)
    for user_id in users:
        telegram.push_message(user_id, tg_user(user_id, f"U{user_id}"), "/help")
    first = await sqlite_cluster.start(telegram=telegram)
    await telegram.wait_for(lambda: len(answered(telegram, users)) >= 40, seconds=60)
    await first.kill()
    before = len(answered(telegram, users))
    assert before < len(users)  # killed with a backlog
    second = await sqlite_cluster.start(telegram=telegram)
    await telegram.wait_for(lambda: len(answered(telegram, users)) == len(users), seconds=90)
    replies = answered(telegram, users)
    # At most the updates in hand at the kill can be answered twice (sent, not yet noted).
    assert sum(replies.values()) - len(users) <= 16
    assert await second.stop() == 0
    assert "Traceback" not in second.text


async def test_a_stop_during_an_outage_takes_under_ten_seconds_and_loses_nothing(
    sqlite_cluster: Cluster, telegram: FakeTelegram
) -> None:
    await sqlite_cluster.load_catalog()
    users = private_chats(telegram, 20)
    bot = await sqlite_cluster.start(telegram=telegram)
    await bot.running()
    telegram.outage(100_000)  # every send fails with 502 from now on
    for user_id in users:
        telegram.push_message(user_id, tg_user(user_id, f"U{user_id}"), "/help")
    await telegram.wait_for(lambda: telegram.outages_served >= 20, seconds=30)
    started = asyncio.get_running_loop().time()
    assert await bot.stop() == 0
    assert asyncio.get_running_loop().time() - started < 10
    telegram.outage(0)  # Telegram is back: the next start answers everyone
    again = await sqlite_cluster.start(telegram=telegram)
    await telegram.wait_for(lambda: len(answered(telegram, users)) == len(users), seconds=60)
    assert await again.stop() == 0


async def test_discord_votes_cast_while_the_bot_was_down_count_after_start(
    sqlite_cluster: Cluster, discord: FakeDiscord
) -> None:
    await sqlite_cluster.load_catalog()
    bot = await sqlite_cluster.start(discord=discord)
    await bot.running()
    poll = slash("poll", who=MOD, deadline="2h", poll="Best trail? | Ridge | Lake | Forest")
    poll["member"]["permissions"] = MOD_PERMS
    await discord.dispatch("INTERACTION_CREATE", poll)
    [message] = await discord.wait_for(
        lambda: [m for m in discord.messages.values() if "poll" in m]
    )
    ana, ben, cy = (user(str(610_000_000_000_000_000 + n), name) for n, name in enumerate("ABC"))
    await discord.vote(message["id"], ana, 1)  # seen live
    db = sqlite_cluster.database_url.removeprefix("sqlite:///")
    await eventually(lambda: has_sqlite(db, "SELECT count(*) FROM poll_vote", 1))
    assert await bot.stop() == 0
    # While the bot is down: two new voters, and Ana changes her mind.
    await discord.vote(message["id"], ben, 2, bot_connected=False)
    await discord.vote(message["id"], cy, 3, bot_connected=False)
    await discord.vote(message["id"], ana, 1, add=False, bot_connected=False)
    await discord.vote(message["id"], ana, 2, bot_connected=False)
    again = await sqlite_cluster.start(discord=discord)
    await again.running()
    tally = (
        "SELECT group_concat(position || ':' || n) FROM (SELECT o.position, count(*) AS n "
        "FROM poll_vote v JOIN poll_option o ON o.id = v.option_id "
        "GROUP BY o.position ORDER BY o.position)"
    )
    await eventually(lambda: has_sqlite(db, tally, "1:2,2:1"))
    assert await again.stop() == 0
    assert "Traceback" not in again.text


async def has_sqlite(path: str, query: str, expected: object) -> bool:
    def read() -> object:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return conn.execute(query).fetchone()[0]

    return await asyncio.to_thread(read) == expected


async def test_two_processes_deliver_each_of_100_codes_once_under_1000_redeem_presses(
    cluster: Cluster, discord: FakeDiscord, tmp_path: Path
) -> None:
    """Two `shopbot run` processes take 1,000 Redeem presses from 300 members at once, on
    a reward of 100 codes with a limit of one per member: each code is claimed and sent
    privately once, to 100 different members, and every balance equals its ledger."""
    codes = tmp_path / "codes.csv"
    rows = "".join(f"Tote bag,50,1,TOTE-{n:03d}\n" for n in range(100))
    codes.write_text("reward,price,per_member,code\n" + rows, encoding="utf-8")
    env = cluster.env()
    process = await start_shopbot("rewards", "import", str(codes), env=env, cwd=tmp_path)
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    ids = [str(700_000_000_000_000_000 + n) for n in range(300)]
    db = Database(cluster.database_url)
    try:
        async with db.session() as session:
            for n, user_id in enumerate(ids):
                found = await ensure_member(session, "discord", user_id, f"M{n}")
                await points.earn(session, found.member_id, 120, "review", f"seed:{n}", utcnow())
            reward_id = (await points.rewards(session, found.member_id))[0].id
    finally:
        await db.dispose()
    bots = [await cluster.start(discord=discord) for _ in range(2)]
    for bot in bots:
        await bot.running()
    token = f"sb:{encode(REDEEM, str(reward_id))}"
    rng = random.Random(4)
    button = {"type": 2, "style": 2, "label": "Redeem", "custom_id": token}
    offer = message_payload(
        "900000000000000777",
        fake_discord.CHANNEL_ID,
        user(fake_discord.APP_ID, "ShopBot", bot=True),
        "Tote bag",
        components=[{"type": 1, "components": [button]}],
    )
    presses = [
        interaction(
            3,
            {"custom_id": token, "component_type": 2},
            who=user(ids[who], "M"),
            message=offer,
        )
        for who in (rng.randrange(300) for _ in range(1000))
    ]
    await asyncio.gather(*(discord.dispatch("INTERACTION_CREATE", p) for p in presses))
    pressed = {str(p["id"]) for p in presses}

    def answered() -> bool:
        # Each press gets its answer: at once, or as the follow-up to a deferral.
        done = {
            c.path.split("/")[2]
            for c in discord.sent("POST", "/interactions/")
            if c.body.get("type") in (4, 7)
        }
        done |= {
            part.removeprefix("token-")
            for c in discord.sent(contains="/webhooks/")
            for part in c.path.split("/")
            if part.startswith("token-")
        }
        return pressed <= done

    await discord.wait_for(answered, seconds=120)
    url = cluster.database_url
    await eventually(
        lambda: has(url, "SELECT count(*) FROM outbox WHERE outcome IS DISTINCT FROM 'sent'", 0),
        seconds=60,
    )
    claimed = "SELECT count(DISTINCT member_id) FROM reward_code WHERE member_id IS NOT NULL"
    assert await sql(url, claimed) == 100
    assert await sql(url, "SELECT count(*) FROM points_entry WHERE reason = 'redeem'") == 100
    unequal = (
        "SELECT count(*) FROM points_balance b WHERE b.balance <> "
        "(SELECT coalesce(sum(points), 0) FROM points_entry e WHERE e.member_id = b.member_id)"
    )
    assert await sql(url, unequal) == 0
    # Each code reached its member's private chat once, and no other code was sent.
    sent = Counter(
        code
        for c in discord.sent("POST", "/messages")
        if c.path.split("/")[2] in discord.dm_channels.values()
        for code in re.findall(r"TOTE-\d{3}", str(c.body))
    )
    assert len(sent) == 100 and set(sent.values()) == {1}
    for bot in bots:
        assert await bot.stop() == 0
        assert "Traceback" not in bot.text
