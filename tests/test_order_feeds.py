"""Order feeds: Shopify and WooCommerce webhooks, their signatures, and order files."""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import hmac
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.orders.feeds import (
    MEMBER_CODE_KEYS,
    FeedError,
    OrderFeed,
    OrderLine,
    RefundFeed,
    read_orders,
    shopify_order,
    shopify_refund,
    signature_ok,
    woocommerce_order,
    woocommerce_ping,
    woocommerce_refunds,
)

SECRET = "hush-0123456789abcdef"

# Modelled on Shopify's documented orders/create example (REST order object), cut to
# what a webhook carries that matters here, plus a cart attribute with the member's code.
SHOPIFY_ORDER: dict[str, Any] = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "email": " Jon@Example.COM ",
    "contact_email": "jon@example.com",
    "closed_at": None,
    "created_at": "2024-05-01T10:30:00-04:00",
    "updated_at": "2024-05-01T10:30:01-04:00",
    "processed_at": "2024-05-01T10:29:58-04:00",
    "number": 234,
    "order_number": 1234,
    "name": "#9999",
    "note": None,
    "note_attributes": [
        {"name": "gift_wrap", "value": "yes"},
        {"name": "ref", "value": "AB12CD"},
    ],
    "token": "123456abcd",
    "test": True,
    "currency": "EUR",
    "presentment_currency": "EUR",
    "total_price": "413.90",
    "subtotal_price": "398.00",
    "total_tax": "0.00",
    "financial_status": "paid",
    "landing_site": "/products/ipod-nano?ref=ZZ99",
    "landing_site_ref": None,
    "referring_site": "https://t.me/",
    "source_name": "web",
    "customer": {"id": 115310627314723954, "email": "customer@example.com"},
    "line_items": [
        {
            "id": 866550311766439020,
            "admin_graphql_api_id": "gid://shopify/LineItem/866550311766439020",
            "product_id": 632910392,
            "variant_id": 808950810,
            "title": "IPod Nano - 8GB",
            "name": "IPod Nano - 8GB - Pink",
            "sku": "IPOD2008PINK",
            "quantity": 1,
            "price": "199.00",
            "fulfillable_quantity": 1,
            "gift_card": False,
        },
        {
            "id": 141249953214522974,
            "admin_graphql_api_id": "gid://shopify/LineItem/141249953214522974",
            "product_id": 632910392,
            "variant_id": 457924702,
            "title": "IPod Nano - 8GB",
            "name": "IPod Nano - 8GB - Black",
            "sku": "IPOD2008BLACK",
            "quantity": 2,
            "price": "99.50",
            "fulfillable_quantity": 2,
            "gift_card": False,
        },
        {
            "id": 487817672276298554,
            "product_id": 6,
            "variant_id": None,
            "title": "Gift note",
            "sku": None,
            "quantity": 1,
            "price": "15.90",
        },
        {
            # Shopify shows removed (edited-out) lines with no quantity left.
            "id": 976318377106520349,
            "product_id": 632910392,
            "variant_id": 49148385,
            "title": "IPod Nano - 8GB",
            "sku": "IPOD2008RED",
            "quantity": 0,
            "price": "199.00",
        },
    ],
}

# Modelled on Shopify's documented refunds/create example.
SHOPIFY_REFUND: dict[str, Any] = {
    "id": 890088186047892319,
    "order_id": 820982911946154508,
    "created_at": "2024-05-03T09:00:00-04:00",
    "note": "Things were damaged",
    "user_id": 548380009,
    "processed_at": "2024-05-03T09:00:00-04:00",
    "restock": False,
    "admin_graphql_api_id": "gid://shopify/Refund/890088186047892319",
    "refund_line_items": [
        {
            "id": 487817672276298554,
            "quantity": 1,
            "line_item_id": 141249953214522974,
            "location_id": None,
            "restock_type": "no_restock",
            "subtotal": 99.5,
            "total_tax": 0.0,
            "line_item": {"id": 141249953214522974, "sku": "IPOD2008BLACK", "quantity": 2},
        },
        {
            # No line_item_id: the nested line item names it.
            "id": 79670902,
            "quantity": 1,
            "line_item": {"id": 866550311766439020, "sku": "IPOD2008PINK", "quantity": 1},
        },
        {
            "id": 79670903,
            "quantity": 1,
            "line_item_id": 141249953214522974,
            "line_item": {"id": 141249953214522974, "sku": "IPOD2008BLACK", "quantity": 2},
        },
    ],
    "transactions": [],
    "order_adjustments": [],
}

