"""Validating raw catalog rows into ProductRecords: every problem of a row, and SKUs
listed twice in a file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from itertools import product as cartesian
from typing import Any, TypeVar

from babel.numbers import get_currency_precision, list_currencies

from handlers.catalog.formats import (
    LIST_SEPARATOR,
    LOCALIZED,
    Problem,
    RawRow,
    column_field,
    language_refusal,
    localized_column,
    problem,
)
from handlers.core.errors import Refusal
from handlers.core.i18n import N_, SOURCE_LANGUAGE
from storage.catalog import (
    MAX_PRICE,
    NO_TRANSLATIONS,
    ProductRecord,
    Translations,
    VariantRecord,
)

SKU = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,39}")
URL = re.compile(r"https?://\S+", re.IGNORECASE)
# A shop's own product or variant id: characters a URL carries as they are, so any cart
# link template may hold it.
SHOP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,63}")
VARIANT_ID = "="  # `variant_ids` entries: Black/M=4471
BAD_VARIANT_IDS = N_("bad variant_ids {entry}: expected entries like Black/M=4471 separated by '|'")
_CURRENCIES = frozenset(list_currencies())
T = TypeVar("T")


class RowChecker:
    """Checks a file's rows one at a time.

    It remembers the line of every SKU (a few MB for 100,000 products) to find SKUs
    listed twice; nothing else of a row is kept.
    """

    def __init__(self) -> None:
        self._first_seen: dict[str, int] = {}

    def check(self, row: RawRow) -> tuple[ProductRecord | None, list[Problem]]:
        """The row's product, or None and every problem of the row (all on its line)."""
        if row.shape is not None:
            return None, [problem(row.line, row.shape)]
        sku, record, refusals = _record(row.data)
        problems = [problem(row.line, found.message, **found.values) for found in refusals]
        if sku in self._first_seen:
            first = self._first_seen[sku]
            message = N_("duplicate SKU {sku} (first on line {first})")
            problems.append(problem(row.line, message, sku=sku, first=first))
        elif sku:
            self._first_seen[sku] = row.line
        return (None if problems else record), problems


class _Problems:
    """The refusals of one row's fields: each field is checked even when another failed."""

    def __init__(self) -> None:
        self.found: list[Refusal] = []

    def take(self, default: T, check: Callable[[], T]) -> T:
        """What `check` gives, or `default` with its refusal noted."""
        try:
            return check()
        except Refusal as refusal:
            self.found.append(refusal)
            return default


def _record(data: dict[str, Any]) -> tuple[str, ProductRecord | None, list[Refusal]]:
    """The row's SKU (empty if unusable), and its product or every problem of the row."""
    row = _Problems()
    data = _unfold_maps(data)
    sku = row.take("", lambda: _sku(data))
    name = row.take("", lambda: _text(data, "name", required=True, limit=200))
    description = row.take("", lambda: _text(data, "description", required=False, limit=5000))
    category = row.take("", lambda: _text(data, "category", required=True, limit=100))
    translations = _translations(data, row)
    price = row.take(None, lambda: _price(data))
    currency = row.take("", lambda: _currency(data))
    price_minor = row.take(0, lambda: _minor_units(price, currency))
    url = row.take(None, lambda: _url(data, "url"))
    image_url = row.take(None, lambda: _url(data, "image_url"))
    variants = row.take(None, lambda: _variants(data))
    if variants is not None:
        variants = row.take(None, partial(_with_variant_ids, data, variants))
    shop_id = row.take(None, lambda: _shop_id(data.get("shop_id"), "shop_id"))
    stock = row.take(0, lambda: _stock(data, variants))
    vendor = row.take("", lambda: _text(data, "vendor", required=False, limit=128))
    if row.found:
        return sku, None, row.found
    record = ProductRecord(
        sku=sku,
        name=name,
        description=description,
        category=category,
        category_names=translations["category"],
        names=translations["name"],
        descriptions=translations["description"],
        price_minor=price_minor,
        currency=currency,
        url=url,
        image_url=image_url,
        tags=_list(data, "tags"),
        stock=stock,
        variants=variants or (),
        vendor=vendor,
        shop_id=shop_id,
    )
    return sku, record, []


def _text(data: dict[str, Any], key: str, required: bool, limit: int) -> str:
    value = data.get(key)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise Refusal(N_("missing value for {column}"), column=key)
    if len(text) > limit:
        raise Refusal(N_("{column} is longer than {limit} characters"), column=key, limit=limit)
    return text


# The longest text of each localized field, in any language.
_LIMITS = {"name": 200, "description": 5000, "category": 100}


