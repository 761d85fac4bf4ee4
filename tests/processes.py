"""Real `shopbot run` processes for tests where processes matter: several on one
database, killed and restarted, each running some platforms."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from asyncio.subprocess import Process
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from tests import fake_discord, pg
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.support import import_demo_catalog, start_shopbot


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    """Wait until `check` holds: state another process changes, polled."""
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 - the change happens in another process
            await asyncio.sleep(0.05)


class Shopbot:
    """One `shopbot run` process; its log is collected while it runs."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.log: list[str] = []
        assert process.stderr is not None
        self._reader = asyncio.create_task(self._read(process.stderr))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.log.append(line.decode(errors="replace"))

    @property
    def text(self) -> str:
        return "".join(self.log)

    async def running(self, seconds: float = 60) -> None:
        """Wait until it says it runs (platforms connected and answering)."""
        async with asyncio.timeout(seconds):
            while "ShopBot running on" not in self.text:
                if self.process.returncode is not None:
                    raise AssertionError(f"shopbot ended early:\n{self.text}")
                await asyncio.sleep(0.05)

    async def stop(self, sig: int = signal.SIGTERM, seconds: float = 30) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), seconds)
        await self._reader
        return code

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()
        await self._reader


class Cluster:
    """Processes of one bot sharing one database, against the platform fakes."""

    def __init__(self, database_url: str, cwd: Path) -> None:
        self.database_url = database_url
        self.cwd = cwd
        self.processes: list[Shopbot] = []

    def env(
        self, telegram: FakeTelegram | None = None, discord: FakeDiscord | None = None
    ) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
        env["SHOPBOT_DATABASE_URL"] = self.database_url
        if telegram is not None:
            env.update(
                SHOPBOT_TELEGRAM_TOKEN=telegram.token,
                SHOPBOT_TELEGRAM_API_URL=telegram.base_url,
                SHOPBOT_TELEGRAM_FILE_URL=telegram.file_url,
            )
        if discord is not None:
            env.update(
                SHOPBOT_DISCORD_TOKEN=fake_discord.TOKEN,
                SHOPBOT_DISCORD_API_URL=discord.api_url,
                SHOPBOT_DISCORD_GUILD_READY_TIMEOUT="0.05",  # the fake sends its guild at once
            )
        return env

    async def load_catalog(self) -> None:
        await import_demo_catalog(self.env(), self.cwd)

    async def start(
        self,
        telegram: FakeTelegram | None = None,
        discord: FakeDiscord | None = None,
        **settings: str,
    ) -> Shopbot:
        env = self.env(telegram, discord)
        env.update({f"SHOPBOT_{k.upper()}": v for k, v in settings.items()})
        bot = Shopbot(await start_shopbot("run", env=env, cwd=self.cwd))
        self.processes.append(bot)
        return bot

    async def close(self) -> None:
        for number, bot in enumerate(self.processes, start=1):
            await bot.kill()
            print(f"--- shopbot process {number} ---\n{bot.text}")  # shown when a test fails


SHOPPERS = -100555  # the group the fake Bot API's bot is in


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API, the bot a member of one group (SHOPPERS)."""
    server = FakeTelegram()
    await server.start()
    server.add_group(SHOPPERS, "Shoppers")
    yield server
    await server.stop()


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def scratch_pg() -> Iterator[str]:
    """A PostgreSQL database of its own (processes migrate it themselves)."""
    pg.require_server()
    url = pg.create_database()
    yield url
    pg.drop_database(url)


@pytest.fixture
async def cluster(scratch_pg: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    found = Cluster(scratch_pg, tmp_path)
    yield found
    await found.close()


@pytest.fixture
async def sqlite_cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    """Processes sharing one SQLite file."""
    found = Cluster(f"sqlite:///{tmp_path / 'shopbot.db'}", tmp_path)
    yield found
    await found.close()
