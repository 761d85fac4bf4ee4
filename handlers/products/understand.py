"""A product question in its conversation: a follow-up of the member's last answer in
this chat ("the second one", "how much is it?", "and in black?", "cheaper?") or a new
question. The last answer is kept minutes in the database (storage.recall), so a
follow-up works across processes and restarts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.products import compare
from handlers.products.direct import Intent, intent_of
from handlers.products.finder import Answer, Miss, find_products, said_of
from handlers.products.index import ProductIndex
from handlers.products.lexicon import folded
from handlers.products.query import ParsedQuery, parse_question
from handlers.products.semantic import SemanticIndex
from storage.catalog import ProductRecord, products_by_ids
from storage.recall import Recall
from storage.search import SearchFilters, SearchTerm, search_products
from storage.text import fold

FOLLOW_UP_FOR = timedelta(minutes=10)
SAME_KIND = 200  # products of the reference's kind a comparison looks at
NAMED = 20  # products of the kind a comparison names ("a lighter rain jacket") it looks at
# How much closer in meaning (cosine) the product a follow-up picks must be than the
# next one of the list, set on bench/eval's blind follow-ups, the only ones that reach
# it (right picks stood out by 0.011-0.048, wrong ones by less than 0.005).
PICKED_BY = 0.01
SHORT = 4  # words: a longer message is a question of its own, not "the second one"
_WORD = re.compile(r"\w+")


_ORDINALS = (
    (0, folded("first 1st pierwszy pierwsza pierwsze перший перша перше ensimmäinen pertama")),
    (1, folded("second 2nd drugi druga drugie другий друга друге toinen kedua")),
    (2, folded("third 3rd trzeci trzecia trzecie третій третя третє kolmas ketiga")),
    (-1, folded("last ostatni ostatnia ostatnie останній остання останнє viimeinen terakhir")),
)
# Words that refer to the product just shown: "how much is it?", "czy jest wodoodporny?"
_IT = folded(
    "it its this that one the is are does do to ten ta tego jest je jego ją це він вона воно"
    " його її є se sen tämä tuo on onko itu ini dia nya yang adakah apakah kah"
)
# A message starting so continues the last question: "and in black?", "a w czarnym?"
_MARKERS = folded("and also what how about a i co z а і як щодо entä entäs ja dan kalau lalu")
# A message starting so may pick from the last answer's products by what it says of
# them ("which one is machine washable?", "kumpi käy käsimatkatavaraksi?").
_WHICH = folded(
    "which any który która które którą jaki jaka jakie jakiś який яка яке які котрий котра"
    " котре kumpi kumman mikä mitkä yang mana yg"
)


@dataclass(frozen=True)
class Compared:
    """A comparison asked for, and the product it compares with."""

    comparison: compare.Comparison
    reference: ProductRecord


@dataclass
class Understood:
    answer: Answer
    intent: Intent | None
    question: str  # as understood: what a follow-up of this one builds on
    # The products a follow-up of this answer picks from (an answer about one product
    # of the list keeps the list: "how much is it?", then "the second one").
    shown: tuple[int, ...] = ()
    compared: Compared | None = None

    def __post_init__(self) -> None:
        if not self.shown:
            self.shown = tuple(p.id for p in self.answer.matches or self.answer.suggestions)


@dataclass
class Asker:
    """Where and how a member's questions are searched."""

    session: AsyncSession
    index: ProductIndex
    semantic: SemanticIndex | None
    limit: int

    async def find(
        self, question: str, previous: str | None = None, limit: int | None = None
    ) -> Answer:
        return await find_products(
            self.session, self.index, question, limit or self.limit, self.semantic, previous
        )

    async def parse(self, question: str) -> ParsedQuery:
        return parse_question(question, await self.index.terms(self.session))


@dataclass
class _Shown:
    """The last answer's products still in the catalog, read when a follow-up needs
    them: most messages ask a question of their own, and need only the words."""

    session: AsyncSession
    recall: Recall | None
    _products: list[ProductRecord] | None = None

    async def __call__(self) -> list[ProductRecord]:
        if self._products is None:
            ids = self.recall.product_ids if self.recall else ()
            self._products = await products_by_ids(self.session, ids)
        return self._products


async def understand(asker: Asker, text: str, recall: Recall | None) -> Understood:
    """The answer to `text`, following up `recall` (the member's last answer) where it
    reads as a follow-up."""
    intent = intent_of(text)
    asked = intent.rest if intent is not None and intent.rest else text
    shown = _Shown(asker.session, recall)
    words = _WORD.findall(fold(asked))
    it = intent is not None and all(w in _IT for w in words)  # "how much is it?"
    if recall and (it or _picks(words)) and (last := await shown()):
        picked = _ordinal(words, last) or (last[0] if it else None)
        if picked is not None:
            answer = Answer(ParsedQuery(), matches=[picked])
            return Understood(answer, intent, recall.question, recall.product_ids)
    parsed = await asker.parse(asked)
    comparison = compare.comparison_of(asked)
    if comparison is not None and parsed.min_amount is None and parsed.max_amount is None:
        if comparison.superlative:
            found = await _extreme(asker, comparison, recall, await shown())
        else:
            found = await _compared(asker, comparison, await shown())
        if found is not None:
            return replace(found, intent=intent)
    if recall and _refines(words, parsed) and (last := await shown()):
        answer = await asker.find(asked, previous=recall.question)
        if not answer.matches:
            answer = await _among(asker, asked, parsed, recall, last) or answer
        return Understood(answer, intent, f"{recall.question} {asked}")
    answer = await asker.find(asked)
    which = not answer.matches and words and words[0] in _WHICH
    if recall and which and (last := await shown()):
        chosen = await _among(asker, asked, parsed, recall, last)
        if chosen is not None:
            return Understood(chosen, intent, f"{recall.question} {asked}")
    return Understood(answer, intent, asked)


