"""Full-text product search: SQLite FTS5 or PostgreSQL tsvector, plus structured filters.

Terms arrive already folded into plain word tokens (storage.text.words), so they carry
no query-syntax characters; the query expression is still passed as a bound parameter.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, column, exists, literal_column, or_, table, text
from sqlalchemy.sql.elements import ColumnClause
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Product, ProductVariant
from storage.sql import dialect_of
from storage.text import fold

# Name matches count most, then category/tags/colours, then description.
_SQLITE_RANK: ColumnClause[Any] = literal_column("bm25(product_fts, 10.0, 4.0, 1.0)")
_fts = table("product_fts", column("rowid"))
_search = table("product_search", column("product_id"), column("document"))
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")
_PG_DOCUMENT: ColumnClause[Any] = literal_column("product_search.document")


@dataclass(frozen=True)
class SearchTerm:
    """One word of a query: any of `words` exactly, or with `prefix` any word starting
    with `words[0]`."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self) -> str:
        """The term as an SQLite FTS5 query expression."""
        if self.prefix:
            return f'"{self.words[0]}"*'
        return "(" + " OR ".join(f'"{w}"' for w in self.words) + ")"

    def tsquery(self, weight: str = "") -> str:
        """The term as PostgreSQL tsquery text; with `weight` (e.g. "A", the name) it
        matches only words of that weight."""
        if self.prefix:
            return f"{self.words[0]}:*{weight}"
        suffix = f":{weight}" if weight else ""
        return "(" + " | ".join(f"{w}{suffix}" for w in self.words) + ")"


@dataclass(frozen=True)
class SearchFilters:
    """Structured limits on a search; None or empty means no limit. Prices are in minor
    units; `size` matches regardless of case."""

    min_price_minor: int | None = None
    max_price_minor: int | None = None
    currency: str | None = None
    categories: tuple[str, ...] = ()  # exact category names, any of
    colors: tuple[str, ...] = ()  # lower-case variant colours, any of
    size: str | None = None

    @property
    def needs_variant(self) -> bool:
        """Whether a product must have an in-stock variant of the wanted colour or size."""
        return bool(self.colors or self.size)

    @property
    def params(self) -> dict[str, Any]:
        """The values of the limits set, as `_filtered`'s statements take them: its names
        say which are set, which is all the statement's shape depends on."""
        values: dict[str, Any] = {
            "min_price": self.min_price_minor,
            "max_price": self.max_price_minor,
            "currency": self.currency or None,
            "categories": list(self.categories) or None,
            "colors": list(self.colors) or None,
            "size": self.size.upper() if self.size else None,
        }
        return {name: value for name, value in values.items() if value is not None}


def _in_stock_variant(limits: Collection[str]) -> Any:
    variant_in_stock = or_(
        col(ProductVariant.stock) > 0,
        and_(col(ProductVariant.stock).is_(None), col(Product.stock) > 0),
    )
    conditions = [col(ProductVariant.product_id) == col(Product.id), variant_in_stock]
    if "colors" in limits:
        colors: Any = bindparam("colors", expanding=True)
        conditions.append(func.lower(col(ProductVariant.color)).in_(colors))
    if "size" in limits:
        conditions.append(func.upper(col(ProductVariant.size)) == bindparam("size"))
    return exists().where(*conditions)


async def search_products(
    session: AsyncSession,
    terms: Sequence[SearchTerm],
    *,
    match_all: bool,
    filters: SearchFilters,
    limit: int,
) -> list[int]:
    """Ids of matching products, best first.

    With terms: in-stock products whose name holds every term come first; only when
    there are too few of those does the full relevance ranking run (scoring every
    matching row is what costs time on a large catalog). Without terms (browsing by
    filters): in-stock products only, cheapest first, off the (category, price) index.
    """
    dialect = dialect_of(session)
    params = filters.params
    if not terms:
        browse = _filtered(select(col(Product.id)), params).where(col(Product.stock) > 0)
        stmt = browse.order_by(col(Product.price_minor), col(Product.id)).limit(limit)
        return list((await session.exec(stmt, params=params)).all())
    found: list[int] = []
    if match_all:
        in_name = _filtered(_name_match(dialect, terms), params).where(col(Product.stock) > 0)
        found = list((await session.exec(in_name.limit(limit), params=params)).all())
        if len(found) >= limit:
            return found
    ranked = _filtered(_ranked_match(dialect, terms, match_all), params)
    if found:
        ranked = ranked.where(col(Product.id).not_in(found))
    found += (await session.exec(ranked.limit(limit - len(found)), params=params)).all()
    return found


def _filtered(stmt: Any, limits: Collection[str]) -> Any:
    """`stmt` limited by the `limits` named (`SearchFilters.params`' names), their
    values its parameters."""
    if "min_price" in limits:
        stmt = stmt.where(col(Product.price_minor) >= bindparam("min_price"))
    if "max_price" in limits:
        stmt = stmt.where(col(Product.price_minor) <= bindparam("max_price"))
    if "currency" in limits:
        stmt = stmt.where(col(Product.currency) == bindparam("currency"))
    if "categories" in limits:
        stmt = stmt.where(col(Product.category).in_(bindparam("categories", expanding=True)))
    if "colors" in limits or "size" in limits:
        stmt = stmt.where(_in_stock_variant(limits))
    return stmt


