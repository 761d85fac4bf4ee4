"""Who bought what, as shops tell it: webhook payloads and order files read into plain values.

Pure parsing and signature checking, no database and no HTTP: the webhook route and the
import command hand this module the raw body or the open file, and store what comes back.

Webhooks
    Shopify and WooCommerce sign a webhook the same way: a header
    (``X-Shopify-Hmac-Sha256``, ``X-WC-Webhook-Signature``) holds
    base64(HMAC-SHA256(secret, raw body)). Check it with `signature_ok` on the body's bytes
    as received, before parsing them, and refuse the request when it fails.

    - Shopify ``orders/create`` (also ``orders/updated``, ``orders/paid``: the same order
      object): `shopify_order`. ``refunds/create``: `shopify_refund`, whose lines name the
      order's line ids (`OrderLine.key`).
    - WooCommerce ``order.created`` and ``order.updated`` (topic in ``X-WC-Webhook-Topic``):
      `woocommerce_order`. WooCommerce has no refund topic, and an order shows a partial
      refund only as an amount, so `woocommerce_refunds` reads an order whose status is
      ``refunded`` as every line refunded in full, and anything else as no refund.
    - When a WooCommerce webhook is saved, WooCommerce posts a ping that is neither signed
      nor JSON (the form-encoded body ``webhook_id=N``) and keeps the webhook only if it is
      answered 200: `woocommerce_ping` recognises it.

    A shop may deliver the same order more than once: store it by `OrderFeed.external_id`.

Member codes
    A member's code (the ``ref`` of the shop links they share) reaches an order through,
    first to last: a cart attribute (Shopify ``note_attributes``) or an order meta entry
    (WooCommerce ``meta_data``) named ``shopbot_ref`` or ``ref`` (a leading ``_``, which
    hides the value from shoppers, is allowed); then the query string of the page the
    shopper landed on (Shopify ``landing_site``, e.g. ``/products/tee?ref=AB12CD``, or its
    ``landing_site_ref``; WooCommerce's order attribution entry
    ``_wc_order_attribution_session_entry``), ``shopbot_ref`` before ``ref``. A code is 1
    to 32 letters, digits, ``_`` or ``-``; any other text is no code.

Order files (``shopbot orders import FILE``), from any other shop
    CSV (UTF-8, comma-separated) with a header row and one row per line item. Rows with the
    same ``order`` are one order, wherever they stand in the file::

        order,email,sku,quantity,ordered_at,ref
        1001,ana@example.com,TEE-RED-M,2,2024-05-01T10:30:00+02:00,AB12CD
        1002,bo@example.com,TEE-RED-M,1,2024-05-02,
        1001,ana@example.com,MUG-1,,,

    Columns ``order`` and ``sku`` are required. Optional: ``email``; ``quantity`` (a whole
    number, 1 or more; empty means 1); ``ordered_at`` (ISO 8601; without an offset it is
    UTC); ``ref`` (the member's code); ``currency`` (ISO 4217, e.g. EUR) and ``total`` (the
    order's total, e.g. 19.90). An order takes its email, date, code, currency and total
    from the first of its rows that has them.

    JSON: an array of orders::

        [{"order": "1001", "email": "ana@example.com", "ordered_at": "2024-05-01T08:30:00Z",
          "ref": "AB12CD", "currency": "EUR", "total": "19.90",
          "lines": [{"sku": "TEE-RED-M", "quantity": 2}, {"sku": "MUG-1"}]}]

    ``order`` and a non-empty ``lines`` are required, the rest as in CSV; each order appears
    once. A line may give its own ``key`` (unique within the order).

    A file's order is known by ``order`` as written (its external id and its number); its
    lines are keyed "1", "2", ... in file order unless given. A row or item that cannot be
    read raises `FeedError` naming its line (CSV) or item (JSON) and the problem. An email
    or code that does not read as one is left out, as in webhooks.

Money
    `OrderFeed.total_minor` is the total in the currency's minor units (19.90 EUR -> 1990,
    1500 JPY -> 1500, 1.234 KWD -> 1234): the currency's precision as Babel knows it, 2
    when no currency is given.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any, Literal
from urllib.parse import parse_qs, urlsplit

from babel.numbers import get_currency_precision

from handlers.core.links import PROMOTION_PARAM, SHARER_PARAM

# Cart attribute, order meta and query parameter names that carry the member's code.
MEMBER_CODE_KEYS = ("shopbot_ref", "ref")
# The code of the member whose share link the buyer followed (`/s/<code>/...` adds it).
SHARER_CODE_KEYS = ("shopbot_share", SHARER_PARAM)
# The promotion whose link the buyer followed (the click redirect adds it).
PROMOTION_KEYS = ("shopbot_promotion", PROMOTION_PARAM)
MAX_CODE_LENGTH = 64

SHOPIFY = "shopify"
WOOCOMMERCE = "woocommerce"
FILE = "file"

MAX_ID = 64  # an order's, refund's or line's id; longer is refused
MAX_SKU = 64  # longer is cut
MAX_NUMBER = 64  # longer is cut
MAX_CODE = 32
MAX_EMAIL = 254
MAX_QUANTITY = 1_000_000
MAX_TOTAL = Decimal(10) ** 15  # in major units; more is no total a shop sends

_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_CODE}}}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_PING = re.compile(rb"webhook_id=([0-9]{1,20})")
_MAX_URL = 4096
# WooCommerce's order attribution (since 8.5) keeps the shopper's landing page here.
_WOO_LANDING = "_wc_order_attribution_session_entry"

_CSV_COLUMNS = ("order", "email", "sku", "quantity", "ordered_at", "ref", "currency", "total")
_CSV_REQUIRED = ("order", "sku")
_JSON_ORDER_FIELDS = frozenset(
    ("order", "email", "ordered_at", "ref", "currency", "total", "lines")
)
_JSON_LINE_FIELDS = frozenset(("key", "sku", "quantity"))


@dataclass(frozen=True)
class OrderLine:
    """One line of an order: which product (by SKU) and how many."""

    key: str  # the shop's line id (unique within the order); in files "1", "2", ... or given
    sku: str  # "" when the shop gives none
    quantity: int  # 1 or more


@dataclass(frozen=True)
class OrderFeed:
    """An order as a shop reported it, ready to store and to match to a member."""

    source: str  # "shopify", "woocommerce" or "file"
    external_id: str  # the shop's order id: the same order delivered again has the same one
    number: str  # what the shopper sees ("#1001", "1001")
    email: str | None  # lower-cased
    member_code: str | None  # see "Member codes" above
    ordered_at: datetime | None  # UTC
    currency: str | None  # ISO 4217, upper-case
    total_minor: int | None  # the total in the currency's minor units
    lines: tuple[OrderLine, ...]
    # The sharer's code (``shopbot_share`` / ``sref``, as the buyer's code is found).
    referrer_code: str | None = None
    # The promotion whose link led to it (``shopbot_promotion`` / ``spromo``), and the
    # discount codes used (upper-case): a promotion's orders carry either.
    promotion_id: int | None = None
    discount_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefundFeed:
    """A refund of some of an order's lines."""

    source: str
    refund_id: str  # the shop's refund id (stable, like an order's)
    order_external_id: str
    lines: tuple[tuple[str, int], ...]  # (OrderLine.key, quantity refunded)


