"""Pick lists and trends at scale: /top and the "Trending here" label with 1,000,000
signal rows, and what recording signals costs the question path.

    .venv/bin/python -m bench.discovery_bench [--signals 1000000] [--url URL]

Default database: a fresh SQLite file (a PostgreSQL URL gets a scratch database on its
server). The made-up history: 10,000 products, 20,000 members, 12 group chats (four of
them linked into one community), 60 days, product interest skewed as in real shops
(a few products draw most of it). Everything is timed through the router, as a chat
message arrives, next to floors measured in the same run: the bare statement /top
reads, and a command that reads nothing (/help).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.catalog_bench import percentile, write_catalog
from bench.vote_bench import scratch_database
from bot.app import App, build_app
from config import Settings
from handlers.catalog.formats import Format
from handlers.catalog.service import import_catalog
from handlers.core import signals as noted
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, UserRef
from handlers.discovery.commands import roll_up
from storage import signals
from storage.identity import ensure_chat, ensure_member
from storage.migrate import upgrade
from storage.models import Community
from storage.signals import Kind, SignalFact

PRODUCTS = 10_000
MEMBERS = 20_000
CHATS = 12
LINKED = 4  # chats 0-3 are one community
DAYS = 60
KINDS = [Kind.VIEW] * 60 + [Kind.QUESTION] * 8 + [Kind.CLICK] * 12 + [Kind.SHARE] * 5
KINDS += [Kind.ARRIVAL] * 2 + [Kind.VOTE] * 8 + [Kind.REVIEW] * 2 + [Kind.ORDER] * 3
BATCH = 5_000
RUNS = 300
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def chat(n: int) -> ChatRef:
    return ChatRef("bench", f"group-{n}", ChatKind.GROUP, title=f"group {n}")


def event(kind: EventKind, n: int, who: UserRef, where: ChatRef, **fields: Any) -> Event:
    return Event("bench", f"d{time.perf_counter_ns()}-{n}", kind, who, where, **fields)


async def setup(app: App, total: int, tmp: Path) -> tuple[list[int], list[int], list[int]]:
    catalog = tmp / "catalog.csv"
    write_catalog(catalog, PRODUCTS)
    report = await import_catalog(app.db, catalog, Format.CSV)
    assert report.ok, report.problems[:3]
    async with app.db.session() as session:
        chat_ids = [
            await ensure_chat(session, "bench", chat(n).id, "group", chat(n).title)
            for n in range(CHATS)
        ]
        community = Community(name="bench")
        session.add(community)
        await session.flush()
        connection = await session.connection()
        for chat_id in chat_ids[:LINKED]:
            await connection.execute(
                text("UPDATE chat SET community_id = :c WHERE id = :i"),
                {"c": community.id, "i": chat_id},
            )
        members = [
            (await ensure_member(session, "bench", f"m{n}", f"Member {n}")).member_id
            for n in range(MEMBERS)
        ]
        found = await connection.execute(text("SELECT id FROM product"))
        product_ids = [row[0] for row in found.all()]
    started = time.perf_counter()
    await fill(app, total, chat_ids, members, product_ids)
    elapsed = time.perf_counter() - started
    print(f"history: {total:,} signals written in {elapsed:.1f} s ({total / elapsed:,.0f}/s)")
    return chat_ids, members, product_ids


async def fill(
    app: App, total: int, chat_ids: list[int], members: list[int], product_ids: list[int]
) -> None:
    """`total` signals over `DAYS` days; a Zipf-like skew over products."""
    rng = random.Random(5)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(product_ids))]
    shuffled = product_ids[:]
    rng.shuffle(shuffled)
    done = 0
    while done < total:
        count = min(BATCH, total - done)
        picks = rng.choices(shuffled, weights, k=count)
        facts = []
        for n, product in enumerate(picks):
            at = NOW - timedelta(seconds=rng.uniform(0, DAYS * 86_400))
            kind = rng.choice(KINDS)
            member = rng.choice(members) if kind is not Kind.CLICK else None
            facts.append(
                SignalFact(
                    f"b:{done + n}",
                    rng.choice(chat_ids),
                    product,
                    member,
                    kind,
                    at,
                    rng.random() < 0.02,
                )
            )
        async with app.db.session() as session:
            await signals.record(session, facts)
        done += count
        if done % 100_000 == 0:
            print(f"  {done:,} / {total:,} signals", flush=True)


async def timed(
    label: str, runs: int, step: Callable[[int], Awaitable[object]]
) -> tuple[float, float]:
    for n in range(20):  # warm the statement caches
        await step(n)
    latencies = []
    for n in range(runs):
        started = time.perf_counter()
        await step(n)
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(f"  {label:<44} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   max {max(latencies):6.1f}")
    return p50, p95


async def lists(app: App, chat_ids: list[int]) -> None:
    shopper = UserRef("bench", "m1", "Member 1", locale="en")
    here = chat(0)  # in the linked community: four chats' signals

    def command(name: str, args: str = "") -> Callable[[int], Awaitable[object]]:
        async def send(n: int) -> object:
            return await app.router.dispatch(
                event(EventKind.COMMAND, n, shopper, here, command=name, args=args)
            )

        return send

    print("pick lists, through the router (a group in a four-chat community):")
    await timed("/help (floor: a command that reads nothing)", RUNS, command("help"))
    await timed("/top (this month)", RUNS, command("top"))
    await timed("/top week", RUNS, command("top", "week"))
    await timed("/top all", RUNS, command("top", "all"))
    await timed("/top home month (a category)", RUNS, command("top", "home month"))
    ids = ",".join(str(i) for i in chat_ids[:LINKED])
    bare = f"""SELECT product_id, sum(score) s FROM signal_day
        WHERE chat_id IN ({ids}) AND day >= :since GROUP BY product_id ORDER BY s DESC LIMIT 10"""
    since = (NOW - timedelta(days=29)).date()

    async def floor(n: int) -> object:
        async with app.db.read() as session:
            connection = await session.connection()
            return (await connection.execute(text(bare), {"since": since})).all()

    await timed("floor: the bare month statement", RUNS, floor)

    print("trending:")
    await timed("/trending", RUNS, command("trending"))

    async def card(n: int) -> object:
        return await app.router.dispatch(
            event(EventKind.TEXT, n, shopper, here, text="warm tent", addressed=True)
        )

    await timed("a question's cards, with the trend label read", RUNS, card)


async def questions(app: App, rounds: int) -> None:
    """The question bench with and without recording views, alternating in blocks so
    both see the same machine; members rotate, so each view is a new row."""
    from bench.catalog_bench import questions as asked

    texts = asked(rounds * 2 + 40)
    where = chat(5)
    with_signals: list[float] = []
    without: list[float] = []
    real_note = noted.note

    async def skip(*_: object, **__: object) -> None:
        return None

    for block in range(10):
        quiet = block % 2 == 1
        noted.note = skip if quiet else real_note  # type: ignore[assignment]
        target = without if quiet else with_signals
        for n in range(rounds // 5):
            who = UserRef("bench", f"m{(block * 1000 + n) % MEMBERS}", "M", locale="en")
            question = texts[(block * 97 + n) % len(texts)]
            started = time.perf_counter()
            await app.router.dispatch(
                event(EventKind.TEXT, n, who, where, text=question, addressed=True)
            )
            target.append((time.perf_counter() - started) * 1000)
    noted.note = real_note  # type: ignore[assignment]
    a, b = statistics.fmean(with_signals), statistics.fmean(without)
    print("questions (router+handler+store), views recorded vs not, same run:")
    print(
        f"  with signals    p50 {percentile(with_signals, 50):6.2f}  p95 "
        f"{percentile(with_signals, 95):6.2f}  mean {a:6.2f} ms"
    )
    print(
        f"  without         p50 {percentile(without, 50):6.2f}  p95 "
        f"{percentile(without, 95):6.2f}  mean {b:6.2f} ms"
    )
    print(f"  cost of recording: {100 * (a - b) / b:+.1f}% of the mean")


async def minute(app: App, chat_ids: list[int]) -> None:
    """The job's usual run: a minute's new signals (at 1,000,000 in 60 days, about 12)
    in the community, counted and the community ranked again."""
    async with app.db.session() as session:
        facts = [
            SignalFact(
                f"minute:{n}:{time.perf_counter_ns()}",
                chat_ids[n % LINKED],
                1 + n,
                None,
                Kind.CLICK,
                NOW,
            )
            for n in range(12)
        ]
        await signals.record(session, facts)
    started = time.perf_counter()
    ranked = await roll_up(app.services)
    took = 1000 * (time.perf_counter() - started)
    print(f"a minute's roll-up (the job's usual run): {ranked} communities ranked in {took:.0f} ms")


async def run(url: str, total: int) -> None:
    async with scratch_database(url) as scratch:
        clock = lambda: NOW  # noqa: E731  (the history ends now)
        app = build_app(
            Settings(database_url=scratch, load_demo_catalog=False, semantic_search=False),
            clock=clock,
        )
        await upgrade(app.db)
        with tempfile.TemporaryDirectory() as tmp:
            chat_ids, _, _ = await setup(app, total, Path(tmp))
        started = time.perf_counter()
        ranked = await roll_up(app.services)
        took = time.perf_counter() - started
        print(f"first roll-up: 60 days counted, {ranked} communities ranked, in {took:.1f} s")
        await minute(app, chat_ids)
        await lists(app, chat_ids)
        await questions(app, 500)
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/discovery.db"
        asyncio.run(run(url, args.signals))


if __name__ == "__main__":
    main()