def _picks(words: list[str]) -> bool:
    """Whether a short message names a position ("the second one"; see `_ordinal`)."""
    return 0 < len(words) <= SHORT and any(w in stems for _, stems in _ORDINALS for w in words)


def _ordinal(words: list[str], shown: list[ProductRecord]) -> ProductRecord | None:
    if not words or len(words) > SHORT:
        return None
    for position, stems in _ORDINALS:
        if any(w in stems for w in words) and -len(shown) <= position < len(shown):
            return shown[position]
    return None


def _refines(words: list[str], parsed: ParsedQuery) -> bool:
    """Whether the message narrows the last question rather than asking a new one: a
    colour, size or budget alone ("in black?", "size 47"), or a short message
    starting with "and" ("and waterproof?")."""
    if not parsed.terms and not parsed.unknown and (parsed.has_filters or parsed.quantities):
        return True
    return bool(words) and words[0] in _MARKERS and len(words) <= SHORT + 1


async def _compared(
    asker: Asker, comparison: compare.Comparison, shown: list[ProductRecord]
) -> Understood | None:
    """Products of the reference's kind that beat it ("cheaper than the Ridge 2", or
    than the product just shown), nearest first; None when there is no reference."""
    reference: ProductRecord | None = shown[0] if shown else None
    if comparison.reference:
        named = await asker.find(comparison.reference)
        reference = named.matches[0] if named.matches else None
    if reference is None:
        return None
    category, last_word = compare.kind(reference)
    ids = await search_products(
        asker.session,
        [SearchTerm((last_word,), prefix=True)] if last_word else [],
        match_all=True,
        filters=SearchFilters(categories=(category,)),
        limit=SAME_KIND,
    )
    candidates = await products_by_ids(asker.session, ids)
    wanted: set[int] = set()
    if comparison.rest.strip():
        # The question names what it wants ("a cheaper frying pan than the skillet", "a
        # lighter one, for summer"): those come first.
        named = await asker.find(comparison.rest, limit=NAMED)
        # Its kind from another category too ("a lighter rain jacket": a cycling one).
        same_kind = [
            p for p in named.matches if p.category == category or compare.kind(p)[1] == last_word
        ]
        candidates += same_kind
        catalog = await asker.index.terms(asker.session)
        if any(last_word not in catalog.expand(t).words for t in named.parsed.terms):
            wanted = {p.id for p in same_kind}  # it says more than the kind ("for summer")
    unique = list({p.id: p for p in candidates}.values())
    ranked = compare.ranked(reference, unique, comparison)
    better = sorted(ranked, key=lambda p: p.id not in wanted)[: asker.limit]
    parsed = ParsedQuery(terms=[last_word] if last_word else [])
    answer = Answer(parsed, matches=better, miss=Miss.NONE if better else Miss.NO_MATCH)
    shown_ids = tuple(p.id for p in better) or (reference.id,)
    compared = Compared(comparison, reference)
    return Understood(answer, None, last_word or reference.name, shown_ids, compared)


async def _extreme(
    asker: Asker, comparison: compare.Comparison, recall: Recall | None, shown: list[ProductRecord]
) -> Understood | None:
    """The products the question names ("the cheapest tent"), or else those of the last
    question ("which is the lightest?"), the extreme of the measure first; None when
    neither names products or no product's text gives the measure."""
    parsed = await asker.parse(comparison.rest)
    if parsed.terms or parsed.category_words:
        question, previous = comparison.rest, None
    elif recall is not None:  # "a który najmniejszy?", "the cheapest in black?"
        question = comparison.rest if parsed.has_filters else recall.question
        previous = recall.question if parsed.has_filters else None
    else:
        return None
    pool = await asker.find(question, previous=previous, limit=NAMED)
    candidates = pool.matches or ([] if parsed.has_filters else shown)
    ranked = compare.extremes(candidates, comparison)[: asker.limit]
    if not ranked:
        return None
    remembered = f"{previous} {question}" if previous else question
    return Understood(Answer(pool.parsed, matches=ranked), None, remembered)


async def _among(
    asker: Asker, asked: str, parsed: ParsedQuery, recall: Recall, shown: list[ProductRecord]
) -> Answer | None:
    """The products of the last answer's list that the message picks by what it says
    of them ("a do chleba?" after knives: the bread knife): those whose text has more of
    its words than the others have; else, with search by meaning, the one clearly
    closest in meaning. None when it picks none."""
    if not (parsed.terms or parsed.unknown):
        return None
    pool = await asker.find(recall.question, limit=NAMED)
    candidates = list({p.id: p for p in [*shown, *pool.matches]}.values())
    if len(candidates) < 2:
        return None
    catalog = await asker.index.terms(asker.session)
    asked_terms = [catalog.expand(word) for word in parsed.terms]
    said = {p.id: said_of(p, asked_terms) for p in candidates}
    most = max(said.values())
    if most and min(said.values()) < most:
        picked = sorted((p for p in candidates if said[p.id]), key=lambda p: -said[p.id])
        return Answer(parsed, matches=picked[: asker.limit])
    semantic = asker.semantic
    if semantic is None or not await semantic.ready(asker.session):
        return None
    close = await semantic.similarities(f"{recall.question} {asked}", [p.id for p in candidates])
    ranked = sorted(close, key=lambda pid: -close[pid])
    if len(ranked) < 2 or close[ranked[0]] - close[ranked[1]] < PICKED_BY:
        return None
    best = next(p for p in candidates if p.id == ranked[0])
    return Answer(parsed, matches=[best])