class FeedError(ValueError):
    """A payload or file that cannot be read; the message (English, for operators' logs
    and 400 answers) says what is missing or wrong, and where."""


# -- Signatures ------------------------------------------------------------------------


def signature_ok(body: bytes, signature: str | None, secret: str) -> bool:
    """Whether `signature` is base64(HMAC-SHA256(secret, body)), as Shopify
    (``X-Shopify-Hmac-Sha256``) and WooCommerce (``X-WC-Webhook-Signature``) send it.

    `body` is the request body exactly as received. False without a signature or a
    secret, and for a header that is not base64.
    """
    if not signature or not secret:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):  # not base64, or not ASCII
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def woocommerce_ping(body: bytes) -> int | None:
    """The webhook's id if `body` is the unsigned ping WooCommerce sends when a webhook is
    saved (``webhook_id=N``), else None. Answer it 200 and store nothing."""
    match = _PING.fullmatch(body.strip())
    return int(match.group(1)) if match else None


# -- Shopify ---------------------------------------------------------------------------


def shopify_order(payload: Mapping[str, Any]) -> OrderFeed:
    """An order from Shopify's order webhooks (``orders/create``: the REST order object)."""
    external_id = _required_id(payload.get("id"), "order id")
    number = _text(payload.get("name"), MAX_NUMBER)
    if not number:
        order_number = _text(payload.get("order_number"), MAX_NUMBER - 1)
        number = f"#{order_number}" if order_number else external_id
    customer = _mapping(payload.get("customer"))
    currency = _currency(payload.get("currency"))
    ordered_at = _lenient_when(payload.get("created_at"))
    return OrderFeed(
        source=SHOPIFY,
        external_id=external_id,
        number=number,
        email=_first_email(
            payload.get("email"), payload.get("contact_email"), customer.get("email")
        ),
        member_code=_shopify_code(payload),
        referrer_code=_shopify_sharer(payload),
        promotion_id=_promotion(
            _pairs(payload.get("note_attributes"), "name", "value"), payload.get("landing_site")
        ),
        discount_codes=_discounts(payload.get("discount_codes")),
        ordered_at=ordered_at or _lenient_when(payload.get("processed_at")),
        currency=currency,
        total_minor=_lenient_minor(payload.get("total_price"), currency),
        lines=_webhook_lines(payload.get("line_items")),
    )


