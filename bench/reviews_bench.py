"""Product cards with ratings and the first page of /reviews, at 100,000 products and
1,000,000 reviews, next to product questions on the same store in the same run (the
floor the issue names: a card and a reviews page should cost at most 1.5x a question).

    .venv/bin/python -m bench.reviews_bench [--url URL] [--products 100000]
        [--reviews 1000000] [--requests 1000]

Every request goes through router + handler + store, as a chat message would. Reviews
are spread over the catalog (about 10 a product) with one product holding 20,000, the
worst case for a page; every tenth review has two photos, 95% are published.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.catalog_bench import percentile, questions, write_catalog
from bot.app import App, build_app
from config import Settings
from handlers.catalog.formats import Format
from handlers.catalog.service import import_catalog
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, UserRef
from storage.migrate import upgrade
from storage.reviews import check_ratings

MEMBERS = 20_000
HOT_REVIEWS = 20_000  # reviews of the one popular product
BATCH = 20_000
_ids = itertools.count()
SHOPPER = UserRef("bench", "shopper", "Shopper", locale="en")
CHAT = ChatRef("bench", "dm:shopper", ChatKind.DM)


async def fill(app: App, products: int, reviews: int) -> None:
    """Members and reviews, inserted in bulk (what people wrote over years)."""
    started = time.perf_counter()
    async with app.db.session() as session:
        await session.exec(  # type: ignore[call-overload]
            text("INSERT INTO member (id, display_name, created_at) VALUES (:id, :n, :t)"),
            params=[
                {"id": 1000 + m, "n": f"Reviewer {m}", "t": datetime.now(UTC)}
                for m in range(MEMBERS)
            ],
        )
    ids = await _product_ids(app)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    rng = random.Random(5)
    per_member = max(1, (reviews - HOT_REVIEWS) // MEMBERS)
    pairs = [(0, m) for m in range(min(HOT_REVIEWS, MEMBERS))]
    pairs += [
        (1 + (m * 97 + k * 7919) % (products - 1), m)
        for m in range(MEMBERS)
        for k in range(per_member)
    ]
    insert = text(
        "INSERT INTO review (id, product_id, member_id, platform, platform_user_id, "
        "author_name, rating, body, language, status, revision, staff, rewarded, "
        "helpful_count, report_count, created_at, updated_at, published_at) VALUES "
        "(:id, :p, :m, 'bench', :u, :a, :r, :b, 'en', :s, 1, false, false, :h, 0, :t, :t, :pt) "
        "ON CONFLICT DO NOTHING"
    )
    photo = text(
        "INSERT INTO review_photo (review_id, position, file, width, height) "
        "VALUES (:id, :pos, :f, 800, 600)"
    )
    done = 0
    for start in range(0, len(pairs), BATCH):
        rows, photos = [], []
        for offset, (product, member) in enumerate(pairs[start : start + BATCH]):
            review_id = start + offset + 1
            when = base + timedelta(minutes=review_id)
            published = rng.random() < 0.95
            rows.append(
                {
                    "id": review_id,
                    "p": ids[product],
                    "m": 1000 + member,
                    "u": str(member),
                    "a": f"Reviewer {member}",
                    "r": rng.randint(1, 5),
                    "b": "Solid, as described. Would buy again." * rng.randint(1, 3),
                    "s": "published" if published else "pending",
                    "h": rng.randint(0, 30),
                    "t": when,
                    "pt": when if published else None,
                }
            )
            if review_id % 10 == 0:
                photos += [{"id": review_id, "pos": n, "f": f"{review_id}-{n}.jpg"} for n in (0, 1)]
        async with app.db.session() as session:
            await session.exec(insert, params=rows)  # type: ignore[call-overload]
            await session.exec(photo, params=photos)  # type: ignore[call-overload]
        done += len(rows)
        print(f"\rreviews: {done:,} of {len(pairs):,}", end="", flush=True)
    async with app.db.session() as session:
        await check_ratings(session, fix=True)  # the aggregates, as publishing keeps them
        if app.db.dialect == "postgresql":
            await session.exec(text("ANALYZE"))  # type: ignore[call-overload]
    print(f"\rreviews: {done:,} in {time.perf_counter() - started:.1f} s (bulk insert)")


async def _product_ids(app: App) -> list[int]:
    async with app.db.read() as session:
        rows = await session.exec(text("SELECT id FROM product ORDER BY sku"))  # type: ignore[call-overload]
        return [row[0] for row in rows.all()]


async def timed(make: Callable[[int], Event], app: App, count: int) -> list[float]:
    """Latencies (ms) of `count` events after 20 that warm caches."""
    latencies = []
    for i in range(count + 20):
        event = make(i)
        started = time.perf_counter()
        replies = await app.router.dispatch(event)
        spent = (time.perf_counter() - started) * 1000
        assert replies, event
        if i >= 20:
            latencies.append(spent)
    return latencies


def line(name: str, samples: list[float], floor: float | None = None) -> str:
    p95 = percentile(samples, 95)
    ratio = f"  = {p95 / floor:.2f}x the question p95 (target <= 1.5x)" if floor else ""
    return (
        f"{name:<22} p50 {percentile(samples, 50):6.1f}  p95 {p95:6.1f}  "
        f"p99 {percentile(samples, 99):6.1f}  mean {statistics.fmean(samples):6.1f} ms{ratio}"
    )


async def run(url: str, products: int, reviews: int, requests: int, tmp: Path) -> None:
    app = build_app(Settings(database_url=url, load_demo_catalog=False, media_dir=tmp))
    await upgrade(app.db)
    catalog = tmp / "catalog.csv"
    write_catalog(catalog, products)
    report = await import_catalog(app.db, catalog, Format.CSV)
    assert report.ok
    print(f"catalog: {products:,} products; database {url}")
    await fill(app, products, reviews)
    rng = random.Random(3)
    asked = questions(requests + 20)

    def question(i: int) -> Event:
        return Event("bench", f"q{next(_ids)}", EventKind.TEXT, SHOPPER, CHAT, text=asked[i])

    def sku(i: int) -> str:
        return "GEN-000000" if i % 10 == 0 else f"GEN-{rng.randrange(products):06d}"

    def asking(command: str) -> Callable[[int], Event]:
        def make(i: int) -> Event:
            return Event(
                "bench",
                f"c{next(_ids)}",
                EventKind.COMMAND,
                SHOPPER,
                CHAT,
                command=command,
                args=sku(i),
            )

        return make

    runs: list[tuple[str, Callable[[int], Event]]] = [
        ("product question", question),
        ("product card + rating", asking("product")),
        ("/reviews first page", asking("reviews")),
    ]
    results: dict[str, list[float]] = {}
    for name, make in runs:
        results[name] = await timed(make, app, requests)
    floor = percentile(results["product question"], 95)
    print(f"{requests:,} requests each, through router + handler + store (1 in 10 the hot product)")
    for name, samples in results.items():
        print(line(name, samples, None if name == "product question" else floor))
    await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: fresh SQLite file)")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(run(url, args.products, args.reviews, args.requests, Path(tmp)))


if __name__ == "__main__":
    main()
