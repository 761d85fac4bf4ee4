"""Catalog rows: batched upsert by SKU, export, and the revision caches key on."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import meta
from storage.db import SQLITE_BUSY_TIMEOUT_MS
from storage.models import Product, ProductSearch, ProductVariant, Vendor
from storage.sql import dialect_of, insert_for, table_of
from storage.text import index_text
from storage.types import utcnow

BATCH = 500
# The highest price a product may have (in major units): what the catalog accepts and
# what a question's number may mean as a price; larger numbers are ids or typos.
MAX_PRICE = Decimal("10000000")


@dataclass(frozen=True)
class VariantRecord:
    """One colour/size combination of a product; `stock` None means only the total is known.
    `shop_id` is the shop's own id of the variant (Shopify variant, WooCommerce
    variation), which cart links name."""

    color: str = ""
    size: str = ""
    stock: int | None = None
    shop_id: str | None = None


class Translations(Mapping[str, str]):
    """A product's name, description or category in other languages, language code ->
    text: read-only, hashable and equal to any mapping with the same items."""

    __slots__ = ("_items", "_names")

    def __init__(self, names: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items = tuple(sorted(dict(names).items()))
        self._names = dict(self._items)

    def __getitem__(self, language: str) -> str:
        return self._names[language]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Translations):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._names == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"Translations({self._names!r})"


NO_TRANSLATIONS = Translations()


@dataclass(frozen=True)
class ProductRecord:
    """A product as imported and exported; equal records mean nothing to update.

    `price_minor` is in minor units of `currency` (cents for USD). `names`,
    `descriptions` and `category_names` are the name, description and category in other
    languages (the plain fields are the catalog's own, English, text).
    """

    sku: str
    name: str
    description: str
    category: str
    price_minor: int
    currency: str
    url: str | None
    image_url: str | None
    tags: tuple[str, ...]
    stock: int
    variants: tuple[VariantRecord, ...] = field(default=())
    category_names: Mapping[str, str] = field(default=NO_TRANSLATIONS)
    vendor: str = ""  # who sells it (a vendor's name; "" for the shop itself)
    names: Mapping[str, str] = field(default=NO_TRANSLATIONS)
    descriptions: Mapping[str, str] = field(default=NO_TRANSLATIONS)
    # The shop's own id of the product (WooCommerce product, Shopify's only variant), for
    # cart links where the product has no variants.
    shop_id: str | None = None
    # Kept by the store, not the catalog file: not part of an import's comparison.
    id: int = field(default=0, compare=False)
    rating_count: int = field(default=0, compare=False)
    rating_sum: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        for name in ("names", "descriptions", "category_names"):
            value = getattr(self, name)
            if not isinstance(value, Translations):  # a dict, say: frozen too
                object.__setattr__(self, name, Translations(value))

    def name_in(self, language: str) -> str:
        """The product's name in `language`, else the catalog's own."""
        return self.names.get(language) or self.name

    def description_in(self, language: str) -> str:
        """The description in `language`, else the catalog's own."""
        return self.descriptions.get(language) or self.description

    def category_in(self, language: str) -> str:
        """The category's name in `language`, else the catalog's own."""
        return self.category_names.get(language) or self.category

    @property
    def colors(self) -> tuple[str, ...]:
        """The variants' distinct non-empty colours, in first-seen order."""
        return tuple(dict.fromkeys(v.color for v in self.variants if v.color))

    @property
    def sizes(self) -> tuple[str, ...]:
        """The variants' distinct non-empty sizes, in first-seen order."""
        return tuple(dict.fromkeys(v.size for v in self.variants if v.size))


@dataclass
class UpsertResult:
    """How many records `upsert_products` created, updated and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _product_values(record: ProductRecord, vendors: Mapping[str, int]) -> dict[str, Any]:
    return {
        "vendor_id": vendors.get(record.vendor),
        "sku": record.sku,
        "name": record.name,
        "description": record.description,
        "category": record.category,
        "price_minor": record.price_minor,
        "currency": record.currency,
        "url": record.url,
        "image_url": record.image_url,
        "tags": "|".join(record.tags),
        "stock": record.stock,
        "shop_id": record.shop_id,
        "category_names": _names_json(record.category_names),
        "names": _names_json(record.names),
        "descriptions": _names_json(record.descriptions),
    }


def _names_json(names: Mapping[str, str]) -> str | None:
    """The names as stored: a JSON object (keys sorted), or NULL when there are none."""
    if not names:
        return None
    return json.dumps(dict(sorted(names.items())), ensure_ascii=False, separators=(",", ":"))


def names_from_json(stored: str | None) -> Translations:
    """Names as `_names_json` stored them."""
    return Translations(json.loads(stored)) if stored else NO_TRANSLATIONS


def _search_values(product_id: int, record: ProductRecord) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "name": index_text(record.name, *record.names.values()),
        "keywords": index_text(
            record.category,
            *record.category_names.values(),
            " ".join(record.tags),
            " ".join(record.colors),
        ),
        "body": index_text(record.sku, record.description, *record.descriptions.values()),
    }


async def upsert_products(
    session: AsyncSession,
    records: Iterable[ProductRecord],
    on_progress: Callable[[int], None] | None = None,
) -> UpsertResult:
    """Insert or update products by SKU within the caller's transaction.

    `records` is read BATCH at a time, so a generator reading a file keeps one batch in
    memory however large the file; `on_progress` gets each written batch's size. An
    exception from the generator propagates (the caller's transaction rolls back).
    Products whose stored data already equals the record are left untouched, so
    importing the same file twice changes nothing.
    """
    result = UpsertResult()
    pending = iter(records)
    batches = 0
    while batch := list(islice(pending, BATCH)):
        await _upsert_batch(session, batch, result)
        batches += 1
        if batches & (batches - 1) == 0 and batches > 1:  # 2, 4, 8... batches
            await _refresh_statistics(session)
        if on_progress is not None:
            on_progress(len(batch))
    if result.created or result.updated:
        await bump_revision(session)
        if dialect_of(session) == "sqlite":
            await analyze_sqlite(session)
    return result


async def _refresh_statistics(session: AsyncSession) -> None:
    # PostgreSQL plans the lookups by SKU from statistics that still say "empty" while
    # one transaction fills a new catalog, and then scans the whole table for each
    # batch (2.5 s a batch at 30,000 rows; 100,000 products took 6 minutes). ANALYZE
    # sees this transaction's rows; run as the table doubles (7 times for 100,000), it
    # keeps the lookups on the index. A user who does not own the table gets a warning.
    if dialect_of(session) == "postgresql":
        await (await session.connection()).exec_driver_sql("ANALYZE product")


async def analyze_sqlite(session: AsyncSession) -> None:
    """Table statistics for SQLite's planner (PostgreSQL keeps its own). Without them,
    "these 30 products, if jackets" read every one of 14,000 jackets by the category
    index (1.8 ms) instead of the 30 by id (0.03 ms). ANALYZE took 0.09 s at 100,000."""
    connection = await session.connection()
    for table in ("product", "product_variant"):
        await connection.exec_driver_sql(f"ANALYZE {table}")


async def _upsert_batch(
    session: AsyncSession, batch: Sequence[ProductRecord], result: UpsertResult
) -> None:
    skus = [r.sku for r in batch]
    loaded = await _load(session, col(Product.sku).in_(skus))
    stored = {r.sku: r for _, r in loaded}
    ids = {r.sku: product_id for product_id, r in loaded}
    now = utcnow()
    fresh = [r for r in batch if r.sku not in stored]
    changed = [r for r in batch if r.sku in stored and stored[r.sku] != r]
    result.created += len(fresh)
    result.updated += len(changed)
    result.unchanged += len(batch) - len(fresh) - len(changed)
    vendors = await vendor_ids(session, {r.vendor for r in fresh + changed if r.vendor})
    if fresh:
        rows = [_product_values(r, vendors) | {"created_at": now, "updated_at": now} for r in fresh]
        await session.exec(insert(table_of(Product)), params=rows)
        new_ids = await session.exec(
            select(Product.sku, col(Product.id)).where(col(Product.sku).in_([r.sku for r in fresh]))
        )
        ids.update((sku, pid) for sku, pid in new_ids.all() if pid is not None)
    if changed:
        rows = [
            _product_values(r, vendors) | {"id": ids[r.sku], "updated_at": now} for r in changed
        ]
        await session.exec(update(Product), params=rows)
    touched = fresh + changed
    if not touched:
        return
    touched_ids = [ids[r.sku] for r in touched]
    await session.exec(
        delete(ProductVariant).where(col(ProductVariant.product_id).in_(touched_ids))
    )
    await session.exec(delete(ProductSearch).where(col(ProductSearch.product_id).in_(touched_ids)))
    variants = [
        {
            "product_id": ids[r.sku],
            "color": v.color,
            "size": v.size,
            "stock": v.stock,
            "shop_id": v.shop_id,
        }
        for r in touched
        for v in r.variants
    ]
    if variants:
        await session.exec(insert(table_of(ProductVariant)), params=variants)
    search_rows = [_search_values(ids[r.sku], r) for r in touched]
    await session.exec(insert(table_of(ProductSearch)), params=search_rows)


async def vendor_ids(session: AsyncSession, names: Collection[str]) -> dict[str, int]:
    """The vendors of these names, each made if new (named in a catalog before anyone
    is their member)."""
    if not names:
        return {}
    table = table_of(Vendor)
    now = utcnow()
    await session.exec(
        insert_for(session, table)
        .values([{"name": name, "created_at": now} for name in sorted(names)])
        .on_conflict_do_nothing(index_elements=["name"])
    )
    found = await session.exec(select(Vendor.name, Vendor.id).where(col(Vendor.name).in_(names)))
    return {name: vendor_id for name, vendor_id in found.all() if vendor_id is not None}


_PRODUCT, _VARIANT, _VENDOR = table_of(Product), table_of(ProductVariant), table_of(Vendor)
_COLUMNS = (*_PRODUCT.c, _VENDOR.c.name.label("vendor_name"))
_WITH_VENDOR = _PRODUCT.outerjoin(_VENDOR, _VENDOR.c.id == _PRODUCT.c.vendor_id)


def _few(where: Any) -> Any:
    """A handful of products (an answer's) with their variants in one round trip, a row
    for each variant."""
    return (
        sa_select(
            *_COLUMNS,
            _VARIANT.c.id.label("variant_id"),
            _VARIANT.c.color.label("variant_color"),
            _VARIANT.c.size.label("variant_size"),
            _VARIANT.c.stock.label("variant_stock"),
            _VARIANT.c.shop_id.label("variant_shop_id"),
        )
        .select_from(_WITH_VENDOR.outerjoin(_VARIANT, _VARIANT.c.product_id == _PRODUCT.c.id))
        .where(where)
        .order_by(_PRODUCT.c.sku, _VARIANT.c.id)
    )


# Built once: every answer reads its products by one of these (building the statement
# took longer than running it).
_BY_IDS = _few(_PRODUCT.c.id.in_(bindparam("ids", expanding=True)))
_BY_SKU = _few(func.lower(_PRODUCT.c.sku) == bindparam("sku"))


async def _load_few(
    session: AsyncSession, stmt: Any, params: Mapping[str, Any]
) -> list[tuple[int, ProductRecord]]:
    """The products `stmt` (one of `_few`'s) finds, with their variants."""
    # Core rows, not ORM objects: a question reads a few products on its way to the
    # answer, and building the ORM's instances took half the time.
    rows = (await (await session.connection()).execute(stmt, params)).all()
    by_product: dict[int, list[VariantRecord]] = defaultdict(list)
    for row in rows:
        if row.variant_id is not None:
            by_product[row.id].append(
                VariantRecord(
                    row.variant_color, row.variant_size, row.variant_stock, row.variant_shop_id
                )
            )
    loaded = {row.id: row for row in rows}.values()
    return [(p.id, _record(p, by_product.get(p.id, ()))) for p in loaded]


async def _load(session: AsyncSession, where: Any = None) -> list[tuple[int, ProductRecord]]:
    """The products `where` says (every one without), with their variants: many (an
    import's batch, an export), whose variants are read apart, so a product's text is
    not fetched once per variant."""
    connection = await session.connection()
    stmt = sa_select(*_COLUMNS).select_from(_WITH_VENDOR).order_by(_PRODUCT.c.sku)
    loaded = list((await connection.execute(stmt if where is None else stmt.where(where))).all())
    variants = sa_select(
        _VARIANT.c.product_id,
        _VARIANT.c.color,
        _VARIANT.c.size,
        _VARIANT.c.stock,
        _VARIANT.c.shop_id,
    ).order_by(_VARIANT.c.id)
    if where is not None:
        variants = variants.where(_VARIANT.c.product_id.in_([p.id for p in loaded]))
    by_product: dict[int, list[VariantRecord]] = defaultdict(list)
    for product_id, *fields in (await connection.execute(variants)).all():
        by_product[product_id].append(VariantRecord(*fields))
    return [(p.id, _record(p, by_product.get(p.id, ()))) for p in loaded]


def _record(p: Any, variants: Iterable[VariantRecord]) -> ProductRecord:
    """A product's record from its row (`_COLUMNS`)."""
    return ProductRecord(
        sku=p.sku,
        name=p.name,
        description=p.description,
        category=p.category,
        price_minor=p.price_minor,
        currency=p.currency,
        url=p.url,
        image_url=p.image_url,
        tags=tuple(t for t in p.tags.split("|") if t),
        stock=p.stock,
        variants=tuple(variants),
        category_names=names_from_json(p.category_names),
        names=names_from_json(p.names),
        descriptions=names_from_json(p.descriptions),
        vendor=p.vendor_name or "",
        shop_id=p.shop_id,
        id=p.id,
        rating_count=p.rating_count,
        rating_sum=p.rating_sum,
    )


async def all_products(session: AsyncSession) -> list[ProductRecord]:
    """Every product with its variants, ordered by SKU (for export)."""
    return [record for _, record in await _load(session)]


async def count_products(session: AsyncSession) -> int:
    """The number of products in the catalog."""
    return (await session.exec(select(func.count()).select_from(Product))).one()


async def bump_revision(session: AsyncSession) -> None:
    """Give the catalog a new random revision, so caches keyed on the old one go stale."""
    await meta.bump(session, meta.CATALOG_REVISION)


async def catalog_revision(session: AsyncSession) -> str:
    """The current catalog revision; empty if the catalog has never changed."""
    revision = await meta.revision(session, meta.CATALOG_REVISION)
    if dialect_of(session) == "sqlite":
        await _current_statistics(session, revision)
    return revision


async def _current_statistics(session: AsyncSession, revision: str) -> None:
    # SQLite reads the planner's statistics when a connection first reads the schema, and
    # an import's ANALYZE on another connection (or process) does not reach it: a pooled
    # connection rereads them (0.02 ms) on the first revision it sees and on each new one.
    # The reread takes the write lock for a moment, so it does not wait for it: while
    # another process writes, a read (a completion) plans as before and the next one
    # tries again.
    connection = await session.connection()
    if connection.info.get(meta.CATALOG_REVISION) == revision:
        return
    await connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        await connection.exec_driver_sql("ANALYZE sqlite_schema")
    except OperationalError as error:
        if "locked" in str(error):  # another process is writing
            return
        raise
    finally:
        await connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    connection.info[meta.CATALOG_REVISION] = revision


async def products_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[ProductRecord]:
    """Products with their variants, in the order of `ids`."""
    if not ids:
        return []
    found = dict(await _load_few(session, _BY_IDS, {"ids": list(ids)}))
    return [found[i] for i in ids if i in found]


async def product_id(session: AsyncSession, sku: str) -> int | None:
    """The id of the product with this SKU (case-insensitive, trimmed), or None."""
    stmt = select(col(Product.id)).where(func.lower(col(Product.sku)) == sku.strip().lower())
    return (await session.exec(stmt)).first()


async def product_by_sku(session: AsyncSession, sku: str) -> ProductRecord | None:
    """The product with this SKU (case-insensitive, trimmed) and its variants, or None."""
    found = await _load_few(session, _BY_SKU, {"sku": sku.strip().lower()})
    return found[0][1] if found else None


async def product_by_id(session: AsyncSession, product_id: int) -> ProductRecord | None:
    """The product with this id (as button tokens and links name it), or None."""
    found = await products_by_ids(session, [product_id])
    return found[0] if found else None


async def similar_in_stock(
    session: AsyncSession, product: ProductRecord, limit: int
) -> list[ProductRecord]:
    """Up to `limit` other products in stock in the same category and currency, the
    nearest in price first (ties by SKU): what to offer instead of one sold out."""
    distance = func.abs(col(Product.price_minor) - product.price_minor)
    stmt = (
        select(col(Product.id))
        .where(
            col(Product.category) == product.category,
            col(Product.currency) == product.currency,
            col(Product.stock) > 0,
            col(Product.id) != product.id,
        )
        .order_by(distance, col(Product.sku))
        .limit(limit)
    )
    found = (await session.exec(stmt)).all()
    return await products_by_ids(session, [pid for pid in found if pid is not None])