def shopify_refund(payload: Mapping[str, Any]) -> RefundFeed:
    """A refund from Shopify's ``refunds/create`` webhook. A refund of an amount only (no
    ``refund_line_items``) has no lines; quantities per line are added up."""
    refund_id = _required_id(payload.get("id"), "refund id")
    order_id = _required_id(payload.get("order_id"), "order_id")
    refunded: dict[str, int] = {}
    items = _objects(payload.get("refund_line_items"), "refund_line_items")
    for number, item in enumerate(items, start=1):
        where = f"refund line item {number}"
        line_id = item.get("line_item_id")
        if _blank(line_id):
            line_id = _mapping(item.get("line_item")).get("id")
        key = _required_id(line_id, "line_item_id", where)
        quantity = _quantity(item.get("quantity"), where)
        if quantity > 0:
            refunded[key] = refunded.get(key, 0) + quantity
    return RefundFeed(SHOPIFY, refund_id, order_id, tuple(refunded.items()))


def _shopify_code(payload: Mapping[str, Any]) -> str | None:
    attributes = _pairs(payload.get("note_attributes"), "name", "value")
    return (
        _code_from_pairs(attributes)
        or _code_from_url(payload.get("landing_site"))
        or _member_code(payload.get("landing_site_ref"))
    )


def _shopify_sharer(payload: Mapping[str, Any]) -> str | None:
    attributes = _pairs(payload.get("note_attributes"), "name", "value")
    return _code_from_pairs(attributes, SHARER_CODE_KEYS) or _code_from_url(
        payload.get("landing_site"), SHARER_CODE_KEYS
    )


# -- WooCommerce -----------------------------------------------------------------------


