"""Answers a product question: matches when the catalog really has it, otherwise the
closest products, clearly labelled as suggestions (never passed off as a match)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.products.index import CatalogTerms, ProductIndex
from handlers.products.query import ParsedQuery, parse_question
from storage.catalog import ProductRecord, product_by_sku, products_by_ids
from storage.search import SearchFilters, search_products


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


async def find_products(
    session: AsyncSession, index: ProductIndex, question: str, limit: int
) -> Answer:
    catalog = await index.terms(session)
    parsed = parse_question(question, catalog)
    for sku in parsed.sku_candidates:
        product = await product_by_sku(session, sku)
        if product is not None:
            return Answer(parsed, matches=[product])
    if parsed.currency and parsed.currency not in catalog.currencies:
        # No exchange rates here: comparing 70 PLN with EUR prices would mislead.
        return Answer(parsed, miss=Miss.CURRENCY)
    # Words the catalog has never heard of mean we cannot claim a match.
    if not parsed.unknown and (parsed.terms or parsed.has_filters):
        # Category words join the text query only alongside other terms: they narrow
        # the rows to rank, while a pure category browse is served by its index.
        words = parsed.terms + parsed.category_words if parsed.terms else []
        terms = [catalog.expand(word) for word in dict.fromkeys(words)]
        ids = await search_products(
            session, terms, match_all=True, filters=parsed.filters(), limit=limit
        )
        if ids:
            return Answer(parsed, matches=await products_by_ids(session, ids))
    return await _closest(session, parsed, catalog, limit)


async def _closest(
    session: AsyncSession, parsed: ParsedQuery, catalog: CatalogTerms, limit: int
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
