"""Catalog import throughput and product-question latency at 100,000 products.

    .venv/bin/python -m bench.catalog_bench [--products 100000] [--questions 1000] [--url URL]
        [--semantic] [--rss] [--existing]

Generates a synthetic catalog (seeded, so runs compare) into a file, imports the file
through the same code as `shopbot catalog import`, then sends questions through the
router exactly as a chat message would arrive (de-duplication, identity, search, cards)
and prints percentiles. Default database: a fresh SQLite file in a temporary directory.

Memory is the process's peak resident set (ru_maxrss), printed next to its floor: the
peak before the import starts, with the interpreter, the app and every module loaded.

--semantic (the `semantic` extra): after the import, the product vectors are computed
as `shopbot catalog import` does (floor: the bare model on the same texts), and the
questions are searched by meaning too (floor: the bare model reading a question plus
the product matrix product). --rss: the peak resident memory of `shopbot run` itself on
the imported database, asked one question, with search by meaning off and on (floor:
the same on the 46-product demo catalog). --existing: no import; the questions (and
--rss) run on the catalog an earlier run left in --url.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.run_memory import run_memory
from bot.app import App, build_app
from config import Settings
from handlers.catalog.formats import CSV_COLUMNS, Format
from handlers.catalog.service import import_catalog
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, UserRef
from handlers.products.semantic import (
    SemanticIndex,
    VectorProgress,
    load_embedder,
    passage,
    refresh_vectors,
)
from storage.migrate import upgrade
from storage.vectors import product_texts

ADJECTIVES = (
    "trail city linen merino waterproof packable classic slim relaxed organic "
    "recycled insulated lightweight rugged vintage urban alpine coastal"
).split()
NOUNS = {
    "Bags": "backpack duffel tote crossbody rucksack pouch".split(),
    "Shirts": "shirt tee polo henley overshirt blouse".split(),
    "Jackets": "jacket parka anorak vest shell coat".split(),
    "Shoes": "sneakers boots sandals loafers runners clogs".split(),
    "Accessories": "beanie scarf belt cap gloves wallet".split(),
    "Outdoor": "tent stove headlamp bottle hammock lantern".split(),
    "Home": "mug towel blanket candle pillow lamp".split(),
}
COLORS = "Black White Navy Olive Sand Grey Red Blue Green Yellow Brown Pink".split()
SIZES = "XS S M L XL XXL".split()
# Questions with words no generated product has, each asked about three kinds.
IN_OTHER_WORDS = [
    "something to keep me dry, like a {noun}",
    "coś w rodzaju {noun} na prezent dla taty",
    "шукаю щось схоже на {noun} для походу",
    "jotain kuin {noun} mökille",
    "nak cari barang macam {noun} untuk hadiah",
]
QUESTIONS = [
    "{adj} {noun}",
    "do you have the {adj} {noun} in {color}, size {size}?",
    "how much is the {adj} {noun}",
    "anything {adj} under {price} EUR?",
    "{noun} in {color}",
    "{adj} {noun} under {price} euro",
    "czy macie {noun} do {price} euro",
    "{noun}",
]


def write_catalog(path: Path, count: int, seed: int = 7) -> None:
    """A CSV catalog of `count` products, written a row at a time (the floor stays low)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(catalog_rows(count, seed))


def catalog_rows(count: int, seed: int) -> Iterator[list[object]]:
    rng = random.Random(seed)
    categories = list(NOUNS)
    for i in range(count):
        category = rng.choice(categories)
        name = f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS[category]).title()} {i}"
        colors = "|".join(rng.sample(COLORS, rng.randint(1, 3)))
        sizes = "|".join(rng.sample(SIZES, rng.randint(0, 4)))
        yield [
            f"GEN-{i:06d}",
            name,
            f"{name}: a {rng.choice(ADJECTIVES)} pick for every day.",
            category,
            f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
            "EUR",
            f"https://shop.example.com/p/gen-{i}",
            "",
            f"{rng.choice(ADJECTIVES)}|{category.lower()}",
            colors,
            sizes,
            rng.randint(0, 50),
            "",  # vendor: the shop's own
            "",  # shop_id, variant_ids: no cart links
            "",
        ]