def woocommerce_order(payload: Mapping[str, Any]) -> OrderFeed:
    """An order from WooCommerce's ``order.created`` / ``order.updated`` webhooks (the REST
    API's order object). Its date is ``date_created_gmt``; the local ``date_created`` says
    no time zone, so it is not used."""
    external_id = _required_id(payload.get("id"), "order id")
    billing = _mapping(payload.get("billing"))
    currency = _currency(payload.get("currency"))
    meta = _pairs(payload.get("meta_data"), "key", "value")
    return OrderFeed(
        source=WOOCOMMERCE,
        external_id=external_id,
        number=_text(payload.get("number"), MAX_NUMBER) or external_id,
        email=_first_email(
            payload.get("email"), payload.get("contact_email"), billing.get("email")
        ),
        member_code=_code_from_pairs(meta) or _code_from_url(_pair_value(meta, _WOO_LANDING)),
        referrer_code=_code_from_pairs(meta, SHARER_CODE_KEYS)
        or _code_from_url(_pair_value(meta, _WOO_LANDING), SHARER_CODE_KEYS),
        promotion_id=_promotion(meta, _pair_value(meta, _WOO_LANDING)),
        discount_codes=_discounts(payload.get("coupon_lines")),
        ordered_at=_lenient_when(payload.get("date_created_gmt")),
        currency=currency,
        total_minor=_lenient_minor(payload.get("total"), currency),
        lines=_webhook_lines(payload.get("line_items")),
    )


def woocommerce_refunds(payload: Mapping[str, Any]) -> list[RefundFeed]:
    """The refunds an order webhook tells of: an order whose status is ``refunded`` or
    ``cancelled`` refunds every line in full (refund id ``"<order id>:<status>"``, so a
    repeat is the same refund); any other status, none."""
    status = payload.get("status")
    status = status.strip().lower() if isinstance(status, str) else ""
    if status not in ("refunded", "cancelled"):
        return []
    order = woocommerce_order(payload)
    lines = tuple((line.key, line.quantity) for line in order.lines)
    return [RefundFeed(WOOCOMMERCE, f"{order.external_id}:{status}", order.external_id, lines)]


def woocommerce_placed(payload: Mapping[str, Any]) -> bool:
    """Whether a WooCommerce order is a purchase yet: paid and being fulfilled
    (``processing``, ``completed``), or refunded or cancelled after that. A ``pending``,
    ``on-hold`` (awaiting payment), ``failed`` or draft order is not recorded; its
    ``order.updated`` once paid is."""
    status = payload.get("status")
    status = status.strip().lower() if isinstance(status, str) else ""
    return status in ("processing", "completed", "refunded", "cancelled")


def shopify_cancellation(payload: Mapping[str, Any]) -> RefundFeed | None:
    """A cancelled Shopify order (``cancelled_at`` set, as ``orders/cancelled`` and
    ``orders/updated`` send it) as a full refund of its lines; None otherwise."""
    if not payload.get("cancelled_at"):
        return None
    order = shopify_order(payload)
    lines = tuple((line.key, line.quantity) for line in order.lines)
    return RefundFeed(SHOPIFY, f"{order.external_id}:cancelled", order.external_id, lines)


# -- Files -----------------------------------------------------------------------------


def read_orders(stream: IO[str], fmt: Literal["csv", "json"]) -> Iterator[OrderFeed]:
    """The orders of an order file (formats above), in the order they first appear.

    The whole file is read and checked before this returns, so a file with a problem
    raises `FeedError` and yields nothing.
    """
    if fmt == "csv":
        drafts = _csv_orders(stream)
    elif fmt == "json":
        drafts = _json_orders(stream)
    else:
        raise ValueError(f"unknown order file format {fmt!r}: use csv or json")
    return iter([draft.feed() for draft in drafts])


@dataclass
class _Draft:
    """An order of a file while its rows are read."""

    order: str
    email: str | None = None
    ordered_at: datetime | None = None
    code: str | None = None
    currency: str | None = None
    total: Decimal | None = None
    lines: list[OrderLine] = field(default_factory=list)

    def fill(self, other: _Draft) -> None:
        """Take from another row of the same order what this one does not have yet."""
        self.email = self.email if self.email is not None else other.email
        self.ordered_at = self.ordered_at if self.ordered_at is not None else other.ordered_at
        self.code = self.code if self.code is not None else other.code
        self.currency = self.currency if self.currency is not None else other.currency
        self.total = self.total if self.total is not None else other.total

    def feed(self) -> OrderFeed:
        total = None if self.total is None else _minor(self.total, self.currency)
        return OrderFeed(
            source=FILE,
            external_id=self.order,
            number=self.order,
            email=self.email,
            member_code=self.code,
            ordered_at=self.ordered_at,
            currency=self.currency,
            total_minor=total,
            lines=tuple(self.lines),
        )


