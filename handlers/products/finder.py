"""Answers a product question: matches when the catalog really has it, otherwise the
closest products, clearly labelled as suggestions (never passed off as a match)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.context import Context, Services
from handlers.products.index import CatalogTerms, ProductIndex
from handlers.products.quantity import by_fit, is_unit
from handlers.products.query import ParsedQuery, parse_question
from handlers.products.semantic import SemanticIndex
from storage.catalog import ProductRecord, product_by_sku, products_by_ids
from storage.search import SearchFilters, SearchTerm, passing, search_products
from storage.text import words

NEAREST = 30  # products search by meaning ranks
POOL = 10  # lexical results fused with them
DISTINCTIVE = 3  # products a word of a name may be in and still name one (a brand)
COMMON = 1_000  # products a word is in, above which it is left out of a loose search
RRF_K = 60
OPENING_WORDS = 6  # of a description, that may say what the product is
_CLAUSE = re.compile(r"[,.;:(]|\s(?:with|for|that|which|and)\s", re.IGNORECASE)
AGREE = 1  # the best loose lexical result must be the best by meaning too
# How far a product's similarity to the question stands out (semantic._closest), set on
# bench/eval's dev split: at or above MATCH a product is claimed to match (above every
# dev question about a thing the shop does not sell: honesty first); between SUGGEST
# and MATCH it is only offered as the closest thing; below SUGGEST it is not related.
MATCH = 3.2
SUGGEST = 1.5


class Miss(StrEnum):
    NONE = "none"  # matched
    VARIANT = "variant"  # the product exists, not in that colour/size
    CURRENCY = "currency"  # a price in a currency the catalog does not use
    NO_MATCH = "no_match"


@dataclass
class Answer:
    parsed: ParsedQuery
    matches: list[ProductRecord] = field(default_factory=list)
    suggestions: list[ProductRecord] = field(default_factory=list)
    miss: Miss = Miss.NONE
    by_sku: bool = False


def semantic_index(services: Services) -> SemanticIndex | None:
    """This process's search by meaning, or None where the settings turn it off."""
    return services.cache(SemanticIndex) if services.settings.semantic_search else None


async def ask(ctx: Context, question: str, limit: int) -> Answer:
    """`find_products` with this process's indexes, as the settings say."""
    services = ctx.services
    index = services.cache(ProductIndex)
    return await find_products(ctx.session, index, question, limit, semantic_index(services))


async def find_products(
    session: AsyncSession,
    index: ProductIndex,
    question: str,
    limit: int,
    semantic: SemanticIndex | None = None,
    previous: str | None = None,
) -> Answer:
    """Lexical search, and with `semantic` also search by meaning, the two fused.
    `previous`: the question this one follows up ("and in black?" after "rain jacket"):
    its words still count, and its filters where this one names none."""
    pool = max(limit, POOL)
    catalog = await index.terms(session)
    parsed = parse_question(question, catalog)
    if previous is not None:
        parsed = parsed.following(parse_question(previous, catalog))
    meaning = for_the_model(f"{previous} {question}" if previous else question, parsed)
    # Words the catalog lacks: the model will be asked whatever the words find, so it
    # reads the question (in its own thread) while the database searches.
    reading: asyncio.Task[list[tuple[int, float]]] | None = None
    asked_early = semantic is not None and _needs_meaning(parsed)
    if asked_early and semantic is not None and await semantic.ready(session):
        reading = asyncio.create_task(semantic.nearest(meaning, NEAREST))
    try:
        lexical = await _lexical(session, catalog, parsed, pool, meaning=reading is not None)
        if reading is None:
            # Not ready when asked early: no second look at the stored vectors.
            if (
                _settled(lexical)
                or semantic is None
                or asked_early
                or not await semantic.ready(session)
            ):
                return _cut(lexical, limit)
            near = await semantic.nearest(meaning, NEAREST)
        elif _settled(lexical):  # a SKU or a currency the shop does not take
            return _cut(lexical, limit)
        else:
            near = await reading
    finally:
        if reading is not None and not reading.done():
            reading.cancel()  # the answer no longer needs it, or the search failed
    return _cut(await fuse(session, catalog, lexical, near, pool, offered=limit), limit)


