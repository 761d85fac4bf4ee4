"""Validating raw catalog rows into ProductRecords, collecting every problem."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from itertools import product as cartesian
from typing import Any

from babel.numbers import get_currency_precision, list_currencies

from handlers.catalog.formats import LIST_SEPARATOR, Problem, RawRow, problem
from handlers.core.errors import Refusal
from handlers.core.i18n import N_
from storage.catalog import MAX_PRICE, ProductRecord, VariantRecord

SKU = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,39}")
URL = re.compile(r"https?://\S+", re.IGNORECASE)
_CURRENCIES = frozenset(list_currencies())


def validate(rows: list[RawRow]) -> tuple[list[ProductRecord], list[Problem]]:
    records: list[ProductRecord] = []
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    for row in rows:
        try:
            record = _record(row.data)
        except Refusal as invalid:
            problems.append(problem(row.line, invalid.message, **invalid.values))
            continue
        if record.sku in first_seen:
            problems.append(
                problem(
                    row.line,
                    N_("duplicate SKU {sku} (first on line {first})"),
                    sku=record.sku,
                    first=first_seen[record.sku],
                )
            )
            continue
        first_seen[record.sku] = row.line
        records.append(record)
    return records, problems


def _text(data: dict[str, Any], key: str, required: bool, limit: int) -> str:
    value = data.get(key)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise Refusal(N_("missing value for {column}"), column=key)
    if len(text) > limit:
        raise Refusal(N_("{column} is longer than {limit} characters"), column=key, limit=limit)
    return text


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


def _record(data: dict[str, Any]) -> ProductRecord:
    if None in data:
        raise Refusal(N_("more fields than columns"))
    if "" in data:
        raise Refusal(N_("expected a product with named fields"))
    sku = _text(data, "sku", required=True, limit=40).upper()
    if not SKU.fullmatch(sku):
        raise Refusal(N_("bad SKU {sku}: use letters, digits, '.', '_' and '-'"), sku=sku)
    currency = _text(data, "currency", required=True, limit=16).upper()
    if currency not in _CURRENCIES:
        raise Refusal(N_("unknown currency {currency}"), currency=currency)
    price_minor = _price(_text(data, "price", required=True, limit=20), currency)
    variants = _variants(data)
    stock_value = data.get("stock")
    has_stock = stock_value is not None and str(stock_value).strip() != ""
    variant_total = sum(v.stock or 0 for v in variants)
    if not has_stock and not any(v.stock is not None for v in variants):
        raise Refusal(N_("missing value for {column}"), column="stock")
    stock = _whole(stock_value, "stock") if has_stock else variant_total
    if has_stock and any(v.stock is not None for v in variants) and stock != variant_total:
        raise Refusal(
            N_("stock {stock} differs from the variants' total {total}"),
            stock=stock,
            total=variant_total,
        )
    return ProductRecord(
        sku=sku,
        name=_text(data, "name", required=True, limit=200),
        description=_text(data, "description", required=False, limit=5000),
        category=_text(data, "category", required=True, limit=100),
        price_minor=price_minor,
        currency=currency,
        url=_url(data, "url"),
        image_url=_url(data, "image_url"),
        tags=_list(data, "tags"),
        stock=stock,
        variants=variants,
    )


def _price(text: str, currency: str) -> int:
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise Refusal(N_("bad price {price}: expected a number like 49.90"), price=text) from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise Refusal(N_("bad price {price}: expected a number like 49.90"), price=text)
    precision = int(get_currency_precision(currency))
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > precision:
        raise Refusal(
            N_("bad price {price}: {currency} has {digits} decimal places"),
            price=text,
            currency=currency,
            digits=precision,
        )
    return int(price.scaleb(precision))


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
        if (color, size) in variants:
            raise Refusal(N_("variant {variant} is listed twice"), variant=f"{color}/{size}")
        variants[(color, size)] = VariantRecord(color, size, stock)
    return tuple(variants.values())


def record_to_row(record: ProductRecord, precision: int, with_variants: bool) -> dict[str, Any]:
    """The export form of a product: CSV columns, plus variants for JSON/YAML."""
    row: dict[str, Any] = {
        "sku": record.sku,
        "name": record.name,
        "description": record.description,
        "category": record.category,
        "price": str(Decimal(record.price_minor).scaleb(-precision)),
        "currency": record.currency,
        "url": record.url or "",
        "image_url": record.image_url or "",
        "tags": list(record.tags),
        "colors": list(record.colors),
        "sizes": list(record.sizes),
        "stock": record.stock,
    }
    if with_variants and any(v.stock is not None for v in record.variants):
        row["variants"] = [
            {"color": v.color, "size": v.size, "stock": v.stock} for v in record.variants
        ]
    return row
