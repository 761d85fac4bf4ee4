"""Checkout on SQLite and PostgreSQL: the shop's own ids through every catalog format,
cart link templates (Shopify, WooCommerce, any), the Buy button's variant picker and
its link (privately from a group), out of stock offering similar products, the click
redirect counting one click per visitor and none for preview robots; and a variant
picked on Telegram and on Discord (the real libraries against the loopback fakes)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot import cart_links
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.http import HttpServer
from config import Settings, SettingsError, load_settings
from handlers.catalog.formats import Format
from handlers.catalog.service import describe, export_catalog, import_catalog
from handlers.core.actions import BUY, BUY_VARIANT, encode
from handlers.core.i18n import I18n
from handlers.core.model import (
    Button,
    Buttons,
    ChatRef,
    Direct,
    Ephemeral,
    Out,
    UserRef,
)
from handlers.products.checkout import cart_link, check_of, sign
from storage import orders, promotions
from storage.catalog import ProductRecord, VariantRecord, product_by_sku
from storage.db import Database
from storage.identity import ensure_chat, ensure_member
from storage.models import ProductSignal
from tests import fake_discord
from tests.fake_discord import DM_CHANNEL_ID, TOKEN, FakeDiscord, callbacks, interaction, slash
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import user as telegram_user
from tests.support import action, cards, command, dm, group, plain, user

SHOP = "https://shop.example"
TEE_IDS = (
    "Black/S=4471|Black/M=4472|Black/L=4473|Navy/S=4474|Navy/M=4475|navy / l=4476|"
    "Olive/S=4477|Olive/M=4478"
)
CSV = "\n".join(
    (
        "sku,name,description,category,price,currency,url,image_url,tags,colors,sizes,stock,"
        "shop_id,variant_ids",
        f"TEE-001,Trail Tee,Merino tee.,Trail tops,35.00,EUR,{SHOP}/p/tee-001,,tee,"
        f"Black|Navy|Olive,S|M|L,27,7001,{TEE_IDS}",
        f"CAP-001,Trail Cap,Cap.,Trail tops,20.00,EUR,{SHOP}/p/cap-001,,cap,,,10,2001,",
        f"PNT-001,Trail Pants,Pants.,Trail tops,90.00,EUR,{SHOP}/p/pnt-001,,pants,,,3,,",
        "",
    )
)
STOCKED = [
    {
        "sku": "JKT-001",
        "name": {"en": "Rain Jacket", "pl": "Kurtka przeciwdeszczowa"},
        "description": "Shell.",
        "category": "Trail tops",
        "price": "120.00",
        "currency": "EUR",
        "url": f"{SHOP}/p/jkt-001",
        "shop_id": "8001",
        "variants": [
            {"color": "Red", "size": "M", "stock": 0, "shop_id": "8101"},
            {"color": "Red", "size": "L", "stock": 0, "shop_id": "8102"},
        ],
    },
    {
        "sku": "FLC-001",
        "name": "Fleece",
        "description": "Warm.",
        "category": "Trail tops",
        "price": "60.00",
        "currency": "EUR",
        "url": f"{SHOP}/p/flc-001",
        "variants": [
            {"color": "Grey", "size": "M", "stock": 0, "shop_id": "9101"},
            {"color": "Grey", "size": "L", "stock": 5, "shop_id": "9102"},
        ],
    },
    {
        "sku": "VST-001",
        "name": "Down Vest",
        "description": "Light.",
        "category": "Trail tops",
        "price": "150.00",
        "currency": "EUR",
        "url": f"{SHOP}/p/vst-001",
        "stock": 0,
    },
]
SHOPIFY = f"{SHOP}/cart/{{variant_id}}:{{quantity}}"
WOO = f"{SHOP}/?add-to-cart={{variant_id}}&quantity={{quantity}}"
PUBLIC = "https://bot.example.com"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"


async def load(db: Database) -> None:
    for data, fmt in ((CSV.encode(), Format.CSV), (json.dumps(STOCKED).encode(), Format.JSON)):
        report = await import_catalog(db, data, fmt)
        assert report.ok, [describe(p, I18n("en")) for p in report.problems]


def configure(app: App, **changes: Any) -> None:
    """The running app's settings with `changes`, validated as a file's would be."""
    app.services.settings = Settings.model_validate({**app.settings.model_dump(), **changes})


@pytest.fixture
async def shop(app: App) -> App:
    await load(app.db)
    configure(app, cart_url=f"shopify:{SHOP}/")
    return app


async def product(app: App, sku: str) -> ProductRecord:
    async with app.db.read() as session:
        found = await product_by_sku(session, sku)
    assert found is not None
    return found


async def code_of(app: App, who: UserRef) -> str:
    async with app.db.session() as session:
        member = await ensure_member(session, who.platform, who.id, who.display_name)
        return await orders.code_of(session, member.member_id)


async def salt_of(app: App) -> str:
    async with app.db.session() as session:
        return await promotions.visitor_salt(session)


async def chat_id_of(app: App, chat: ChatRef) -> int:
    async with app.db.session() as session:
        return await ensure_chat(session, chat.platform, chat.id, chat.kind.value, None)


def buttons(outs: list[Out] | Any) -> list[Button]:
    found = []
    for out in outs:
        inner = out.content if isinstance(out, Direct | Ephemeral) else out
        if isinstance(inner, Buttons):
            found += [b for row in inner.rows for b in row]
    return found


async def press(app: App, token: str, who: UserRef, chat: ChatRef) -> list[Out]:
    return list(await app.router.dispatch(action(token, actor=who, chat=chat)))


# --- The catalog ----------------------------------------------------------------------


async def test_shop_ids_round_trip_through_csv_json_and_yaml(db: Database) -> None:
    await load(db)
    csv_export = await export_catalog(db, Format.CSV)
    header, *lines = csv_export.splitlines()
    assert header.endswith(",stock,shop_id,variant_ids")
    [tee] = [line for line in lines if line.startswith("TEE-001")]
    assert tee.endswith(
        ",27,7001,Black/S=4471|Black/M=4472|Black/L=4473|Navy/S=4474|Navy/M=4475|"
        "Navy/L=4476|Olive/S=4477|Olive/M=4478"
    )
    as_json = json.loads(await export_catalog(db, Format.JSON))
    [jacket] = [row for row in as_json if row["sku"] == "JKT-001"]
    assert jacket["shop_id"] == "8001"
    assert jacket["variants"] == [
        {"color": "Red", "size": "M", "stock": 0, "shop_id": "8101"},
        {"color": "Red", "size": "L", "stock": 0, "shop_id": "8102"},
    ]
    [tee_json] = [row for row in as_json if row["sku"] == "TEE-001"]
    assert {"color": "Olive", "size": "L", "stock": None} in tee_json["variants"]
    yaml_export = await export_catalog(db, Format.YAML)
    for fmt, text in ((Format.JSON, json.dumps(as_json)), (Format.YAML, yaml_export)):
        report = await import_catalog(db, text.encode(), fmt)
        assert report.ok and report.rows == 6 and report.unchanged == 6, (fmt, report)
    # A CSV has no stock per variant (the jacket's and the fleece's change), but keeps
    # every id.
    report = await import_catalog(db, csv_export.encode(), Format.CSV)
    assert (report.ok, report.unchanged, report.updated) == (True, 4, 2)
    async with db.read() as session:
        jacket_record = await product_by_sku(session, "JKT-001")
        found = await product_by_sku(session, "TEE-001")
    assert jacket_record is not None and jacket_record.shop_id == "8001"
    assert [v.shop_id for v in jacket_record.variants] == ["8101", "8102"]
    # JSON and YAML may also give the grid's ids as a map.
    gridded = {
        **STOCKED[2],
        "sku": "GLV-001",
        "stock": 4,
        "colors": ["Black"],
        "sizes": ["S", "M"],
        "variant_ids": {"black/m": 5502, "Black/S": "5501"},
    }
    report = await import_catalog(db, json.dumps([gridded]).encode(), Format.JSON)
    assert report.ok, report
    async with db.read() as session:
        gloves = await product_by_sku(session, "GLV-001")
    assert gloves is not None and gloves.variants == (
        VariantRecord("Black", "S", None, "5501"),
        VariantRecord("Black", "M", None, "5502"),
    )
    assert found is not None and found.shop_id == "7001"
    assert found.variants[5] == VariantRecord("Navy", "L", None, "4476")
    assert found.variants[8] == VariantRecord("Olive", "L", None, None)


async def test_bad_shop_ids_are_refused_with_the_column_named(db: Database) -> None:
    bad = CSV.replace(",7001,", ",70 01,").replace("Olive/M=4478", "Purple/M=1|Olive/S")
    report = await import_catalog(db, bad.encode(), Format.CSV)
    said = [describe(p, I18n("en")) for p in report.problems]
    assert said == [
        "line 2: bad variant_ids Olive/S: expected entries like Black/M=4471 separated by '|'",
        "line 2: bad shop_id 70 01: use up to 64 letters, digits, '.', '_', '~' and '-'",
    ]
    twice = CSV.replace("Olive/M=4478", "Olive/M=4478|olive/m=4479")
    report = await import_catalog(db, twice.encode(), Format.CSV)
    assert [describe(p, I18n("en")) for p in report.problems] == [
        "line 2: variant olive/m is listed twice"
    ]
    unknown = CSV.replace("Olive/M=4478", "Purple/M=1")
    report = await import_catalog(db, unknown.encode(), Format.CSV)
    assert [describe(p, I18n("en")) for p in report.problems] == [
        "line 2: variant_ids names Purple/M, which is not one of the product's variants"
    ]
    flagged = [{**STOCKED[0], "variants": [{"color": "Red", "size": "M", "shop_id": True}]}]
    report = await import_catalog(db, json.dumps(flagged).encode(), Format.JSON)
    assert "bad variant shop_id True" in describe(report.problems[0], I18n("en"))
    async with db.read() as session:
        assert await product_by_sku(session, "TEE-001") is None  # nothing went in


# --- Templates ------------------------------------------------------------------------


def test_cart_links_for_shopify_woocommerce_and_any_template() -> None:
    tee = ProductRecord(
        "TEE-001", "Trail Tee", "", "Trail tops", 3500, "EUR", None, None, (), 3,
        variants=(VariantRecord("Navy", "M", 3, "4475"), VariantRecord("Navy", "L", 0)),
        shop_id="7001",
    )  # fmt: skip
    navy_m, navy_l = tee.variants
    shopify = Settings(cart_url=f"shopify:{SHOP}").cart_url
    assert shopify == SHOPIFY
    assert cart_link(shopify, tee, navy_m) == f"{SHOP}/cart/4475:1"
    woo = Settings(cart_url=f"woocommerce:{SHOP}/").cart_url
    assert woo == WOO
    assert cart_link(woo, tee, navy_m) == f"{SHOP}/?add-to-cart=4475&quantity=1"
    custom = f"{SHOP}/basket/add?product={{product_id}}&sku={{sku}}&v={{variant_id}}&n={{quantity}}"
    assert cart_link(Settings(cart_url=custom).cart_url, tee, navy_m, 2) == (
        f"{SHOP}/basket/add?product=7001&sku=TEE-001&v=4475&n=2"
    )
    assert cart_link(shopify, tee, navy_l) is None  # the shop's id of this one is unknown
    by_sku = f"{SHOP}/add/{{sku}}"
    assert cart_link(by_sku, tee, navy_l) == f"{SHOP}/add/TEE-001"
    plain_product = ProductRecord(
        "CAP-001", "Cap", "", "Trail tops", 2000, "EUR", None, None, (), 1, shop_id="2001"
    )
    assert cart_link(woo, plain_product, None) == f"{SHOP}/?add-to-cart=2001&quantity=1"
    assert cart_link("", tee, navy_m) is None
    assert Settings().cart_url == ""


def test_a_bad_cart_template_is_refused_at_load() -> None:
    for value, said in (
        (f"{SHOP}/cart/{{variant}}:{{quantity}}", "unknown placeholder {variant}: use"),
        (f"{SHOP}/cart/{{sku", "unmatched brace"),
        (f"{SHOP}/cart?n={{quantity}}", "names no product"),
        ("shopify:shop.example", "shopify: needs the shop's address"),
        ("shop.example/{sku}", "is not an http(s) address"),
        (f"{SHOP}/{{sku!r}}", "takes no conversion or format"),
    ):
        with pytest.raises(SettingsError) as refused:
            load_settings({"SHOPBOT_CART_URL": value})
        assert "environment SHOPBOT_CART_URL: " in str(refused.value)
        assert said in str(refused.value), str(refused.value)


# --- The Buy button -------------------------------------------------------------------


async def test_the_picker_then_the_cart_link_in_private(shop: App) -> None:
    alice = user("alice")
    tee = await product(shop, "TEE-001")
    shown = await shop.router.dispatch(command("product", "TEE-001", actor=alice))
    [card] = cards(shown)
    assert card.buttons[0][0] == Button("Buy", action=encode(BUY, str(tee.id)))
    colours = await press(shop, encode(BUY, str(tee.id)), alice, dm())
    assert "Which colour of Trail Tee?" in plain(colours)
    assert [b.label for b in buttons(colours)] == ["Black", "Navy", "Olive"]
    sizes = await press(shop, buttons(colours)[1].action or "", alice, dm())
    assert "Which size of Trail Tee (Navy)?" in plain(sizes)
    assert [b.label for b in buttons(sizes)] == ["S", "M", "L"]
    linked = await press(shop, buttons(sizes)[1].action or "", alice, dm())
    assert "Your cart with Trail Tee (Navy / M) is ready:" in plain(linked)
    [go] = buttons(linked)
    code = await code_of(shop, alice)
    assert go == Button("Go to cart", url=f"{SHOP}/cart/4475:1?ref={code}")

    configure(shop, cart_url=f"woocommerce:{SHOP}")  # the same choice on WooCommerce
    linked = await press(shop, buttons(sizes)[1].action or "", alice, dm())
    assert buttons(linked)[0].url == f"{SHOP}/?add-to-cart=4475&quantity=1&ref={code}"
    configure(shop, cart_url=f"{SHOP}/add?v={{variant_id}}&sku={{sku}}")
    linked = await press(shop, buttons(sizes)[1].action or "", alice, dm())
    assert buttons(linked)[0].url == f"{SHOP}/add?v=4475&sku=TEE-001&ref={code}"

    # Olive comes in S and M with the shop's ids, and in L without: its page instead.
    sizes = await press(shop, buttons(colours)[2].action or "", alice, dm())
    linked = await press(shop, buttons(sizes)[2].action or "", alice, dm())
    assert "Trail Tee (Olive / L) is bought on its page in the shop:" in plain(linked)
    assert buttons(linked) == [Button("Go to the shop", url=f"{SHOP}/p/tee-001?ref={code}")]


async def test_few_variants_one_button_each_in_the_shoppers_language(shop: App) -> None:
    boris = user("boris", locale="pl")
    tee = await product(shop, "TEE-001")
    few = CSV.replace("Black|Navy|Olive,S|M|L,27,7001,", "Black,S|M|L,3,7001,").replace(
        "|Navy/S=4474|Navy/M=4475|navy / l=4476|Olive/S=4477|Olive/M=4478", ""
    )
    report = await import_catalog(shop.db, few.encode(), Format.CSV)
    assert report.ok
    picked = await press(shop, encode(BUY, str(tee.id)), boris, dm("boris"))
    assert [b.label for b in buttons(picked)] == ["czarny / S", "czarny / M", "czarny / L"]
    linked = await press(shop, buttons(picked)[2].action or "", boris, dm("boris"))
    assert buttons(linked)[0].url == f"{SHOP}/cart/4473:1?ref={await code_of(shop, boris)}"
    # One left in stock: no choice to make, the link at once (the fleece in grey, L).
    fleece = await product(shop, "FLC-001")
    linked = await press(shop, encode(BUY, str(fleece.id)), boris, dm("boris"))
    assert buttons(linked)[0].url == f"{SHOP}/cart/9102:1?ref={await code_of(shop, boris)}"


async def test_from_a_group_the_link_goes_privately(shop: App) -> None:
    alice, chat = user("alice"), group()
    cap = await product(shop, "CAP-001")
    outs = await press(shop, encode(BUY, str(cap.id)), alice, chat)
    [direct, note] = outs
    assert isinstance(direct, Direct) and isinstance(note, Ephemeral)
    assert plain([note]) == "I've written to you privately."
    assert buttons(outs) == [
        Button("Go to cart", url=f"{SHOP}/cart/2001:1?ref={await code_of(shop, alice)}")
    ]
    # The choice in private names the group, where the Buy was pressed.
    tee = await product(shop, "TEE-001")
    colours = await press(shop, encode(BUY, str(tee.id)), alice, chat)
    assert all(isinstance(o, Direct) for o in colours[:-1])
    sizes = await press(shop, buttons(colours)[0].action or "", alice, dm())
    token = buttons(sizes)[0].action or ""
    assert token.endswith(f":{await chat_id_of(shop, chat)}")
    configure(shop, cart_url=f"shopify:{SHOP}", public_url=PUBLIC)
    [linked] = await press(shop, token, alice, dm())
    group_id, token = await chat_id_of(shop, chat), f"{tee.id}-0-{check_of('Black', 'S')}"
    place = f"{PUBLIC}/b/{group_id}/{token}"
    signed = sign(await salt_of(shop), group_id, token)
    assert buttons([linked]) == [
        Button("Go to cart", url=f"{place}?ref={await code_of(shop, alice)}&k={signed}")
    ]


async def test_out_of_stock_offers_similar_products_in_stock(shop: App) -> None:
    alice = user("alice")
    jacket = await product(shop, "JKT-001")
    outs = await press(shop, encode(BUY, str(jacket.id)), alice, dm())
    assert "Sorry, Rain Jacket is out of stock. Similar ones in stock:" in plain(outs)
    # The nearest in price in the same category, in stock: not the vest (sold out).
    assert buttons(outs) == [
        Button("Trail Pants", action="product:PNT-001"),
        Button("Fleece", action="product:FLC-001"),
        Button("Trail Tee", action="product:TEE-001"),
    ]
    # Sold out between the picker and the press: checked again.
    fleece = await product(shop, "FLC-001")
    chat = str(await chat_id_of(shop, dm()))
    stale = encode(BUY_VARIANT, str(fleece.id), "0", check_of("Grey", "M"), chat)
    outs = await press(shop, stale, alice, dm())
    assert "Sorry, Fleece (Grey / M) is out of stock. Similar ones in stock:" in plain(outs)
    assert [b.label for b in buttons(outs)] == ["Trail Tee", "Trail Pants", "Trail Cap"]
    boris = user("boris", locale="pl")
    outs = await press(shop, encode(BUY, str(jacket.id)), boris, dm("boris"))
    assert "Kurtka przeciwdeszczowa" in plain(outs)


async def test_stale_and_forged_presses_change_nothing(shop: App) -> None:
    alice = user("alice")
    tee = await product(shop, "TEE-001")
    chat = str(await chat_id_of(shop, dm()))
    for token in (
        encode(BUY, "99999"),
        encode(BUY, "x1"),
        encode(BUY, str(tee.id), "extra"),
        encode(BUY_VARIANT, str(tee.id), "1"),
        encode(BUY_VARIANT, "99999", "0", check_of("Black", "S"), chat),
    ):
        said = plain(await press(shop, token, alice, dm()))
        assert said == "That product is no longer in the catalog.", token
    for token in (
        encode(BUY_VARIANT, str(tee.id), "1", check_of("Black", "S"), chat),  # not index 1
        encode(BUY_VARIANT, str(tee.id), "40", check_of("Black", "S"), chat),
        encode("buycol", str(tee.id), "0", check_of("Navy"), chat),
    ):
        said = plain(await press(shop, token, alice, dm()))
        assert said == "That choice is no longer available. Press Buy again.", token


async def test_without_a_template_buy_is_the_product_page(app: App) -> None:
    shown = await app.router.dispatch(command("product", "BAG-001"))
    [card] = cards(shown)
    assert card.buttons[0][0].url is not None and card.buttons[0][0].action is None
    await load(app.db)  # products with the shop's ids, but no cart link set up
    tee = await product(app, "TEE-001")
    sizes = await press(app, encode(BUY, str(tee.id)), user(), dm())
    navy = await press(app, buttons(sizes)[1].action or "", user(), dm())
    linked = await press(app, buttons(navy)[0].action or "", user(), dm())
    code = await code_of(app, user())
    assert buttons(linked) == [Button("Go to the shop", url=f"{SHOP}/p/tee-001?ref={code}")]


# --- The click redirect ---------------------------------------------------------------


@pytest.fixture
async def http(shop: App) -> AsyncIterator[str]:
    server = HttpServer("127.0.0.1", 0, shop.metrics)
    cart_links.mount(server, shop)
    await server.start()
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


async def clicks(app: App) -> list[tuple[str, int, int, str]]:
    async with app.db.read() as session:
        found = await session.exec(select(ProductSignal).order_by(ProductSignal.id))
        return [(s.key, s.chat_id, s.product_id, s.kind) for s in found.all()]


async def test_the_redirect_counts_one_click_per_visitor_and_none_for_robots(
    shop: App, http: str
) -> None:
    alice, chat = user("alice"), group()
    configure(shop, cart_url=f"shopify:{SHOP}", public_url=http)
    tee = await product(shop, "TEE-001")
    colours = await press(shop, encode(BUY, str(tee.id)), alice, chat)
    sizes = await press(shop, buttons(colours)[1].action or "", alice, dm())
    linked = await press(shop, buttons(sizes)[1].action or "", alice, dm())
    [go] = buttons(linked)
    assert go.url is not None and urlsplit(go.url).path.startswith("/b/")
    code = await code_of(shop, alice)
    group_id = await chat_id_of(shop, chat)
    async with aiohttp.ClientSession() as client:
        for agent in (BROWSER, BROWSER, "TelegramBot (like TwitterBot)", "Discordbot/2.0"):
            found = await client.get(go.url, allow_redirects=False, headers={"User-Agent": agent})
            assert found.status == 302
            assert found.headers["Location"] == f"{SHOP}/cart/4475:1?ref={code}"
        [click] = await clicks(shop)
        assert click[1:] == (group_id, tee.id, "click")
        assert re.fullmatch(rf"click:cart:{group_id}:{tee.id}:[0-9a-f]{{32}}", click[0])
        other = {"User-Agent": BROWSER, "X-Forwarded-For": "203.0.113.9"}
        await client.get(go.url, allow_redirects=False, headers=other)
        assert len(await clicks(shop)) == 2  # another visitor
        # Addresses the visitor wrote themselves, before our proxy's: the same visitor.
        chained = {"User-Agent": BROWSER, "X-Forwarded-For": "6.6.6.6, 203.0.113.9"}
        await client.get(go.url, allow_redirects=False, headers=chained)
        assert len(await clicks(shop)) == 2
        # Not through a proxy of ours: the header is anyone's to make up.
        configure(shop, cart_url=f"shopify:{SHOP}", public_url=http, trusted_proxies=[])
        made_up = {"User-Agent": BROWSER, "X-Forwarded-For": "198.51.100.7"}
        found = await client.get(go.url, allow_redirects=False, headers=made_up)
        assert found.status == 302 and len(await clicks(shop)) == 2
        # A product without variants; a code nobody has names no buyer; a product's page.
        cap, pants = await product(shop, "CAP-001"), await product(shop, "PNT-001")
        found = await client.get(
            f"{http}/b/{group_id}/{cap.id}?ref=NOBODY42", allow_redirects=False
        )
        assert found.headers["Location"] == f"{SHOP}/cart/2001:1"
        found = await client.get(
            f"{http}/b/{group_id}/{pants.id}?ref={code}", allow_redirects=False
        )
        assert found.headers["Location"] == f"{SHOP}/p/pnt-001?ref={code}"
        before = len(await clicks(shop))
        # The right path to another chat, or a made-up signature: led on, never counted.
        forged = go.url.replace(f"/b/{group_id}/", f"/b/{group_id + 1}/")
        for url in (forged, go.url.rsplit("&k=", 1)[0] + "&k=0123456789abcdef"):
            found = await client.get(url, allow_redirects=False, headers={"User-Agent": BROWSER})
            assert found.status == 302
        assert len(await clicks(shop)) == before
        for path in (
            f"/b/{group_id}/99999",
            f"/b/{group_id}/{tee.id}",  # it has variants: one must be named
            f"/b/{group_id}/{tee.id}-4-{check_of('Black', 'S')}",  # a stale position
            f"/b/x/{tee.id}",
            f"/b/{group_id}/{tee.id}-0",
        ):
            missing = await client.get(f"{http}{path}", allow_redirects=False)
            assert missing.status == 404, path
        # A chat that does not exist: redirected, counted nowhere.
        found = await client.get(f"{http}/b/987654/{cap.id}", allow_redirects=False)
        assert found.status == 302
    assert len(await clicks(shop)) == before


# --- The platforms --------------------------------------------------------------------

TINA = telegram_user(6101, "Tina", "tina")
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
async def telegram_fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    server.add_private(TINA["id"])
    yield server
    await server.stop()


def filled(kind: str, variant_id: str, code: str) -> str:
    """The cart link a shop of `kind` expects for one of the variant, with the code."""
    if kind == "shopify":
        return f"{SHOP}/cart/{variant_id}:1?ref={code}"
    return f"{SHOP}/?add-to-cart={variant_id}&quantity=1&ref={code}"


SHOPS = pytest.mark.parametrize("kind", ["shopify", "woocommerce"])


@SQLITE
@SHOPS
async def test_a_variant_picked_on_telegram(
    shop: App, telegram_fake: FakeTelegram, kind: str
) -> None:
    configure(shop, cart_url=f"{kind}:{SHOP}")
    fake = telegram_fake
    settings = shop.services.settings.model_copy(
        update={
            "telegram_token": SecretStr(fake.token),
            "telegram_api_url": fake.base_url,
            "telegram_file_url": fake.file_url,
        }
    )
    adapter = TelegramAdapter(settings, shop.router)
    await adapter.start()
    try:

        async def answer(count: int) -> Any:
            found = await fake.wait_for(
                lambda: len(f := fake.sent(TINA["id"], "sendMessage")) >= count and f
            )
            return found[count - 1]

        fake.push_message(TINA["id"], TINA, "/product TEE-001")
        [card] = await fake.wait_for(lambda: fake.sent(TINA["id"], "sendMessage"))
        [[buy], _reviews] = card.params["reply_markup"]["inline_keyboard"]
        assert buy["text"] == "Buy" and buy["callback_data"].startswith("buy:")
        fake.push_callback(TINA, card, buy["callback_data"])
        colours = await answer(2)
        [[black, navy, olive]] = colours.params["reply_markup"]["inline_keyboard"]
        assert (black["text"], navy["text"], olive["text"]) == ("Black", "Navy", "Olive")
        fake.push_callback(TINA, colours, navy["callback_data"])
        sizes = await answer(3)
        [[small, medium, large]] = sizes.params["reply_markup"]["inline_keyboard"]
        assert (small["text"], medium["text"], large["text"]) == ("S", "M", "L")
        fake.push_callback(TINA, sizes, large["callback_data"])
        linked = await answer(4)
        assert linked.params["text"] == "Your cart with <b>Trail Tee (Navy / L)</b> is ready:"
        [[go]] = linked.params["reply_markup"]["inline_keyboard"]
        who = UserRef("telegram", str(TINA["id"]), "Tina")
        assert go == {"text": "Go to cart", "url": filled(kind, "4476", await code_of(shop, who))}
    finally:
        await adapter.stop()


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("components", []) for b in row["components"]]


def in_private(payload: dict[str, Any], who: dict[str, Any]) -> dict[str, Any]:
    """`payload` as pressed in the bot's private chat with `who`."""
    for key in ("guild_id", "member", "guild_locale"):
        payload.pop(key)
    payload.update(
        context=1,
        user=who,
        channel_id=DM_CHANNEL_ID,
        channel={"id": DM_CHANNEL_ID, "type": 1},
        authorizing_integration_owners={"0": who["id"]},
    )
    return payload