# Modelled on the WooCommerce REST API's order (v3), as order.created delivers it.
WOO_ORDER: dict[str, Any] = {
    "id": 727,
    "parent_id": 0,
    "number": "727",
    "order_key": "wc_order_58d2d042d1d",
    "created_via": "checkout",
    "version": "8.9.1",
    "status": "processing",
    "currency": "USD",
    "date_created": "2024-05-01T16:28:02",
    "date_created_gmt": "2024-05-01T19:28:02",
    "discount_total": "0.00",
    "shipping_total": "10.00",
    "total": "29.35",
    "customer_id": 0,
    "billing": {
        "first_name": "John",
        "last_name": "Doe",
        "email": "John.Doe@Example.com",
        "phone": "(555) 555-5555",
    },
    "payment_method": "bacs",
    "meta_data": [
        {"id": 13106, "key": "_wc_order_attribution_source_type", "value": "referral"},
        {"id": 13107, "key": "_shopbot_ref", "value": "WOO-77"},
        {
            "id": 13108,
            "key": "_wc_order_attribution_session_entry",
            "value": "https://shop.example/product/tee/?ref=OTHER1",
        },
    ],
    "line_items": [
        {
            "id": 315,
            "name": "Woo Single #1",
            "product_id": 93,
            "variation_id": 0,
            "quantity": 2,
            "sku": "",
            "price": 3,
            "meta_data": [],
        },
        {
            "id": 316,
            "name": "Ship Your Idea - Color: Black, Size: M",
            "product_id": 22,
            "variation_id": 23,
            "quantity": 1,
            "sku": "Bar3",
            "price": 12,
            "meta_data": [{"id": 2095, "key": "pa_color", "value": "black"}],
        },
    ],
    "refunds": [],
}


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(SHOPIFY_ORDER)
    payload.update(changes)
    return payload


