"""Points: ledger writes per second at 100 concurrent earners, and `/points` latency with
1,000,000 ledger rows, each next to a floor measured in the same run.

    .venv/bin/python -m bench.points_bench [--url URL] [--writes 5000] [--rows 1000000]

Writes go through `storage.points.earn` in units of work of their own (the member's
balance locked, the entry keyed by its source, the balance moved), as a feature pays;
the floor is a bare sqlite3 loop of one INSERT and COMMIT per row on the same kind of
file. `/points` goes through router + handler + store; its floor is a product question
in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.catalog_bench import percentile
from bench.reviews_bench import timed
from bot.app import App, build_app, prepare
from config import Settings
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, UserRef
from storage import points

EARNERS = 100
MEMBERS = 10_000
BATCH = 20_000
_ids = itertools.count()


async def writes(app: App, total: int) -> float:
    """Credits per second from EARNERS members earning at once."""
    async with app.db.session() as session:
        await session.exec(  # type: ignore[call-overload]
            text("INSERT INTO member (id, display_name, created_at) VALUES (:id, :n, :t)"),
            params=[{"id": m, "n": f"E{m}", "t": datetime.now(UTC)} for m in range(1, EARNERS + 1)],
        )
    per = total // EARNERS

    async def earner(member: int) -> None:
        for n in range(per):
            async with app.db.session() as session:
                now = datetime.now(UTC)
                await points.earn(session, member, 5, "review", f"w:{member}:{n}", now)

    started = time.perf_counter()
    await asyncio.gather(*(earner(m) for m in range(1, EARNERS + 1)))
    return per * EARNERS / (time.perf_counter() - started)


def floor_rate(path: Path, total: int) -> float:
    """A bare sqlite3 loop: one INSERT and COMMIT per row, WAL as ShopBot sets it."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE floor (id INTEGER PRIMARY KEY, member INT, points INT, src TEXT UNIQUE)"
    )
    started = time.perf_counter()
    for n in range(total):
        conn.execute(
            "INSERT INTO floor (member, points, src) VALUES (?, ?, ?)", (n % 100, 5, f"s{n}")
        )
        conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return total / elapsed


async def fill(app: App, rows: int) -> None:
    """`rows` ledger entries over MEMBERS members, and their balances, in bulk."""
    async with app.db.session() as session:
        await session.exec(  # type: ignore[call-overload]
            text("INSERT INTO member (id, display_name, created_at) VALUES (:id, :n, :t)"),
            params=[{"id": 1000 + m, "n": f"M{m}", "t": datetime.now(UTC)} for m in range(MEMBERS)],
        )
        # Their accounts, so `/points` from "console:M<n>" reads member 1000 + n.
        await session.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO account (platform, platform_user_id, member_id, display_name, "
                "created_at) VALUES ('console', :u, :id, :u, :t)"
            ),
            params=[{"id": 1000 + m, "u": f"M{m}", "t": datetime.now(UTC)} for m in range(MEMBERS)],
        )
    base = datetime(2026, 1, 1, tzinfo=UTC)
    insert = text(
        'INSERT INTO points_entry (member_id, points, reason, source, "left", at, expires_at) '
        "VALUES (:m, :p, 'review', :s, :l, :at, :exp)"
    )
    for start in range(0, rows, BATCH):
        batch = [
            {
                "m": 1000 + n % MEMBERS,
                "p": 10,
                "s": f"fill:{n}",
                "l": 10,
                "at": base + timedelta(minutes=n // MEMBERS),
                "exp": base + timedelta(days=365),
            }
            for n in range(start, min(rows, start + BATCH))
        ]
        async with app.db.session() as session:
            await session.exec(insert, params=batch)  # type: ignore[call-overload]
        print(f"\rledger: {min(rows, start + BATCH):,} rows", end="", flush=True)
    async with app.db.session() as session:
        await session.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO points_balance (member_id, balance) SELECT member_id, SUM(points) "
                "FROM points_entry WHERE member_id >= 1000 GROUP BY member_id"
            )
        )
        await session.exec(text("ANALYZE"))  # type: ignore[call-overload]
    print()


async def run(url: str, total: int, rows: int, requests: int, tmp: Path) -> None:
    app = build_app(Settings(database_url=url, load_demo_catalog=True, media_dir=tmp))
    await prepare(app, load_demo=True)
    rate = await writes(app, total)
    print(f"ledger writes, {EARNERS} concurrent earners: {rate:,.0f}/s ({total:,} credits)")
    if app.db.dialect == "sqlite":
        floor = floor_rate(tmp / "floor.db", total)
        print(f"floor: bare sqlite3 INSERT + COMMIT per row: {floor:,.0f}/s")
    await fill(app, rows)
    rng = random.Random(2)
    who = {n: UserRef("console", f"M{n}", f"M{n}") for n in range(MEMBERS)}

    def asking(i: int) -> Event:
        m = rng.randrange(MEMBERS)
        return Event(
            "bench",
            f"p{next(_ids)}",
            EventKind.COMMAND,
            who[m],
            ChatRef("bench", f"dm:{m}", ChatKind.DM),
            command="points",
        )

    def question(i: int) -> Event:
        return Event(
            "bench",
            f"q{next(_ids)}",
            EventKind.TEXT,
            who[0],
            ChatRef("bench", "dm:0", ChatKind.DM),
            text="trail backpack under 100 EUR",
        )

    base = await timed(question, app, requests)
    shown = await timed(asking, app, requests)
    p95 = percentile(shown, 95)
    print(f"{requests:,} requests each through router + handler + store, {rows:,} ledger rows")
    print(f"product question  p50 {percentile(base, 50):.1f}  p95 {percentile(base, 95):.1f} ms")
    print(
        f"/points           p50 {percentile(shown, 50):.1f}  p95 {p95:.1f} ms"
        f"  = {p95 / percentile(base, 95):.2f}x the question p95"
    )
    await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: fresh SQLite file)")
    parser.add_argument("--writes", type=int, default=5_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(run(url, args.writes, args.rows, args.requests, Path(tmp)))


if __name__ == "__main__":
    main()
