"""Running ShopBot for real, as an operator meets it: failures in one clear line, no
secret in any log line, platforms that come up by themselves after an outage."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
from pathlib import Path

import pytest

from bot import logs
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, UserRef
from handlers.core.router import current_event
from tests import fake_discord, pg
from tests.fake_discord import FakeDiscord, callbacks, slash
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import user as tg_user
from tests.processes import (
    SHOPPERS,
    Cluster,
    Shopbot,
    discord,
    eventually,
    scratch_pg,
    sqlite_cluster,
    telegram,
)
from tests.support import start_shopbot

__all__ = ["discord", "scratch_pg", "sqlite_cluster", "telegram"]  # fixtures
GROUP = SHOPPERS
ALICE = tg_user(9001, "Alice", "alice")
PASSWORD = "s3cretpw"
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) ")
DEMO = Path(__file__).resolve().parent.parent / "config" / "demo_catalog.csv"


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    env.update({f"SHOPBOT_{k.upper()}": v for k, v in settings.items()})
    return env


async def _shopbot(*args: str, cwd: Path, **settings: str) -> tuple[int, str]:
    process = await start_shopbot(*args, env=_env(**settings), cwd=cwd)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def _one_clear_line(code: int, stderr: str, expected: str) -> None:
    """Exit code 1, no traceback, and beside the log lines of what ran before, at most
    two lines: the last says what failed."""
    lines = [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert code == 1, stderr
    assert "Traceback" not in stderr, stderr
    assert 1 <= len(lines) <= 2, stderr
    assert expected in lines[-1], stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- failures in one line -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "database_url is not a database URL: write it as sqlite:///"),
        (f"postgresql://shop:{PASSWORD}@x@db/shop", "has an '@' in its password: write it as %40"),
        (f"postgresql:/shop:{PASSWORD}@db/shop", "database_url is not a database URL"),
        ("mysql://shop@db.example.com/shop", "uses 'mysql', which ShopBot does not support"),
        (f"postgresql://shop:{PASSWORD}@127.0.0.1:1/shop", "nothing answers at 127.0.0.1:1"),
    ],
)
async def test_a_bad_database_url_fails_in_one_line(
    url: str, expected: str, tmp_path: Path
) -> None:
    code, stderr = await _shopbot("db", "upgrade", cwd=tmp_path, database_url=url)
    _one_clear_line(code, stderr, expected)
    assert "database_url" in stderr and PASSWORD not in stderr


async def test_a_missing_postgresql_database_fails_in_one_line(tmp_path: Path) -> None:
    await asyncio.to_thread(pg.require_server)
    url = pg.ADMIN_URL.rsplit("/", 1)[0] + "/shopbot_no_such_db"
    code, stderr = await _shopbot("run", cwd=tmp_path, database_url=url)
    _one_clear_line(code, stderr, "has no database 'shopbot_no_such_db'")
    assert "createdb shopbot_no_such_db" in stderr


async def test_an_sqlite_file_in_a_missing_folder_fails_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'shop.db'}"
    code, stderr = await _shopbot(
        "catalog",
        "import",
        str(DEMO),
        cwd=tmp_path,
        database_url=url,
    )
    _one_clear_line(code, stderr, f"the folder {tmp_path / 'nowhere'} does not exist")
    assert not (tmp_path / "nowhere").exists()  # no folder made on a guess


async def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    process = await start_shopbot(
        "--debug", "db", "upgrade", env=_env(database_url="mysql://x@y/z"), cwd=tmp_path
    )
    _, stderr = await process.communicate()
    assert process.returncode == 1
    assert "Traceback" in stderr.decode() and "DatabaseUnavailable" in stderr.decode()


@pytest.mark.parametrize("command", [("db", "current"), ("catalog", "export")])
async def test_read_only_commands_refuse_a_database_file_that_is_not_there(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    path = tmp_path / "shpo.db"  # a typo of shop.db
    code, stderr = await _shopbot(*command, cwd=tmp_path, database_url=f"sqlite:///{path}")
    _one_clear_line(code, stderr, f"the SQLite database {path} does not exist")
    assert not path.exists()


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("telegram", "Telegram refused the bot token (SHOPBOT_TELEGRAM_TOKEN)"),
        ("discord", "Discord refused the bot token (SHOPBOT_DISCORD_TOKEN)"),
    ],
)
async def test_a_bad_token_fails_in_one_line(
    platform: str,
    expected: str,
    telegram: FakeTelegram,
    discord: FakeDiscord,
    tmp_path: Path,
) -> None:
    where = (
        {"telegram_token": "123456:not-the-token", "telegram_api_url": telegram.base_url}
        if platform == "telegram"
        else {"discord_token": "not-the-token", "discord_api_url": discord.api_url}
    )
    database = f"sqlite:///{tmp_path / 'shop.db'}"
    code, stderr = await _shopbot("run", cwd=tmp_path, database_url=database, **where)
    _one_clear_line(code, stderr, expected)
    assert "not-the-token" not in stderr


# --- secrets ------------------------------------------------------------------------


async def test_no_secret_in_any_line_at_debug_level(
    scratch_pg: str, tmp_path: Path, telegram: FakeTelegram, discord: FakeDiscord
) -> None:
    with_password = scratch_pg.replace("://postgres@", f"://postgres:{PASSWORD}@")
    assert PASSWORD in with_password  # trust auth: the password is not needed, only shown
    cluster = Cluster(with_password, tmp_path)
    try:
        await cluster.load_catalog()
        bot = await cluster.start(telegram=telegram, discord=discord, log_level="DEBUG")
        await bot.running()
        telegram.push_message(GROUP, ALICE, "@shopbot_test_bot linen shirt")
        await telegram.wait_for(lambda: telegram.sent(GROUP, "sendPhoto"))
        help_ = slash("help")
        await discord.dispatch("INTERACTION_CREATE", help_)
        await discord.wait_for(lambda: callbacks(discord, help_))
        assert await bot.stop() == 0
        output = bot.text
        assert "DEBUG" in output and "getUpdates" in output  # the request lines are there
        for secret in (telegram.token, fake_discord.TOKEN, PASSWORD, str(help_["token"])):
            assert secret not in output  # the last: the interaction's, valid 15 minutes
        assert "postgres:***@" in output  # where the URL is shown, its password is masked
    finally:
        await cluster.close()


def test_redaction_covers_configured_secrets_and_their_shapes() -> None:
    redact = logs.Redactor(["tok/en with space", "pw"])  # too short to redact blindly
    line = (
        "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe "
        "tok/en with space tok%2Fen%20with%20space postgresql://u:hunter2@db/shop pw"
    )
    assert redact(line) == (
        "POST https://api.telegram.org/bot***/getMe *** *** postgresql://u:***@db/shop pw"
    )
    token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OmFiY2RlZmdoaWprbG1ub3A"  # Discord's shape
    discord = (
        f"PATCH https://discord.com/api/v10/webhooks/900000000000000001/{token}/messages/"
        f"@original; POST /api/v10/interactions/800000000000000058/{token}/callback;"
        f" {{'t': 'INTERACTION_CREATE', 'd': {{'token': '{token}'}}}}"
    )
    assert redact(discord) == (
        "PATCH https://discord.com/api/v10/webhooks/900000000000000001/***/messages/"
        "@original; POST /api/v10/interactions/800000000000000058/***/callback;"
        " {'t': 'INTERACTION_CREATE', 'd': {'token': '***'}}"
    )


def test_json_logs_carry_the_event_being_handled(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("INFO", "json", ["hunter2"])
    try:
        event = Event(
            "telegram",
            "u:42",
            EventKind.TEXT,
            UserRef("telegram", "1", "Al"),
            ChatRef("telegram", "1", ChatKind.DM),
        )
        token = current_event.set(event)
        logging.getLogger("shopbot.test").warning("password %s rejected", "hunter2")
        current_event.reset(token)
        logging.getLogger("shopbot.test").info("idle")
    finally:
        logging.getLogger().handlers.clear()
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["message"] == "password *** rejected"
    assert (first["level"], first["logger"]) == ("WARNING", "shopbot.test")
    assert (first["platform"], first["event_id"]) == ("telegram", "u:42")
    assert "event_id" not in second and second["message"] == "idle"


# --- recovery -----------------------------------------------------------------------


async def test_telegram_unreachable_at_start_comes_up_by_itself_while_discord_answers(
    sqlite_cluster: Cluster, discord: FakeDiscord
) -> None:
    port = _free_port()
    late = FakeTelegram()
    await sqlite_cluster.load_catalog()
    env_telegram = {
        "telegram_token": late.token,
        "telegram_api_url": f"http://127.0.0.1:{port}/bot",
        "telegram_file_url": f"http://127.0.0.1:{port}/file/bot",
    }
    bot: Shopbot = await sqlite_cluster.start(discord=discord, **env_telegram)
    try:
        await eventually(lambda: _said(bot, "discord: "), seconds=30)
        for _ in range(3):  # Discord answers throughout the outage
            help_ = slash("help")
            await discord.dispatch("INTERACTION_CREATE", help_)
            await discord.wait_for(lambda: callbacks(discord, help_))  # noqa: B023
            await asyncio.sleep(3)
        assert "ShopBot running on" not in bot.text
        tries = [line for line in bot.log if "telegram: cannot start" in line]
        assert len(tries) >= 2, bot.text  # each try a line of its own
        await late.start(port)  # Telegram is back after about 10 s
        late.add_group(GROUP, "Shoppers")
        await bot.running()
        late.push_message(GROUP, ALICE, "@shopbot_test_bot linen shirt")
        await late.wait_for(lambda: late.sent(GROUP, "sendPhoto"))
        assert await bot.stop() == 0
        assert "Traceback" not in bot.text
    finally:
        await late.stop()


async def _said(bot: Shopbot, text: str) -> bool:
    return text in bot.text and " is running" in bot.text


async def test_a_stop_while_a_platform_is_retried_is_prompt(sqlite_cluster: Cluster) -> None:
    port = _free_port()  # nothing listens: Telegram stays unreachable
    bot = await sqlite_cluster.start(
        telegram_token="123456:TEST-token", telegram_api_url=f"http://127.0.0.1:{port}/bot"
    )
    # After the fourth try the wait is 4 to 8 s: a stop must cut it short.
    await eventually(lambda: _tried(bot, 4), seconds=30)
    loop = asyncio.get_running_loop()
    asked = loop.time()
    assert await bot.stop(seconds=10) == 0
    assert loop.time() - asked < 3
    assert "Traceback" not in bot.text


async def _tried(bot: Shopbot, tries: int) -> bool:
    return "telegram: cannot start" in bot.text and f"try {tries} failed" in bot.text


async def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    process = await start_shopbot("--version", env=_env(), cwd=tmp_path)
    stdout, _ = await process.communicate()
    assert process.returncode == 0
    assert stdout.decode() == f"shopbot {version('shopbot')}\n"