def woo(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(WOO_ORDER)
    payload.update(changes)
    return payload


def csv_orders(text: str) -> list[OrderFeed]:
    return list(read_orders(io.StringIO(text), "csv"))


def json_orders(data: object) -> list[OrderFeed]:
    return list(read_orders(io.StringIO(json.dumps(data)), "json"))


# -- Signatures ------------------------------------------------------------------------


class TestSignature:
    BODY = json.dumps(SHOPIFY_ORDER).encode()

    def test_the_right_secret_over_the_raw_body(self) -> None:
        assert signature_ok(self.BODY, sign(self.BODY), SECRET)

    def test_a_tampered_body(self) -> None:
        tampered = self.BODY.replace(b"413.90", b"0.01")
        assert not signature_ok(tampered, sign(self.BODY), SECRET)

    def test_a_wrong_secret(self) -> None:
        assert not signature_ok(self.BODY, sign(self.BODY, "another secret"), SECRET)

    @pytest.mark.parametrize("header", [None, "", "   "])
    def test_a_missing_header(self, header: str | None) -> None:
        assert not signature_ok(self.BODY, header, SECRET)

    @pytest.mark.parametrize(
        "header", ["not base64!", "abc", "ÿÿÿÿ", "sha256=" + "a" * 64, "a" * 44]
    )
    def test_a_header_that_is_no_signature(self, header: str) -> None:
        assert not signature_ok(self.BODY, header, SECRET)

    def test_no_secret_configured(self) -> None:
        assert not signature_ok(self.BODY, sign(self.BODY, ""), "")

    def test_the_reference_value(self) -> None:
        # Independent of sign(): base64(HMAC-SHA256("key", body)) for a known body.
        body = b"The quick brown fox jumps over the lazy dog"
        header = "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="
        assert signature_ok(body, header, "key")
        assert signature_ok(body, f" {header}\n", "key")


def test_woocommerce_ping() -> None:
    assert woocommerce_ping(b"webhook_id=42") == 42
    assert woocommerce_ping(b"webhook_id=42\n") == 42
    assert woocommerce_ping(json.dumps(WOO_ORDER).encode()) is None
    assert woocommerce_ping(b"webhook_id=42&x=1") is None
    assert woocommerce_ping(b"") is None


# -- Shopify ---------------------------------------------------------------------------


def test_shopify_order() -> None:
    feed = shopify_order(SHOPIFY_ORDER)
    assert feed == OrderFeed(
        source="shopify",
        external_id="820982911946154508",
        number="#9999",
        email="jon@example.com",
        member_code="AB12CD",  # the cart attribute comes before the landing page's ?ref=
        ordered_at=datetime(2024, 5, 1, 14, 30, tzinfo=UTC),
        currency="EUR",
        total_minor=41390,
        lines=(
            OrderLine("866550311766439020", "IPOD2008PINK", 1),
            OrderLine("141249953214522974", "IPOD2008BLACK", 2),
            OrderLine("487817672276298554", "", 1),
        ),
    )
    assert feed.ordered_at is not None and feed.ordered_at.utcoffset() == UTC.utcoffset(None)


def test_feeds_are_frozen() -> None:
    feed = shopify_order(SHOPIFY_ORDER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        feed.number = "#1"  # type: ignore[misc]


def test_shopify_email_falls_back_to_contact_then_customer() -> None:
    assert shopify_order(shopify(email=None)).email == "jon@example.com"
    assert shopify_order(shopify(email="", contact_email=None)).email == "customer@example.com"
    assert shopify_order(shopify(email=None, contact_email=None, customer=None)).email is None
    assert (
        shopify_order(shopify(email="not an email", contact_email=None, customer={})).email is None
    )


def test_shopify_number_falls_back_to_order_number() -> None:
    assert shopify_order(shopify(name=None)).number == "#1234"
    assert shopify_order(shopify(name=None, order_number=None)).number == "820982911946154508"
    assert shopify_order(shopify(name="#" + "9" * 100)).number == "#" + "9" * 63


def test_shopify_cart_attribute_names() -> None:
    def code(*attributes: tuple[str, str]) -> str | None:
        notes = [{"name": name, "value": value} for name, value in attributes]
        return shopify_order(shopify(note_attributes=notes, landing_site=None)).member_code

    assert MEMBER_CODE_KEYS == ("shopbot_ref", "ref")
    assert code(("ref", "R1"), ("shopbot_ref", "S1")) == "S1"  # shopbot_ref comes first
    assert code(("_ref", "HIDDEN1")) == "HIDDEN1"
    assert code(("Ref ", " spaced ")) == "spaced"
    assert code(("ref", "not a code"), ("shopbot_ref", "")) is None
    assert code(("referrer", "X1")) is None
    assert code() is None


@pytest.mark.parametrize(
    ("landing_site", "code"),
    [
        ("/products/x?ref=AB12CD", "AB12CD"),
        ("/?ref=X", "X"),
        ("https://shop.example/collections/all?utm_source=tg&ref=ab_12-cd#top", "ab_12-cd"),
        ("/?ref=FIRST&shopbot_ref=PREFERRED", "PREFERRED"),
        ("/?ref=bad%20code", None),
        ("/products/x", None),
        ("/products/x?reference=AB12CD", None),
        ("http://[broken/?ref=AB", None),
        ("", None),
        (None, None),
    ],
)
def test_shopify_member_code_from_landing_site(landing_site: str | None, code: str | None) -> None:
    payload = shopify(note_attributes=[], landing_site=landing_site)
    assert shopify_order(payload).member_code == code


def test_shopify_member_code_from_landing_site_ref() -> None:
    payload = shopify(note_attributes=[], landing_site="/", landing_site_ref="LSR1")
    assert shopify_order(payload).member_code == "LSR1"


def test_a_bad_cart_attribute_falls_back_to_the_landing_page() -> None:
    payload = shopify(note_attributes=[{"name": "ref", "value": "<script>"}])
    assert shopify_order(payload).member_code == "ZZ99"


@pytest.mark.parametrize(
    "value",
    ["AB 12", "x" * 33, "<script>alert(1)</script>", "", "   ", "ä12", "AB12;DROP", None, True],
)
def test_invalid_member_codes_are_no_codes(value: object) -> None:
    payload = shopify(note_attributes=[{"name": "ref", "value": value}], landing_site=None)
    assert shopify_order(payload).member_code is None


def test_the_longest_member_code() -> None:
    payload = shopify(note_attributes=[{"name": "ref", "value": "x" * 32}])
    assert shopify_order(payload).member_code == "x" * 32


def test_shopify_order_with_little() -> None:
    feed = shopify_order({"id": "5"})
    assert feed == OrderFeed("shopify", "5", "5", None, None, None, None, None, ())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": None}, "missing order id"),
        ({"id": ""}, "missing order id"),
        ({"id": 1.5}, "unreadable order id 1.5"),
        ({"id": "x" * 65}, "unreadable order id"),
        ({"line_items": "abc"}, "line_items is not a list"),
        ({"line_items": [42]}, "line_items: item 1 is not an object"),
        ({"line_items": [{"sku": "A", "quantity": 1}]}, "line item 1: missing id"),
        ({"line_items": [{"id": 1, "quantity": "two"}]}, "line item 1: bad quantity 'two'"),
        ({"line_items": [{"id": 1, "quantity": 10**9}]}, "line item 1: bad quantity"),
        ({"line_items": [{"id": 1, "quantity": 1}, {"id": 1, "quantity": 1}]}, "line item 2"),
    ],
)
def test_shopify_payloads_that_cannot_be_read(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(FeedError, match=message.replace("(", r"\(")):
        shopify_order(shopify(**changes))


def test_shopify_auxiliary_fields_that_do_not_read_are_left_out() -> None:
    feed = shopify_order(
        shopify(created_at="yesterday", processed_at=None, currency="euro", total_price="lots")
    )
    assert (feed.ordered_at, feed.currency, feed.total_minor) == (None, None, None)
    feed = shopify_order(shopify(created_at=None))
    assert feed.ordered_at == datetime(2024, 5, 1, 14, 29, 58, tzinfo=UTC)


def test_text_is_one_line_and_capped() -> None:
    line = {"id": 7, "sku": "  SKU\n\x00" + "Y" * 100, "quantity": "3"}
    (only,) = shopify_order(shopify(line_items=[line])).lines
    assert only.key == "7" and only.quantity == 3
    assert only.sku.startswith("SKU ") and len(only.sku) == 64 and "\n" not in only.sku


def test_shopify_refund() -> None:
    assert shopify_refund(SHOPIFY_REFUND) == RefundFeed(
        source="shopify",
        refund_id="890088186047892319",
        order_external_id="820982911946154508",
        lines=(("141249953214522974", 2), ("866550311766439020", 1)),
    )


def test_shopify_refund_keys_are_the_order_line_keys() -> None:
    order_keys = {line.key for line in shopify_order(SHOPIFY_ORDER).lines}
    assert {key for key, _ in shopify_refund(SHOPIFY_REFUND).lines} <= order_keys


def test_shopify_refund_of_an_amount_only() -> None:
    payload = {"id": 9, "order_id": 8, "refund_line_items": [], "transactions": [{"amount": "5"}]}
    assert shopify_refund(payload) == RefundFeed("shopify", "9", "8", ())
    zero = {"id": 9, "order_id": 8, "refund_line_items": [{"line_item_id": 3, "quantity": 0}]}
    assert shopify_refund(zero).lines == ()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"order_id": 8}, "missing refund id"),
        ({"id": 9}, "missing order_id"),
        ({"id": 9, "order_id": 8, "refund_line_items": [{"quantity": 1}]}, "missing line_item_id"),
        (
            {"id": 9, "order_id": 8, "refund_line_items": [{"line_item_id": 3, "quantity": "x"}]},
            "refund line item 1: bad quantity",
        ),
    ],
)
def test_shopify_refunds_that_cannot_be_read(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(FeedError, match=message):
        shopify_refund(payload)


# -- WooCommerce -----------------------------------------------------------------------


def test_woocommerce_order() -> None:
    assert woocommerce_order(WOO_ORDER) == OrderFeed(
        source="woocommerce",
        external_id="727",
        number="727",
        email="john.doe@example.com",
        member_code="WOO-77",  # meta comes before the landing page
        ordered_at=datetime(2024, 5, 1, 19, 28, 2, tzinfo=UTC),  # date_created_gmt
        currency="USD",
        total_minor=2935,
        lines=(OrderLine("315", "", 2), OrderLine("316", "Bar3", 1)),
    )


def test_woocommerce_member_code_from_meta_and_landing_page() -> None:
    meta = [{"id": 1, "key": "ref", "value": "PLAIN1"}]
    assert woocommerce_order(woo(meta_data=meta)).member_code == "PLAIN1"
    landing = [m for m in WOO_ORDER["meta_data"] if m["key"] != "_shopbot_ref"]
    assert woocommerce_order(woo(meta_data=landing)).member_code == "OTHER1"
    assert woocommerce_order(woo(meta_data=[])).member_code is None
    bad = [{"id": 1, "key": "shopbot_ref", "value": {"nested": "AB"}}]
    assert woocommerce_order(woo(meta_data=bad)).member_code is None


def test_woocommerce_fallbacks() -> None:
    feed = woocommerce_order(woo(number="", billing={}, date_created_gmt=None, total="abc"))
    assert (feed.number, feed.email, feed.ordered_at, feed.total_minor) == ("727", None, None, None)
    with pytest.raises(FeedError, match="missing order id"):
        woocommerce_order(woo(id=None))


def test_woocommerce_refunds() -> None:
    assert woocommerce_refunds(WOO_ORDER) == []
    assert woocommerce_refunds(woo(status="completed")) == []
    assert woocommerce_refunds(woo(status="refunded")) == [
        RefundFeed("woocommerce", "727:refunded", "727", (("315", 2), ("316", 1)))
    ]
    partial = woo(status="processing", refunds=[{"id": 726, "reason": "", "total": "-10.00"}])
    assert woocommerce_refunds(partial) == []


# -- Money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "total", "minor"),
    [
        ("JPY", "1500", 1500),
        ("JPY", "1500.00", 1500),
        ("EUR", "19.90", 1990),
        ("eur", "19.9", 1990),
        ("USD", 0, 0),
        ("KWD", "1.234", 1234),
        ("EUR", "19.905", 1991),
        (None, "5", 500),
        ("EUR", "-1.00", None),
        ("EUR", "NaN", None),
        ("EUR", "1,50", None),
    ],
)
def test_total_in_minor_units(currency: str | None, total: object, minor: int | None) -> None:
    assert shopify_order(shopify(currency=currency, total_price=total)).total_minor == minor