def _file_draft(values: Mapping[str, object], where: str) -> _Draft:
    """The order-level fields of a CSV row or a JSON item, without lines."""
    return _Draft(
        order=_required_id(values.get("order"), "order", where),
        email=_email(values.get("email")),
        ordered_at=_file_when(values.get("ordered_at"), where),
        code=_member_code(values.get("ref")),
        currency=_file_currency(values.get("currency"), where),
        total=_file_total(values.get("total"), where),
    )


def _csv_orders(stream: IO[str]) -> list[_Draft]:
    drafts: dict[str, _Draft] = {}
    for line, row in _csv_rows(stream):
        where = f"line {line}"
        draft = _file_draft(row, where)
        order = drafts.setdefault(draft.order, draft)
        if order is not draft:
            order.fill(draft)
        quantity = _file_quantity(row.get("quantity"), where)
        key = str(len(order.lines) + 1)
        order.lines.append(OrderLine(key, _text(row.get("sku"), MAX_SKU), quantity))
    return list(drafts.values())


def _csv_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-blank row with the line it starts on, as {column: stripped value}."""
    reader = csv.reader(stream, strict=True)
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = _csv_header(header)
        line = reader.line_num + 1
        for fields in reader:
            if any(value.strip() for value in fields):  # blank lines are no rows
                if len(fields) > len(columns):
                    raise FeedError(f"line {line}: more fields than columns")
                yield line, {c: v.strip() for c, v in zip(columns, fields, strict=False)}
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FeedError(f"line {line}: unreadable CSV: {exc}") from None
    except UnicodeDecodeError:
        raise FeedError(f"line {line}: the file is not UTF-8 text") from None


def _csv_header(header: list[str]) -> list[str]:
    columns = [name.removeprefix("\ufeff").strip().lower() for name in header]
    if len(columns) == 1 and ";" in columns[0]:
        # Excel writes ';' between columns where the decimal separator is a comma.
        raise FeedError("line 1: the file seems to use ';' between columns: use commas")
    unknown = [column or "(empty)" for column in columns if column not in _CSV_COLUMNS]
    if unknown:
        raise FeedError(
            f"line 1: unknown column(s) {', '.join(unknown)}; "
            f"the columns are {', '.join(_CSV_COLUMNS)}"
        )
    missing = [column for column in _CSV_REQUIRED if column not in columns]
    if missing:
        raise FeedError(f"line 1: missing column(s) {', '.join(missing)}")
    twice = sorted({column for column in columns if columns.count(column) > 1})
    if twice:
        raise FeedError(f"line 1: column(s) {', '.join(twice)} appear more than once")
    return columns


def _json_orders(stream: IO[str]) -> list[_Draft]:
    try:
        data = json.load(stream)
    except json.JSONDecodeError as exc:
        raise FeedError(f"line {exc.lineno}: unreadable JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise FeedError("the file is not UTF-8 text") from None
    if not isinstance(data, list):
        raise FeedError("expected a JSON array of orders")
    drafts: dict[str, _Draft] = {}
    for number, item in enumerate(data, start=1):
        where = f"item {number}"
        draft = _json_order(item, where)
        if draft.order in drafts:
            raise FeedError(f"{where}: order {draft.order} appears more than once")
        drafts[draft.order] = draft
    return list(drafts.values())


def _json_order(item: object, where: str) -> _Draft:
    if not isinstance(item, Mapping):
        raise FeedError(f"{where}: expected an order object")
    _known_fields(item, _JSON_ORDER_FIELDS, where)
    draft = _file_draft(item, where)
    lines = item.get("lines")
    if _blank(lines) or lines == []:
        raise FeedError(f"{where}: no lines")
    if not isinstance(lines, list):
        raise FeedError(f"{where}: lines must be a list")
    for number, line in enumerate(lines, start=1):
        parsed = _json_line(line, f"{where}, line {number}", str(number))
        if any(known.key == parsed.key for known in draft.lines):
            raise FeedError(f"{where}, line {number}: key {parsed.key} appears more than once")
        draft.lines.append(parsed)
    return draft


def _json_line(line: object, where: str, place: str) -> OrderLine:
    if not isinstance(line, Mapping):
        raise FeedError(f"{where}: expected a line object")
    _known_fields(line, _JSON_LINE_FIELDS, where)
    given = line.get("key")
    key = place if _blank(given) else _required_id(given, "key", where)
    quantity = _file_quantity(line.get("quantity"), where)
    return OrderLine(key, _text(line.get("sku"), MAX_SKU), quantity)


def _known_fields(item: Mapping[Any, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(str(name) for name in item if name not in known)
    if unknown:
        raise FeedError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"the fields are {', '.join(sorted(known))}"
        )


def _file_quantity(value: object, where: str) -> int:
    if _blank(value):
        return 1
    quantity = _quantity(value, where)
    if quantity < 1:
        raise FeedError(f"{where}: bad quantity {quantity}: it must be 1 or more")
    return quantity


def _file_when(value: object, where: str) -> datetime | None:
    if _blank(value):
        return None
    try:
        return _when(value)
    except (ValueError, OverflowError):
        raise FeedError(
            f"{where}: bad date {_shown(value)}: use ISO 8601, e.g. 2024-05-01T10:30:00+02:00"
        ) from None


def _file_currency(value: object, where: str) -> str | None:
    if _blank(value):
        return None
    currency = _currency(value)
    if currency is None:
        raise FeedError(f"{where}: bad currency {_shown(value)}: use a code such as EUR")
    return currency


def _file_total(value: object, where: str) -> Decimal | None:
    if _blank(value):
        return None
    try:
        return _decimal(value)
    except ValueError:
        raise FeedError(f"{where}: bad total {_shown(value)}: write it like 19.90") from None


# -- Shared readers --------------------------------------------------------------------


def _webhook_lines(value: object) -> tuple[OrderLine, ...]:
    """A webhook's line items; lines with no quantity left (0 or less) are dropped."""
    lines: list[OrderLine] = []
    seen: set[str] = set()
    for number, item in enumerate(_objects(value, "line_items"), start=1):
        where = f"line item {number}"
        key = _required_id(item.get("id"), "id", where)
        if key in seen:
            raise FeedError(f"{where}: line id {key} appears more than once")
        seen.add(key)
        quantity = _quantity(item.get("quantity"), where)
        if quantity > 0:
            lines.append(OrderLine(key, _text(item.get("sku"), MAX_SKU), quantity))
    return tuple(lines)


