"""`shopbot run` as a person runs it: every platform with a token, in one process and
one event loop, stopped cleanly by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import fake_discord
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import BOT, FakeTelegram, user
from tests.support import import_demo_catalog, start_shopbot

GROUP = -100555


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeDiscord]]:
    telegram, discord = FakeTelegram(), FakeDiscord()
    await telegram.start()
    await discord.start()
    telegram.add_group(GROUP, "Shoppers")
    yield telegram, discord
    await telegram.stop()
    await discord.stop()


async def test_run_serves_telegram_and_discord_together(
    fakes: tuple[FakeTelegram, FakeDiscord], tmp_path: Path
) -> None:
    telegram, discord = fakes
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    env.update(
        SHOPBOT_TELEGRAM_TOKEN=telegram.token,
        SHOPBOT_TELEGRAM_API_URL=telegram.base_url,
        SHOPBOT_DISCORD_TOKEN=fake_discord.TOKEN,
        SHOPBOT_DISCORD_API_URL=discord.api_url,
        SHOPBOT_DISCORD_GUILD_READY_TIMEOUT="0.05",
    )
    await import_demo_catalog(env, tmp_path)
    process = await start_shopbot("run", env=env, cwd=tmp_path)
    try:
        await discord.wait_for(lambda: discord.identifies, seconds=60)
        await telegram.wait_for(lambda: telegram.sent(method="setMyCommands"), seconds=30)
        telegram.push_message(GROUP, user(61, "Tina"), f"@{BOT['username']} yoga mat")
        command = {
            "id": "700000000000000001",
            "application_id": fake_discord.APP_ID,
            "type": 2,
            "token": "run-token",
            "version": 1,
            "locale": "pl",
            "entitlements": [],
            "context": 1,
            "channel_id": "700000000000000002",
            "channel": {"id": "700000000000000002", "type": 1},
            "user": fake_discord.user("700000000000000003", "Dora"),
            "authorizing_integration_owners": {"0": fake_discord.GUILD_ID},
            "attachment_size_limit": 8_000_000,
            "app_permissions": "0",
            "data": {"id": "1", "name": "help", "type": 1},
        }
        await discord.dispatch("INTERACTION_CREATE", command)
        [card] = await telegram.wait_for(lambda: telegram.sent(GROUP, "sendPhoto"))
        assert card.result["caption"].startswith("Yoga Mat")
        [help_] = await discord.wait_for(lambda: discord.sent("POST", "/interactions/"))
        assert "Co potrafię" in help_.body["data"]["content"]  # Dora's Discord is Polish
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "ShopBot running on discord, telegram" in stderr.decode()