def for_the_model(text: str, parsed: ParsedQuery) -> str:
    """What the model reads: the shopper's words, then the shopping dictionary's English
    for those the catalog lacks ("tarvitsen uuden läppärin": laptop). This small model
    links few words across languages on its own: by meaning alone, the right product
    first for 34% of the studied cross-language questions, 88% with their English
    beside them (bench.meaning_curve). Guesses at misspelt words are left out (see
    `ParsedQuery.english`)."""
    said = set(words(text))
    english = [word for word in parsed.english if word not in said]
    return f"{text} ({' '.join(english)})" if english else text


def _needs_meaning(parsed: ParsedQuery) -> bool:
    """Whether the words alone cannot settle the question (see `_settled`)."""
    return not parsed.sku_candidates and (
        bool(parsed.unknown) or not (parsed.terms or parsed.has_filters)
    )


def _settled(lexical: Answer) -> bool:
    """Whether the lexical answer needs no second opinion: a SKU, a currency or variant
    miss, or a match on every word of the question (the catalog's own words). Only
    questions in other words or languages pay for the model (~15-30 ms a question)."""
    if lexical.by_sku or lexical.miss in (Miss.CURRENCY, Miss.VARIANT):
        return True
    return bool(lexical.matches) and not lexical.parsed.unknown


def _cut(answer: Answer, limit: int) -> Answer:
    """The first `limit` of each list; matches with the amounts asked for ("1,7 l") first."""
    wanted = answer.parsed.quantities
    answer.matches = by_fit(answer.matches, wanted)[:limit]
    answer.suggestions = answer.suggestions[:limit]  # by relevance: they match less
    return answer


async def _lexical(
    session: AsyncSession,
    catalog: CatalogTerms,
    parsed: ParsedQuery,
    limit: int,
    meaning: bool = False,
) -> Answer:
    """`meaning`: the model reads the question too (see `_rare_first`)."""
    for sku in parsed.sku_candidates:
        product = await product_by_sku(session, sku)
        if product is not None:
            return Answer(parsed, matches=[product], by_sku=True)
    if parsed.currency and parsed.currency not in catalog.currencies:
        # No exchange rates here: comparing 70 PLN with EUR prices would mislead.
        return Answer(parsed, miss=Miss.CURRENCY)
    # Words the catalog has never heard of let the others claim only a product they name
    # outright, its kind and another word of its name by two of the question's words:
    # with one, the search is not made (at 100,000 products it read 10 of 3,000 tents
    # for nothing).
    nameable = not parsed.unknown or len(parsed.naming) > 1
    if (parsed.terms or parsed.has_filters) and nameable:
        # Category words join the text query only alongside other terms: they narrow
        # the rows to rank, while a pure category browse is served by its index.
        terms = [catalog.expand(word) for word in (parsed.naming if parsed.terms else [])]
        ids = await search_products(
            session, terms, match_all=True, filters=parsed.filters(), limit=limit
        )
        asked = [catalog.expand(word) for word in parsed.terms]
        found = [p for p in await products_by_ids(session, ids) if _names_it(p, asked)]
        if (
            parsed.terms
            and not parsed.categories
            and not set(parsed.terms) - set(parsed.amount_words)
        ):
            found = []  # a number alone names nothing: "55 inch tv" is no Trek 55
        elif parsed.unknown:
            # Words the catalog has never heard of ("na stanie", "utk") let the others
            # claim only a product they name outright: its kind and another word of
            # its name ("kurtki Stratus": the Stratus Rain Jacket).
            named = [catalog.expand(w) for w in parsed.naming]
            found = [p for p in found if _named_outright(p, named)]
        if found:
            return Answer(parsed, matches=found)
    return await _closest(session, parsed, catalog, limit, meaning)


def _named_outright(product: ProductRecord, asked: list[SearchTerm]) -> bool:
    """Whether one word of the question is the product's kind (the last word of a name)
    and another word of the question another word of that name."""
    for name in (product.name, *product.names.values()):
        said = words(name)
        kind = next((w for w in reversed(said) if w.isalpha() and not is_unit(w)), "")
        others = [w for w in said if w != kind]
        kinds = {i for i, term in enumerate(asked) if any(_inflected(a, kind) for a in term.words)}
        more = {
            i
            for i, term in enumerate(asked)
            for a in term.words
            for w in others
            if _inflected(a, w)
        }
        if any(i != j for i in kinds for j in more):
            return True
    return False