def _unfold_maps(data: dict[str, Any]) -> dict[str, Any]:
    """JSON/YAML fields given as maps ({"en": ..., "pl": ...}) as `<field>@<lang>` keys,
    the catalog's own language as the plain field (missing when the map lacks it)."""
    if not any(isinstance(data.get(name), dict) for name in LOCALIZED):
        return data
    unfolded = dict(data)
    for name in LOCALIZED:
        value = data.get(name)
        if isinstance(value, dict):
            unfolded[name] = value.get(SOURCE_LANGUAGE)
            for language, text in value.items():
                if language != SOURCE_LANGUAGE:
                    unfolded[localized_column(name, str(language))] = text
    return unfolded


def _translations(data: dict[str, Any], row: _Problems) -> dict[str, Translations]:
    """The row's `<field>@<lang>` texts that are given (each key checked on its own)."""
    found: dict[str, dict[str, str]] = {name: {} for name in LOCALIZED}
    for key in data:
        localized = column_field(key) if isinstance(key, str) else None
        if localized is None:
            continue
        name, language = localized
        text = row.take("", partial(_translated, data, key, language, _LIMITS[name]))
        if text:
            found[name][language] = text
    return {
        name: Translations(texts) if texts else NO_TRANSLATIONS for name, texts in found.items()
    }


def _translated(data: dict[str, Any], key: str, language: str, limit: int) -> str:
    refusal = language_refusal(key, language)
    if refusal is not None:
        raise refusal
    return _text(data, key, required=False, limit=limit)