def _required_id(value: object, what: str, where: str | None = None) -> str:
    prefix = f"{where}: " if where else ""
    if _blank(value):
        raise FeedError(f"{prefix}missing {what}")
    text = _text(value, MAX_ID + 1)
    if not text or len(text) > MAX_ID:
        raise FeedError(
            f"{prefix}unreadable {what} {_shown(value)}: "
            f"expected text or a whole number of at most {MAX_ID} characters"
        )
    return text


def _quantity(value: object, where: str) -> int:
    quantity = _whole(value)
    if quantity is None:
        raise FeedError(f"{where}: bad quantity {_shown(value)}: not a whole number")
    if quantity > MAX_QUANTITY:
        raise FeedError(f"{where}: bad quantity {quantity}: more than {MAX_QUANTITY}")
    return quantity


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)
    return None


def _when(value: object) -> datetime:
    """An ISO 8601 time in UTC (without an offset it is UTC); ValueError if it is none."""
    if not isinstance(value, str):
        raise ValueError("not text")
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _lenient_when(value: object) -> datetime | None:
    try:
        return _when(value)
    except (ValueError, OverflowError):
        return None


def _decimal(value: object) -> Decimal:
    """A non-negative amount; ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise ValueError("not a number")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_TOTAL:
        raise ValueError("out of range")
    return amount


def _minor(amount: Decimal, currency: str | None) -> int:
    digits = get_currency_precision(currency) if currency else 2
    return int(amount.scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _lenient_minor(value: object, currency: str | None) -> int | None:
    try:
        return _minor(_decimal(value), currency)
    except ValueError:
        return None


def _currency(value: object) -> str | None:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip()):
        return None
    return value.strip().upper()


def _email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if len(email) <= MAX_EMAIL and _EMAIL.fullmatch(email) else None


def _first_email(*values: object) -> str | None:
    return next((email for email in map(_email, values) if email is not None), None)


def _member_code(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str):
        return None
    code = value.strip()
    return code if _CODE.fullmatch(code) else None


def _code_from_pairs(
    pairs: Iterable[tuple[object, object]], keys: tuple[str, ...] = MEMBER_CODE_KEYS
) -> str | None:
    """The code of the first usable attribute named for it, by `keys`' order."""
    found: dict[str, str] = {}
    for name, value in pairs:
        key = name.strip().lower().removeprefix("_") if isinstance(name, str) else ""
        code = _member_code(value) if key in keys else None
        if code is not None:
            found.setdefault(key, code)
    return next((found[key] for key in keys if key in found), None)


