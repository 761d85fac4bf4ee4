"""Several `shopbot run` processes on one PostgreSQL database, against the platform
fakes: each interaction is answered by exactly one process, and each platform's
messages reach it whichever process runs it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests import fake_discord
from tests.fake_discord import (
    EVERYONE_PERMS,
    MANAGE_MESSAGES,
    FakeDiscord,
    interaction,
    slash,
    user,
)
from tests.processes import Cluster, cluster, scratch_pg

__all__ = ["cluster", "scratch_pg"]  # fixtures
MOD = user("500000000000000002", "Mod")
MOD_PERMS = str(int(EVERYONE_PERMS) | int(MANAGE_MESSAGES))
LONG = "A very long option that does not fit in a Discord native poll answer"


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


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
    # Every answer arrived: the help texts, the vote confirmations, the poll itself once.
    helps = [c for c in callbacks if "What I can do" in str(c.body)]
    assert len(helps) == 100
    votes = [c for c in callbacks if "Your vote" in str(c.body)]
    assert len(votes) == 99
    polls = [c for c in discord.sent("POST") if "Which one?" in str(c.body)]
    assert len(polls) == 1
    assert await sql(cluster.database_url, "SELECT count(*) FROM poll_vote") == 99
    for bot in bots:
        assert await bot.stop() == 0
        assert "40060" not in bot.text and "Traceback" not in bot.text
    assert fake_discord.TOKEN not in bots[0].text