def questions(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        category = rng.choice(list(NOUNS))
        result.append(
            rng.choice(QUESTIONS).format(
                adj=rng.choice(ADJECTIVES),
                noun=rng.choice(NOUNS[category]),
                color=rng.choice(COLORS).lower(),
                size=rng.choice(SIZES),
                price=rng.randint(20, 300),
            )
        )
    return result


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MB (Linux counts KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def bare_sqlite_rate(catalog: Path, tmp: Path) -> float:
    """The floor: the same CSV rows into a plain SQLite table with the stdlib driver, in
    one transaction, no checks, no index but the primary key (rows/s)."""
    with catalog.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    conn = sqlite3.connect(tmp / "floor.db")
    columns = ", ".join(f'"{name}" TEXT' for name in header)
    conn.execute(f"CREATE TABLE floor (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" for _ in header)
    started = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO floor VALUES (NULL, {marks})", rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


async def run(
    products: int, n_questions: int, url: str, tmp: Path, semantic: bool, existing: bool
) -> None:
    app = build_app(Settings(database_url=url, load_demo_catalog=False, semantic_search=semantic))
    await upgrade(app.db)
    if existing:  # the catalog (and its vectors) of an earlier run, kept in `url`
        app.services.cache(SemanticIndex).use(load_embedder() if semantic else None)
    else:
        await load(app, products, tmp, semantic)
    await ask(app, n_questions, semantic)
    if app.db.dialect == "sqlite" and not existing:  # last: it holds every row
        rate = bare_sqlite_rate(tmp / "catalog.csv", tmp)
        print(f"floor: bare sqlite3 executemany of the same rows: {rate:,.0f} rows/s")
    await app.close()


async def load(app: App, products: int, tmp: Path, semantic: bool) -> None:
    catalog = tmp / "catalog.csv"
    write_catalog(catalog, products)
    size = catalog.stat().st_size
    print(f"catalog: {products:,} products, {size / 1e6:.1f} MB CSV; database {app.db.url}")

    floor = peak_rss_mb()
    started = time.perf_counter()
    report = await import_catalog(app.db, catalog, Format.CSV)
    elapsed = time.perf_counter() - started
    assert report.ok and report.created == products, report.problems[:3]
    print(
        f"import: {elapsed:.2f} s -> {products / elapsed:,.0f} products/s;"
        f" peak RSS {peak_rss_mb():.0f} MB (floor {floor:.0f} MB: everything loaded, before it)"
    )

    started = time.perf_counter()
    again = await import_catalog(app.db, catalog, Format.CSV)
    elapsed = time.perf_counter() - started
    assert again.unchanged == products
    print(
        f"re-import (all unchanged): {elapsed:.2f} s -> {products / elapsed:,.0f} products/s;"
        f" peak RSS {peak_rss_mb():.0f} MB"
    )

    if semantic:
        await vectors_phase(app)


async def ask(app: App, n_questions: int, semantic: bool) -> None:
    latencies = await _timed(app, questions(n_questions + 20))
    print(f"questions: {len(latencies):,} through router+handler+store")
    print(f"latency ms: {_spread(latencies)}")
    if semantic:
        # In words the catalog does not have: the ones the model is asked about.
        worded = [q.format(noun=n) for q in IN_OTHER_WORDS for n in ("tent", "jacket", "mug")]
        latencies = await _timed(app, (worded * (n_questions // len(worded) + 1))[:n_questions])
        print(f"questions in other words (the model runs): {_spread(latencies)}")
        print(f"floor: {await bare_meaning_ms(app, (worded * (200 // len(worded) + 1))[:200])}")


async def _timed(app: App, asked: list[str]) -> list[float]:
    """Milliseconds per question, each through the router as a chat message arrives;
    the first 20 warm caches (vocabulary, statements) and are not counted."""
    actor = UserRef("bench", "shopper", "Shopper", locale="en")
    chat = ChatRef("bench", "dm:shopper", ChatKind.DM)
    latencies: list[float] = []
    for i, question in enumerate(asked):
        event_id = f"q{time.perf_counter_ns()}"
        event = Event("bench", event_id, EventKind.TEXT, actor, chat, text=question)
        started = time.perf_counter()
        await app.router.dispatch(event)
        if i >= 20:
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _spread(latencies: list[float]) -> str:
    return (
        f"p50 {percentile(latencies, 50):.1f}  p95 {percentile(latencies, 95):.1f}"
        f"  p99 {percentile(latencies, 99):.1f}  mean {statistics.fmean(latencies):.1f}"
        f"  max {max(latencies):.1f}"
    )


async def vectors_phase(app: App) -> None:
    embedder = load_embedder()
    if embedder is None:
        raise SystemExit("--semantic needs the semantic extra: pip install -e '.[semantic]'")
    app.services.cache(SemanticIndex).use(embedder)
    sample = await _texts(app, 256)
    started = time.perf_counter()
    embedder.passages(sample)
    bare = len(sample) / (time.perf_counter() - started)
    marks = iter(range(10, 101, 10))
    mark = next(marks)

    def progress(step: VectorProgress) -> None:
        nonlocal mark
        while step.total and step.done * 100 >= mark * step.total:
            print(f"  vectors {mark}%: {step.done:,} in {time.perf_counter() - began:.0f} s")
            mark = next(marks, 1000)

    began = time.perf_counter()
    count = await refresh_vectors(app.db, embedder, progress)
    elapsed = time.perf_counter() - began
    print(
        f"vectors: {count:,} products in {elapsed:.0f} s -> {count / elapsed:,.1f}/s"
        f" (floor: the bare model on {len(sample)} of the same texts, {bare:,.1f}/s);"
        f" peak RSS {peak_rss_mb():.0f} MB"
    )


async def _texts(app: App, count: int) -> list[str]:
    async with app.db.session() as session:
        return [passage(p) for p in await product_texts(session, 0, count)]


async def bare_meaning_ms(app: App, asked: list[str]) -> str:
    """The least these questions searched by meaning cost: the model reading each and
    the product of the matrix with its vector (no database, no lexical part). The same
    questions as the run it is the floor of: the model's time grows with their length."""
    index = app.services.cache(SemanticIndex)
    async with app.db.session() as session:
        assert await index.ready(session)
    spent = []
    for question in asked:
        started = time.perf_counter()
        await index.nearest(question, 30)
        spent.append((time.perf_counter() - started) * 1000)
    return (
        f"the model and the matrix alone, p50 {percentile(spent, 50):.1f} ms"
        f"  p95 {percentile(spent, 95):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--url", help="database URL (default: fresh SQLite file)")
    parser.add_argument("--semantic", action="store_true", help="with search by meaning")
    parser.add_argument("--rss", action="store_true", help="memory of `shopbot run` after")
    parser.add_argument(
        "--existing", action="store_true", help="ask the catalog already in --url (no import)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        work = run(args.products, args.questions, url, Path(tmp), args.semantic, args.existing)
        asyncio.run(work)
        if args.rss:
            run_memory(url, Path(tmp))


if __name__ == "__main__":
    main()