# -- Files -----------------------------------------------------------------------------

CSV_FILE = """\ufefforder,email,sku,quantity,ordered_at,ref
1001,Ana@Example.com,TEE-RED-M,2,2024-05-01T10:30:00+02:00,AB12CD
1002,,TEE-RED-M,1,2024-05-02,

1001,,MUG-1,,,
"""


def test_csv_orders_grouped_with_defaults() -> None:
    first, second = csv_orders(CSV_FILE)
    assert first == OrderFeed(
        source="file",
        external_id="1001",
        number="1001",
        email="ana@example.com",
        member_code="AB12CD",
        ordered_at=datetime(2024, 5, 1, 8, 30, tzinfo=UTC),
        currency=None,
        total_minor=None,
        lines=(OrderLine("1", "TEE-RED-M", 2), OrderLine("2", "MUG-1", 1)),
    )
    assert second == OrderFeed(
        "file",
        "1002",
        "1002",
        None,
        None,
        datetime(2024, 5, 2, tzinfo=UTC),  # a date without a time or offset: UTC midnight
        None,
        None,
        (OrderLine("1", "TEE-RED-M", 1),),
    )


def test_csv_optional_columns_and_first_values() -> None:
    text = 'sku,order,total,currency,ref\nA,#7,,,\nB,#7,"1500",JPY,bad code\nC,#7,9999,USD,LATER\n'
    (order,) = csv_orders(text)
    assert order.number == "#7"
    assert (order.currency, order.total_minor, order.member_code) == ("JPY", 1500, "LATER")
    assert [line.key for line in order.lines] == ["1", "2", "3"]
    assert order.ordered_at is None and order.email is None