def _names_it(product: ProductRecord, terms: list[SearchTerm]) -> bool:
    """Whether a word of the question is in what the product is called (name, category,
    tags, in any language), not only in its description: "laptops" in a backpack's
    description ("a sleeve for laptops") does not make it a laptop."""
    if not terms:
        return True  # browsing by filters alone
    names = [*product.names.values(), *product.category_names.values()]
    said = [_what_it_is(product.description), *map(_what_it_is, product.descriptions.values())]
    called = set(words(" ".join([product.name, product.category, *product.tags, *names, *said])))
    return any(says(called, t) for t in terms)


def says(text_words: set[str], term: SearchTerm) -> bool:
    """Whether a text of these (folded) words has the term, give or take a short ending."""
    if term.prefix:
        return any(w.startswith(term.words[0]) for w in text_words)
    return any(_inflected(w, said) for w in term.words for said in text_words)


def said_of(product: ProductRecord, terms: list[SearchTerm]) -> int:
    """How many of the terms the product's text (any language) has."""
    text = " ".join(
        [
            product.name,
            product.category,
            *product.tags,
            product.description,
            *product.names.values(),
            *product.category_names.values(),
            *product.descriptions.values(),
        ]
    )
    found = set(words(text))
    return sum(says(found, term) for term in terms)


def _what_it_is(description: str) -> str:
    """The description's opening, which says what the product is ("28 L daypack", "Two-
    person backpacking tent"), without what it is for or comes with."""
    opening = _CLAUSE.split(description, maxsplit=1)[0]
    return " ".join(opening.split()[:OPENING_WORDS])


def _inflected(one: str, other: str) -> bool:
    """The same word, give or take a short ending ("backpacks", "backpack")."""
    if one == other:
        return True
    short, long = sorted((one, other), key=len)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 2


async def _closest(
    session: AsyncSession, parsed: ParsedQuery, catalog: CatalogTerms, limit: int, meaning: bool
) -> Answer:
    if parsed.terms and (parsed.colors or parsed.size) and not parsed.unknown:
        other_variants = await search_products(
            session,
            [catalog.expand(word) for word in parsed.terms],
            match_all=True,
            filters=parsed.filters(with_variant=False),
            limit=limit,
        )
        if other_variants:
            found = await products_by_ids(session, other_variants)
            return Answer(parsed, suggestions=found, miss=Miss.VARIANT)
    loose = list(parsed.terms)
    for word in parsed.unknown:
        corrected = catalog.correct(word, loose=True)
        if corrected and corrected not in loose:
            loose.append(corrected)
    loose = _rare_first(loose, catalog, meaning and not parsed.has_filters)
    ids: list[int] = []
    if loose:
        wanted = parsed.filters()
        price_only = SearchFilters(
            min_price_minor=wanted.min_price_minor, max_price_minor=wanted.max_price_minor
        )
        for filters in (price_only, SearchFilters()):
            ids = await search_products(
                session,
                [catalog.expand(word) for word in loose],
                match_all=False,
                filters=filters,
                limit=limit,
            )
            if ids:
                break
    return Answer(parsed, suggestions=await products_by_ids(session, ids), miss=Miss.NO_MATCH)


def _rare_first(loose: list[str], catalog: CatalogTerms, meaning: bool) -> list[str]:
    """The words worth an OR search: a word in more than COMMON products says little and
    costs most (every row holding it is ranked), so it is left out, unless every word
    is that common; then the rarest alone is searched, or none with `meaning`: the
    model reads the question, which names no price, colour, size or category (the
    model's 30 nearest are found before those), so its nearest stand in for the best of
    3,000 tents by word counts (a search of 8 ms at 100,000 products)."""
    rare = [w for w in loose if catalog.vocabulary.get(w, 0) <= COMMON]
    if rare or not loose or meaning:
        return rare
    return [min(loose, key=lambda w: catalog.vocabulary.get(w, 0))]


