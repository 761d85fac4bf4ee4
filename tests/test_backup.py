"""`shopbot db backup` and `db restore`: a consistent copy of a live SQLite database,
and no restore from under a running bot."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from bot.app import build_app, prepare
from config import Settings
from handlers.core.model import ChatKind, ChatRef, Poll, UserRef
from tests.support import Clock, action, command, start_shopbot

GROUP = ChatRef("console", "group:backup", ChatKind.GROUP, title="backup")
MOD = UserRef("console", "mona", "Mona", "mona", "en", is_chat_admin=True)
VOTES = 1000


def _env(database: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPBOT_")}
    env["SHOPBOT_DATABASE_URL"] = f"sqlite:///{database}"
    env.update({f"SHOPBOT_{k.upper()}": v for k, v in settings.items()})
    return env


async def _shopbot(*args: str, database: Path) -> tuple[int, str]:
    process = await start_shopbot(*args, env=_env(database), cwd=database.parent)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def _voters(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "SELECT a.platform_user_id FROM poll_vote v JOIN account a ON a.member_id = v.member_id"
        ).fetchall()
    return {row[0] for row in rows}


async def test_a_backup_during_1000_votes_restores_every_vote_committed_before_it(
    clock: Clock, tmp_path: Path
) -> None:
    database = tmp_path / "shop.db"
    app = build_app(Settings(database_url=f"sqlite:///{database}"), clock)
    await prepare(app, load_demo=True)
    try:
        outs = await app.router.dispatch(
            command("poll", "2h Which bag? | Trail | City", actor=MOD, chat=GROUP)
        )
        poll = next(o for o in outs if isinstance(o, Poll))
        committed: list[str] = []

        async def vote(n: int) -> None:
            voter = UserRef("console", f"voter{n}", f"Voter {n}")
            await app.router.dispatch(action(f"vote:{poll.ref}:{n % 2}", actor=voter, chat=GROUP))
            committed.append(voter.id)

        async def votes() -> None:
            for start in range(0, VOTES, 10):  # ten voters at a time
                await asyncio.gather(*(vote(n) for n in range(start, start + 10)))

        voting = asyncio.create_task(votes())
        while len(committed) < 300:  # noqa: ASYNC110 - the voting task appends
            await asyncio.sleep(0.01)
        before = set(committed)
        copy = tmp_path / "backup.db"
        code, said = await _shopbot("db", "backup", str(copy), database=database)
        assert code == 0, said
        during = set(committed)
        await voting
        assert len(committed) == VOTES and voting.done()
    finally:
        await app.close()
    assert len(during) < VOTES  # the votes went on while the backup ran
    restored = tmp_path / "restored.db"
    code, said = await _shopbot("db", "restore", str(copy), database=restored)
    assert code == 0, said
    found = _voters(restored)
    assert before <= found <= set(committed)  # every vote committed before it, no torn one
    assert _voters(database) == set(committed)


async def test_restore_is_refused_while_a_bot_runs_on_the_file(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    code, said = await _shopbot("db", "upgrade", database=database)
    assert code == 0, said
    copy = tmp_path / "backup.db"
    assert (await _shopbot("db", "backup", str(copy), database=database))[0] == 0
    chat = await start_shopbot("chat", env=_env(database), cwd=tmp_path, stdin=True)
    chat_in = chat.stdin
    assert chat_in is not None
    try:
        chat_in.write(b"hello\n")  # a bot is running: the console chat, on this file
        await chat_in.drain()
        assert chat.stdout is not None
        await asyncio.wait_for(chat.stdout.readline(), 60)  # it has started and answered
        code, said = await _shopbot("db", "restore", str(copy), database=database)
        assert code == 1 and "a bot is running on" in said and "Traceback" not in said
    finally:
        chat_in.close()
        await asyncio.wait_for(chat.wait(), 30)
    code, said = await _shopbot("db", "restore", str(copy), database=database)
    assert code == 0 and "restored" in said


async def test_a_damaged_or_foreign_file_is_not_restored(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"not a database at all" * 100)
    code, said = await _shopbot("db", "restore", str(junk), database=database)
    assert code == 1 and "is not a ShopBot database" in said
    assert not database.exists()


async def test_postgresql_gets_the_pg_dump_command_without_the_password(tmp_path: Path) -> None:
    env = _env(
        tmp_path / "unused.db", database_url="postgresql://shop:s3cretpw@db.example:5432/shop"
    )
    process = await start_shopbot("db", "backup", "shop.dump", env=env, cwd=tmp_path)
    _, stderr = await process.communicate()
    said = stderr.decode()
    assert process.returncode == 2
    assert (
        "pg_dump --format=custom --file=shop.dump 'postgresql://shop@db.example:5432/shop'" in said
    )
    assert "s3cretpw" not in said