def _list(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def _whole(value: Any, column: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,9}", text):
        raise Refusal(
            N_("{column} must be a whole number of 0 or more, not {value}"),
            column=column,
            value=text[:20],
        )
    return int(text)


def _url(data: dict[str, Any], key: str) -> str | None:
    text = _text(data, key, required=False, limit=2048)
    if text and not URL.fullmatch(text):
        raise Refusal(N_("{column} must be an http(s) address"), column=key)
    return text or None


def _sku(data: dict[str, Any]) -> str:
    sku = _text(data, "sku", required=True, limit=40).upper()
    if not SKU.fullmatch(sku):
        raise Refusal(N_("bad SKU {sku}: use letters, digits, '.', '_' and '-'"), sku=sku)
    return sku


def _currency(data: dict[str, Any]) -> str:
    currency = _text(data, "currency", required=True, limit=16).upper()
    if currency not in _CURRENCIES:
        raise Refusal(N_("unknown currency {currency}"), currency=currency)
    return currency


def _price(data: dict[str, Any]) -> Decimal:
    text = _text(data, "price", required=True, limit=20)
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise Refusal(N_("bad price {price}: expected a number like 49.90"), price=text) from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise Refusal(N_("bad price {price}: expected a number like 49.90"), price=text)
    return price


def _minor_units(price: Decimal | None, currency: str) -> int:
    """The price in the currency's minor units; 0 when either was refused already."""
    if price is None or not currency:
        return 0
    precision = _precision(currency)
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > precision:
        raise Refusal(
            N_("bad price {price}: {currency} has {digits} decimal places"),
            price=str(price),
            currency=currency,
            digits=precision,
        )
    return int(price.scaleb(precision))


@cache
def _precision(currency: str) -> int:
    return int(get_currency_precision(currency))


def _stock(data: dict[str, Any], variants: tuple[VariantRecord, ...] | None) -> int:
    """The product's stock: the column, else the variants' total (which it must equal).

    `variants` is None when they were refused, so only the column itself is checked."""
    value = data.get("stock")
    given = value is not None and str(value).strip() != ""
    counted = [v.stock for v in variants or () if v.stock is not None]
    if not given:
        if not counted and variants is not None:
            raise Refusal(N_("missing value for {column}"), column="stock")
        return sum(counted)
    stock = _whole(value, "stock")
    if counted and stock != sum(counted):
        raise Refusal(
            N_("stock {stock} differs from the variants' total {total}"),
            stock=stock,
            total=sum(counted),
        )
    return stock


def _variants(data: dict[str, Any]) -> tuple[VariantRecord, ...]:
    given = data.get("variants")
    if given is None:
        colors, sizes = _list(data, "colors"), _list(data, "sizes")
        return tuple(
            VariantRecord(c, s) for c, s in cartesian(colors or ("",), sizes or ("",)) if c or s
        )
    if not isinstance(given, list):
        raise Refusal(N_("variants must be a list"))
    variants: dict[tuple[str, str], VariantRecord] = {}
    for item in given:
        if not isinstance(item, dict):
            raise Refusal(N_("variants must be a list"))
        color = _text(item, "color", required=False, limit=64)
        size = _text(item, "size", required=False, limit=32)
        stock = _whole(item["stock"], "variant stock") if item.get("stock") is not None else None
        shop_id = _shop_id(item.get("shop_id"), "variant shop_id")
        if (color, size) in variants:
            raise Refusal(N_("variant {variant} is listed twice"), variant=f"{color}/{size}")
        variants[(color, size)] = VariantRecord(color, size, stock, shop_id)
    return tuple(variants.values())


def _shop_id(value: Any, column: str) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if isinstance(value, bool) or not SHOP_ID.fullmatch(text):
        raise Refusal(
            N_("bad {column} {value}: use up to 64 letters, digits, '.', '_', '~' and '-'"),
            column=column,
            value=text[:70],
        )
    return text


def variant_label(variant: VariantRecord) -> str:
    """How `variant_ids` names a variant: `Black/M`, or `Black` or `M` alone."""
    return "/".join(part for part in (variant.color, variant.size) if part)


def _folded_label(label: str) -> str:
    return "/".join(part.strip() for part in label.split("/") if part.strip()).casefold()


def _with_variant_ids(
    data: dict[str, Any], variants: tuple[VariantRecord, ...]
) -> tuple[VariantRecord, ...]:
    """The variants with the shop's ids that `variant_ids` gives them: `Black/M=4471|…`
    (CSV, next to the colour × size grid), or a map {"Black/M": 4471} in JSON/YAML."""
    given = data.get("variant_ids")
    if given is None or (isinstance(given, str) and not given.strip()):
        return variants
    index: dict[str, int] = {}
    for n, variant in enumerate(variants):
        index.setdefault(_folded_label(variant_label(variant)), n)
    ids: dict[int, str | None] = {}
    for label, value in _variant_id_entries(given):
        found = index.get(_folded_label(label))
        if found is None:
            raise Refusal(
                N_("variant_ids names {variant}, which is not one of the product's variants"),
                variant=label[:70],
            )
        if found in ids:
            raise Refusal(N_("variant {variant} is listed twice"), variant=label[:70])
        ids[found] = _shop_id(value, "variant_ids")
    return tuple(
        replace(variant, shop_id=ids[n]) if n in ids else variant
        for n, variant in enumerate(variants)
    )


def _variant_id_entries(given: Any) -> list[tuple[str, Any]]:
    if isinstance(given, dict):
        return [(str(label), value) for label, value in given.items()]
    if not isinstance(given, str):
        raise Refusal(BAD_VARIANT_IDS, entry=str(given)[:70])
    entries = []
    for entry in given.split(LIST_SEPARATOR):
        if not entry.strip():
            continue
        label, sep, value = entry.strip().rpartition(VARIANT_ID)
        if not sep or not label.strip() or not value.strip():
            raise Refusal(BAD_VARIANT_IDS, entry=entry.strip()[:70])
        entries.append((label, value))
    return entries


def _localized(record: ProductRecord) -> dict[str, str]:
    texts = {
        "name": record.names,
        "description": record.descriptions,
        "category": record.category_names,
    }
    return {
        localized_column(name, language): text
        for name, translations in texts.items()
        for language, text in sorted(translations.items())
    }


def record_to_row(record: ProductRecord, precision: int, with_variants: bool) -> dict[str, Any]:
    """The export form of a product: CSV columns, plus variants for JSON/YAML."""
    row: dict[str, Any] = {
        "sku": record.sku,
        "name": record.name,
        "description": record.description,
        "category": record.category,
        **_localized(record),
        "price": str(Decimal(record.price_minor).scaleb(-precision)),
        "currency": record.currency,
        "url": record.url or "",
        "image_url": record.image_url or "",
        "tags": list(record.tags),
        "colors": list(record.colors),
        "sizes": list(record.sizes),
        "stock": record.stock,
    }
    if record.vendor:
        row["vendor"] = record.vendor
    if record.shop_id:
        row["shop_id"] = record.shop_id
    if with_variants and any(v.stock is not None or v.shop_id for v in record.variants):
        row["variants"] = [_variant_row(v) for v in record.variants]
    elif any(v.shop_id for v in record.variants):  # CSV: next to the colour × size grid
        row["variant_ids"] = LIST_SEPARATOR.join(
            f"{variant_label(v)}{VARIANT_ID}{v.shop_id}" for v in record.variants if v.shop_id
        )
    return row


def _variant_row(variant: VariantRecord) -> dict[str, Any]:
    row: dict[str, Any] = {"color": variant.color, "size": variant.size, "stock": variant.stock}
    if variant.shop_id:
        row["shop_id"] = variant.shop_id
    return row