async def fuse(
    session: AsyncSession,
    catalog: CatalogTerms,
    lexical: Answer,
    near: list[tuple[int, float]],
    limit: int,
    offered: int | None = None,
) -> Answer:
    """Lexical and semantic results as one ranking (reciprocal rank fusion). A product
    is claimed a match when the lexical engine matched it or its meaning is close
    enough; otherwise the closest products are offered as suggestions, at most
    `offered` (default `limit`)."""
    score = dict(near)
    related = await passing(
        session, [pid for pid, s in near if s >= SUGGEST], lexical.parsed.filters()
    )
    close = [pid for pid in related if score[pid] >= MATCH]
    matched = [p.id for p in lexical.matches]
    loose = [p.id for p in lexical.suggestions]
    # The products the words found are read; of the others only those that may be
    # claimed or are offered will be (30 took 4-6 ms to read at 100,000 products, 3 take
    # 1.5).
    known = {p.id: p for p in [*lexical.matches, *lexical.suggestions]}
    asked = lexical.parsed.naming
    if not matched and loose and loose[0] in related[:AGREE]:
        # The words the catalog knows and the meaning of the whole question point at the
        # same product: two independent signals agreeing ("walizka kabinowa z TSA").
        close = [loose[0], *(pid for pid in close if pid != loose[0])]
    if close:
        # Meaning alone claims only a product the question names: its kind ("towel",
        # "рушник" read as towel) or a word of its name few products share ("Basecamp").
        # Near in meaning is not the same thing: "dog food" is no dog bowl.
        # Alone (nothing matched to fuse them with by rank) and with no amounts to
        # order by, only the first few named can be claimed.
        enough = None if matched or lexical.parsed.quantities else offered or limit
        close = await _named_of(session, known, close, asked, catalog, enough)
    if matched or close:
        ids = _rrf(matched, close)[:limit]
        return Answer(lexical.parsed, matches=[known[pid] for pid in ids])
    # Nothing claimed: offered are the closest by meaning with the products holding at
    # least half of the question's words the catalog knows; one holding a word of a long
    # question ("bike" in "something to keep the rain off my head on the bike") comes after.
    asked_terms = [catalog.expand(w) for w in asked]
    holding = [pid for pid in loose if 2 * said_of(known[pid], asked_terms) >= len(asked_terms)]
    ids = list(dict.fromkeys([*_rrf(holding, related), *loose]))[: offered or limit]
    await _read(session, known, ids)
    suggested = [known[pid] for pid in ids if pid in known]
    return Answer(lexical.parsed, suggestions=suggested, miss=Miss.NO_MATCH)


async def _read(session: AsyncSession, known: dict[int, ProductRecord], ids: list[int]) -> None:
    """Reads into `known` the products of `ids` it lacks, in one round trip (one deleted
    meanwhile stays missing)."""
    unread = [pid for pid in ids if pid not in known]
    if unread:
        known.update((p.id, p) for p in await products_by_ids(session, unread))


async def _named_of(
    session: AsyncSession,
    known: dict[int, ProductRecord],
    close: list[int],
    asked: list[str],
    catalog: CatalogTerms,
    enough: int | None,
) -> list[int]:
    """Those of `close` that the question names (`_named`), in order. With `enough`,
    the first `enough` are read, and the others only when fewer of them are named (the
    30 close to a question about tents took 2.6 ms to read at 100,000 products)."""
    chunks = [close] if enough is None else [close[:enough], close[enough:]]
    named: list[int] = []
    for chunk in chunks:
        if enough is not None and len(named) >= enough:
            break
        await _read(session, known, chunk)
        named += [pid for pid in chunk if pid in known and _named(known[pid], asked, catalog)]
    return named


def _named(product: ProductRecord, asked: list[str], catalog: CatalogTerms) -> bool:
    """Whether a word of the question is what the product is (the last word of its name
    or of one of its tags, in any language: "Roam Collapsible Dog Bowl" is a bowl) or a
    word of its name that at most DISTINCTIVE products have (a brand, a model)."""
    said = [
        found
        for text in (product.name, *product.names.values(), *product.tags)
        if (found := [w for w in words(text) if w.isalpha()])
    ]
    kinds = {found[-1] for found in said}
    rare = {w for w in said[0] if catalog.vocabulary.get(w, 0) <= DISTINCTIVE} if said else set()
    return any(_inflected(word, name) for word in asked for name in kinds | rare)


def _rrf(*rankings: list[int]) -> list[int]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused, key=lambda pid: -fused[pid])