def _name_match(dialect: str, terms: Sequence[SearchTerm]) -> Any:
    """All terms in the product name, in catalog order (no scoring, streams)."""
    if dialect == "postgresql":
        query = func.to_tsquery(_PG_CONFIG, " & ".join(t.tsquery("A") for t in terms))
        return (
            select(col(Product.id))
            .join(_search, _search.c.product_id == col(Product.id))
            .where(_PG_DOCUMENT.op("@@")(query))
            .order_by(col(Product.id))
        )
    expression = "name : (" + " AND ".join(t.fts5() for t in terms) + ")"
    return (
        select(col(Product.id))
        .join(_fts, _fts.c.rowid == col(Product.id))
        .where(text("product_fts MATCH :fts_query").bindparams(fts_query=expression))
        .order_by(_fts.c.rowid)  # FTS5 returns rowid order itself: no sort step
    )


def _ranked_match(dialect: str, terms: Sequence[SearchTerm], match_all: bool) -> Any:
    """Terms anywhere, by relevance; in-stock products first."""
    in_stock_first = (col(Product.stock) <= 0).asc()
    if dialect == "postgresql":
        joiner = " & " if match_all else " | "
        query = func.to_tsquery(_PG_CONFIG, joiner.join(t.tsquery() for t in terms))
        return (
            select(col(Product.id))
            .join(_search, _search.c.product_id == col(Product.id))
            .where(_PG_DOCUMENT.op("@@")(query))
            .order_by(in_stock_first, func.ts_rank_cd(_PG_DOCUMENT, query).desc(), col(Product.id))
        )
    joiner = " AND " if match_all else " OR "
    expression = joiner.join(t.fts5() for t in terms)
    return (
        select(col(Product.id))
        .join(_fts, _fts.c.rowid == col(Product.id))
        .where(text("product_fts MATCH :fts_query").bindparams(fts_query=expression))
        .order_by(in_stock_first, _SQLITE_RANK, col(Product.id))
    )


async def vocabulary(session: AsyncSession) -> dict[str, int]:
    """Every indexed term with the number of products containing it."""
    if dialect_of(session) == "postgresql":
        sql = text("SELECT word, ndoc FROM ts_stat('SELECT document FROM product_search')")
    else:
        sql = text("SELECT term, doc FROM product_fts_vocab")
    rows = (await session.exec(sql)).all()  # type: ignore[call-overload]
    return {str(term): int(count) for term, count in rows}


async def categories(session: AsyncSession) -> list[str]:
    """The distinct product categories, sorted."""
    stmt = select(col(Product.category)).distinct().order_by(col(Product.category))
    return list((await session.exec(stmt)).all())


async def currencies(session: AsyncSession) -> list[str]:
    """The distinct currencies products are priced in, sorted."""
    stmt = select(col(Product.currency)).distinct().order_by(col(Product.currency))
    return list((await session.exec(stmt)).all())


async def variant_colors(session: AsyncSession) -> list[str]:
    """The distinct non-empty variant colours, lower-cased, in no particular order."""
    stmt = select(func.lower(col(ProductVariant.color))).distinct()
    return [c for c in (await session.exec(stmt)).all() if c]


async def variant_sizes(session: AsyncSession) -> list[str]:
    """The distinct non-empty variant sizes, as the catalog writes them."""
    stmt = select(col(ProductVariant.size)).distinct()
    return [size for size in (await session.exec(stmt)).all() if size]


@cache
def _stock_of(limits: frozenset[str]) -> Any:
    """Built once for each set of limits: a question checks the model's nearest so,
    and building the statement took longer than running it."""
    ids: Any = bindparam("ids", expanding=True)
    return _filtered(
        select(col(Product.id), col(Product.stock)).where(col(Product.id).in_(ids)), limits
    )


async def passing(session: AsyncSession, ids: Sequence[int], filters: SearchFilters) -> list[int]:
    """Those of `ids` that pass `filters`, in stock first, otherwise in the order given."""
    if not ids:
        return []
    limits = filters.params
    stock_of = _stock_of(frozenset(limits))
    stock = dict((await session.exec(stock_of, params={**limits, "ids": list(ids)})).all())
    return sorted((i for i in ids if i in stock), key=lambda i: stock[i] <= 0)


async def category_aliases(session: AsyncSession) -> dict[str, str]:
    """Every category by its folded name in any language the catalog gives
    ("torby" -> "Bags"), for commands that take a category."""
    stmt = select(col(Product.category), col(Product.category_names)).distinct()
    found: dict[str, str] = {}
    for category, names in (await session.exec(stmt)).all():
        found.setdefault(fold(category), category)
        for name in json.loads(names).values() if names else ():
            found.setdefault(fold(name), category)
    return found