def _code_from_url(value: object, keys: tuple[str, ...] = MEMBER_CODE_KEYS) -> str | None:
    """The code in a URL's or path's query string (``?ref=AB12CD``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        query = parse_qs(urlsplit(value.strip()[:_MAX_URL]).query)
    except ValueError:
        return None
    for key in keys:
        for candidate in query.get(key, []):
            code = _member_code(candidate)
            if code is not None:
                return code
    return None


def _promotion(pairs: Iterable[tuple[object, object]], landing: object) -> int | None:
    """The promotion id an order carries: an attribute, else the landing page's query."""
    for name, value in pairs:
        key = name.strip().lower().removeprefix("_") if isinstance(name, str) else ""
        if key in PROMOTION_KEYS and (found := _promotion_id(value)) is not None:
            return found
    if isinstance(landing, str) and landing.strip():
        try:
            query = parse_qs(urlsplit(landing.strip()[:_MAX_URL]).query)
        except ValueError:
            return None
        for key in PROMOTION_KEYS:
            for candidate in query.get(key, []):
                if (found := _promotion_id(candidate)) is not None:
                    return found
    return None


def _promotion_id(value: object) -> int | None:
    text = str(value).strip() if isinstance(value, str | int) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _discounts(value: object) -> tuple[str, ...]:
    """The discount codes of Shopify's ``discount_codes`` or WooCommerce's
    ``coupon_lines`` (objects with a ``code``), upper-case, each once."""
    items = value if isinstance(value, list) else []
    codes = [item.get("code") for item in items if isinstance(item, Mapping)]
    found = (
        code.strip().upper()
        for code in codes
        if isinstance(code, str) and code.strip() and len(code.strip()) <= MAX_CODE_LENGTH
    )
    return tuple(dict.fromkeys(found))


def _pairs(value: object, name: str, content: str) -> list[tuple[object, object]]:
    """(name, value) of a list of objects such as Shopify's note attributes; others skipped."""
    if not isinstance(value, list):
        return []
    return [(item.get(name), item.get(content)) for item in value if isinstance(item, Mapping)]


def _pair_value(pairs: Iterable[tuple[object, object]], name: str) -> object:
    return next((value for key, value in pairs if key == name), None)


def _objects(value: object, what: str) -> list[Mapping[str, Any]]:
    """A list of objects (absent: none); FeedError for anything else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FeedError(f"{what} is not a list")
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            raise FeedError(f"{what}: item {number} is not an object")
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object, cap: int) -> str:
    """Text or a whole number as one line of at most `cap` characters; "" for the rest."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = _CONTROL.sub(" ", value)
    else:
        return ""
    return text.strip()[:cap].strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    """A value as an error message quotes it, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
