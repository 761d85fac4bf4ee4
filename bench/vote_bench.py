"""Vote handling through router + handler + store (no network), at 1, 10 and 100
concurrent voters, against a bare single-row INSERT + COMMIT loop on the same database.

    .venv/bin/python -m bench.vote_bench [--url URL] [--votes 5000]

Default database: a fresh SQLite file. With a PostgreSQL URL, a scratch database is
created on that server and dropped afterwards. Voters first vote once (creating their
member and account rows); the measured votes then change their choice, as in a running
poll. The app is started as `shopbot run` starts it (background jobs, frozen startup
heap), so the figures include what a live process pays.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App, build_app
from config import Settings
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, Poll, UserRef
from storage.db import normalize_url
from storage.migrate import upgrade

GROUP = ChatRef("bench", "group-1", ChatKind.GROUP, title="bench")
MODERATOR = UserRef("bench", "mod", "Mod", is_chat_admin=True)
VOTERS = 200
_ids = itertools.count()


def press(who: UserRef, poll_ref: str, option: int) -> Event:
    return Event(
        "bench", f"e{next(_ids)}", EventKind.ACTION, who, GROUP, action=f"vote:{poll_ref}:{option}"
    )


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def setup(app: App) -> tuple[str, list[UserRef]]:
    created = await app.router.dispatch(
        Event(
            "bench",
            "create",
            EventKind.COMMAND,
            MODERATOR,
            GROUP,
            command="poll",
            args="30d Which colour? | Sand | Olive | Navy",
        )
    )
    poll_ref = next(o.ref for o in created if isinstance(o, Poll))
    voters = [UserRef("bench", f"v{n}", f"Voter {n}") for n in range(VOTERS)]
    for who in voters:
        await app.router.dispatch(press(who, poll_ref, 0))
    return poll_ref, voters


async def measure(
    app: App, voters: list[UserRef], poll_ref: str, votes: int, concurrency: int
) -> float:
    latencies: list[float] = []
    pending = list(range(votes))

    async def worker(lane: int) -> None:
        while pending:
            n = pending.pop()
            event = press(voters[(n * 7 + lane) % len(voters)], poll_ref, 1 + n % 2)
            started = time.perf_counter()
            await app.router.dispatch(event)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(lane) for lane in range(concurrency)))
    rate = votes / (time.perf_counter() - started)
    print(
        f"  {concurrency:>3} concurrent: {rate:7,.0f} votes/s   "
        f"p50 {percentile(latencies, 50):6.1f} ms   p99 {percentile(latencies, 99):6.1f} ms   "
        f"mean {statistics.fmean(latencies):6.1f} ms"
    )
    return rate


async def bare_inserts(app: App, rows: int) -> float:
    """The floor: one row inserted and committed per transaction, same engine, no ORM."""
    async with app.db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_row (id INTEGER PRIMARY KEY, note TEXT)"))
    started = time.perf_counter()
    for n in range(rows):
        async with app.db.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bench_row (id, note) VALUES (:id, 'x')"), {"id": n + 1}
            )
    rate = rows / (time.perf_counter() - started)
    async with app.db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_row"))
    return rate


@asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[str]:
    """A fresh, empty database on the server of a PostgreSQL `url`; SQLite URLs as given."""
    url = normalize_url(url)
    if not url.startswith("postgresql"):
        yield url
        return
    name = f"shopbot_bench_{os.getpid()}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def run(url: str, votes: int) -> None:
    async with scratch_database(url) as scratch:
        await run_on(scratch, votes)


async def run_on(url: str, votes: int) -> None:
    app = build_app(Settings(database_url=url, load_demo_catalog=False))
    try:
        await upgrade(app.db)
        poll_ref, voters = await setup(app)
        await app.start_background()
        print(f"database {app.db.dialect}, {votes:,} votes per level, {VOTERS} voters")
        levels = (1, 10, 100)
        rates = [await measure(app, voters, poll_ref, votes, c) for c in levels]
        bare = await bare_inserts(app, votes)
        ratios = ", ".join(f"{r / bare:.2f}x at {c}" for c, r in zip(levels, rates, strict=True))
        print(f"  bare INSERT+COMMIT loop: {bare:7,.0f} rows/s; votes/s are {ratios}")
    finally:
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: fresh SQLite file)")
    parser.add_argument("--votes", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.url or f"sqlite:///{Path(tmp) / 'votes.db'}", args.votes))


if __name__ == "__main__":
    main()