@SQLITE
@SHOPS
async def test_a_variant_picked_on_discord(shop: App, kind: str) -> None:
    configure(shop, cart_url=f"{kind}:{SHOP}")
    fake = FakeDiscord()
    await fake.start()
    settings = shop.services.settings.model_copy(
        update={
            "discord_token": SecretStr(TOKEN),
            "discord_api_url": fake.api_url,
            "discord_guild_ready_timeout": 0.05,
        }
    )
    adapter = DiscordAdapter(settings, shop.router, shop.state)
    await adapter.start()
    dora = fake_discord.user("500000000000000007", "Dora")
    try:
        shown = slash("product", who=dora, query="TEE-001")
        await fake.dispatch("INTERACTION_CREATE", shown)
        [answer] = await fake.wait_for(lambda: callbacks(fake, shown))
        card = answer.result["resource"]["message"]
        [buy] = [b for b in components(card) if b.get("label") == "Buy"]
        # Pressed in the guild: the choice goes to Dora's private chat.
        pressed = interaction(3, {"custom_id": buy["custom_id"], "component_type": 2}, who=dora)
        pressed["message"] = card
        await fake.dispatch("INTERACTION_CREATE", pressed)
        [picker] = await fake.wait_for(
            lambda: (
                dora["id"] in fake.dm_channels
                and fake.sent("POST", f"/channels/{fake.dm_channels[dora['id']]}/messages")
            )
        )
        message = picker.result
        assert [b["label"] for b in components(message)] == ["Black", "Navy", "Olive"]
        [olive] = [b for b in components(message) if b["label"] == "Olive"]
        choose = interaction(3, {"custom_id": olive["custom_id"], "component_type": 2})
        choose = in_private(choose, dora)
        choose["message"] = message
        await fake.dispatch("INTERACTION_CREATE", choose)
        [sizes] = await fake.wait_for(lambda: callbacks(fake, choose))
        message = sizes.result["resource"]["message"]
        assert [b["label"] for b in components(message)] == ["S", "M", "L"]
        small = components(message)[0]
        final = in_private(
            interaction(3, {"custom_id": small["custom_id"], "component_type": 2}), dora
        )
        final["message"] = message
        await fake.dispatch("INTERACTION_CREATE", final)
        [linked] = await fake.wait_for(lambda: callbacks(fake, final))
        data = linked.body["data"]
        assert data["content"] == "Your cart with **Trail Tee (Olive / S)** is ready:"
        who = UserRef("discord", dora["id"], "Dora")
        [go] = components(data)
        assert go["label"] == "Go to cart" and go["style"] == 5
        assert go["url"] == filled(kind, "4477", await code_of(shop, who))
    finally:
        await adapter.stop()
        await fake.stop()