def test_csv_header_only_and_empty_files() -> None:
    assert csv_orders("order,sku\n") == []
    assert csv_orders("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("order,sku,quantity\n1,A,1\n,B,1\n", "line 3: missing order"),
        ("order,sku,quantity\n1,A,x\n", "line 2: bad quantity 'x'"),
        ("order,sku,quantity\n1,A,0\n", "line 2: bad quantity 0: it must be 1 or more"),
        ("order,sku,quantity\n1,A,-2\n", "line 2: bad quantity -2"),
        ("order,sku,quantity\n1,A,1.5\n", "line 2: bad quantity '1.5'"),
        ("order,sku,ordered_at\n1,A,2024-05-01\n2,A,01/05/2024\n", "line 3: bad date"),
        ("order,sku,currency\n1,A,EURO\n", "line 2: bad currency"),
        ('order,sku,total\n1,A,"19,90"\n', "line 2: bad total"),
        ("order,sku\n1,A,extra\n", "line 2: more fields than columns"),
        ("order,sku,qty\n1,A,1\n", "line 1: unknown column.* qty"),
        ("order,email\n1,a@b.c\n", "line 1: missing column.* sku"),
        ("order,sku,sku\n1,A,B\n", "line 1: column.* sku appear"),
        ("order;sku;quantity\n1;A;1\n", "line 1: .*';'"),
        ('order,sku\n1,"A\n', "unreadable CSV"),
    ],
)
def test_csv_rows_that_cannot_be_read(text: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        csv_orders(text)


def test_csv_line_numbers_count_quoted_newlines() -> None:
    text = 'order,sku,quantity\n1,"two\nline sku",1\n2,B,zero\n'
    with pytest.raises(FeedError, match="line 4: bad quantity"):
        csv_orders(text)


def test_json_orders() -> None:
    data = [
        {
            "order": "1001",
            "email": "Ana@Example.com",
            "ordered_at": "2024-05-01T08:30:00Z",
            "ref": "AB12CD",
            "currency": "EUR",
            "total": "19.90",
            "lines": [{"sku": "TEE-RED-M", "quantity": 2}, {"sku": "MUG-1"}],
        },
        {"order": 1002, "lines": [{"sku": "A", "key": "L-9"}, {"sku": "B", "quantity": "3"}]},
    ]
    first, second = json_orders(data)
    assert first == OrderFeed(
        "file",
        "1001",
        "1001",
        "ana@example.com",
        "AB12CD",
        datetime(2024, 5, 1, 8, 30, tzinfo=UTC),
        "EUR",
        1990,
        (OrderLine("1", "TEE-RED-M", 2), OrderLine("2", "MUG-1", 1)),
    )
    assert second.external_id == "1002" and second.email is None and second.ordered_at is None
    assert second.lines == (OrderLine("L-9", "A", 1), OrderLine("2", "B", 3))


def test_json_total_as_a_number() -> None:
    (order,) = json_orders([{"order": "1", "currency": "JPY", "total": 1500, "lines": [{}]}])
    assert order.total_minor == 1500 and order.lines == (OrderLine("1", "", 1),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"order": "1"}, "expected a JSON array of orders"),
        (["1001"], "item 1: expected an order object"),
        ([{"lines": [{"sku": "A"}]}], "item 1: missing order"),
        ([{"order": "1", "lines": []}], "item 1: no lines"),
        ([{"order": "1"}], "item 1: no lines"),
        ([{"order": "1", "lines": {"sku": "A"}}], "item 1: lines must be a list"),
        ([{"order": "1", "lines": ["A"]}], "item 1, line 1: expected a line object"),
        ([{"order": "1", "lines": [{"sku": "A", "quantity": 0}]}], "item 1, line 1: bad quantity"),
        (
            [{"order": "1", "lines": [{"sku": "A"}, {"sku": "B", "quantity": "two"}]}],
            "item 1, line 2: bad quantity 'two'",
        ),
        (
            [{"order": "1", "lines": [{"sku": "A", "quantity": True}]}],
            "item 1, line 1: bad quantity True",
        ),
        ([{"order": "1", "ordered_at": "soon", "lines": [{}]}], "item 1: bad date 'soon'"),
        ([{"order": "1", "ordered_at": 20240501, "lines": [{}]}], "item 1: bad date"),
        (
            [{"order": "1", "lines": [{}]}, {"order": "1", "lines": [{}]}],
            "item 2: order 1 appears more than once",
        ),
        ([{"order": "1", "qty": 2, "lines": [{}]}], "item 1: unknown field.* qty"),
        ([{"order": "1", "lines": [{"qty": 2}]}], "item 1, line 1: unknown field.* qty"),
        (
            [{"order": "1", "lines": [{"key": "a"}, {"key": "a"}]}],
            "item 1, line 2: key a appears more than once",
        ),
        ([{"order": "1", "lines": [{"key": 1.5}]}], "item 1, line 1: unreadable key"),
    ],
)
def test_json_items_that_cannot_be_read(data: object, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        json_orders(data)


def test_json_that_is_not_json() -> None:
    with pytest.raises(FeedError, match="line 2: unreadable JSON"):
        list(read_orders(io.StringIO('[\n{"order": 1,,}]'), "json"))


def test_a_bad_file_raises_before_any_order_is_read() -> None:
    text = "order,sku\n1,A\n2,B\n,C\n"
    with pytest.raises(FeedError, match="line 4"):
        read_orders(io.StringIO(text), "csv")


def test_a_promotions_link_and_discount_codes_are_read_from_either_shop() -> None:
    shopify = copy.deepcopy(SHOPIFY_ORDER)
    shopify["landing_site"] = "/products/bag?spromo=17&utm_source=shopbot"
    shopify["discount_codes"] = [
        {"code": "flash10", "amount": "8.90", "type": "percentage"},
        {"code": "FLASH10"},
        {"code": ""},
        {"nope": 1},
    ]
    found = shopify_order(shopify)
    assert (found.promotion_id, found.discount_codes) == (17, ("FLASH10",))
    shopify["note_attributes"] = [{"name": "spromo", "value": "18"}]
    assert shopify_order(shopify).promotion_id == 18  # the attribute first
    shopify["note_attributes"] = [{"name": "spromo", "value": "12; DROP TABLE"}]
    shopify["landing_site"] = "/?spromo=abc"
    assert shopify_order(shopify).promotion_id is None
    woo_order = woocommerce_order(
        woo(
            coupon_lines=[{"id": 1, "code": "winter20", "discount": "5.00"}],
            meta_data=[{"id": 9, "key": "_shopbot_promotion", "value": "5"}],
        )
    )
    assert (woo_order.promotion_id, woo_order.discount_codes) == (5, ("WINTER20",))
