"""Direct answers (price, yes/no, variant stock, colours and sizes) and follow-ups (a
refinement, "the second one", "how much is it?", comparatives), in English, Polish and
Ukrainian, through the router as chat messages arrive."""

import json
from collections.abc import Sequence
from decimal import Decimal

import pytest

from bot.app import App
from handlers.catalog.formats import Format
from handlers.catalog.service import import_catalog
from handlers.core.i18n import I18n
from handlers.core.model import Out, Text, bold
from handlers.products import compare, direct
from handlers.products.colours import colour_name
from handlers.products.dictionary import dictionary
from handlers.products.finder import find_products, for_the_model
from handlers.products.index import CatalogTerms, ProductIndex
from handlers.products.quantity import Quantity
from handlers.products.query import parse_question
from storage.catalog import ProductRecord
from tests.support import Clock, cards, plain, text, user

EUR = "EUR"


def _product(sku: str, name: str, category: str, price: str, description: str, **more: object):
    return {
        "sku": sku,
        "name": name,
        "category": category,
        "price": price,
        "currency": EUR,
        "description": description,
        **more,
    }


CATALOG = [
    _product("TNT-1", "Ridge 2 Tent", "Camping", "189.00", "Two-person tent, 2.1 kg.", stock=5),
    _product("TNT-2", "Summit 3 Tent", "Camping", "249.00", "Three-person tent, 2.9 kg.", stock=4),
    _product("TNT-3", "Bivvy 1 Tent", "Camping", "129.00", "One-person tent, 1.2 kg.", stock=0),
    _product(
        "JKT-1",
        "Nimbus Rain Jacket",
        "Jackets",
        "120.00",
        "Waterproof 10,000 mm shell. Machine washable at 30 °C.",
        variants=[
            {"color": "Black", "size": "M", "stock": 2},
            {"color": "Black", "size": "L", "stock": 0},
            {"color": "Olive", "size": "M", "stock": 4},
            {"color": "Olive", "size": "L", "stock": 1},
        ],
    ),
    _product(
        "JKT-2",
        "Breeze Wind Jacket",
        "Jackets",
        "80.00",
        "Water-resistant, not waterproof. Hand wash only.",
        variants=[{"color": "Navy", "size": "S", "stock": 3}],
    ),
    _product("BAG-1", "Trek 28 Backpack", "Bags", "99.00", "28 L daypack, 900 g.", stock=10),
    _product("BAG-2", "Trek 40 Backpack", "Bags", "139.00", "40 L pack, 1.3 kg.", stock=6),
    _product(
        "BOT-1",
        "Fell Hiking Boots",
        "Footwear",
        "159.00",
        "Leather hiking boots.",
        variants=[
            {"color": "Brown", "size": "44", "stock": 3},
            {"color": "Brown", "size": "45", "stock": 0},
            {"color": "Brown", "size": "46", "stock": 2},
        ],
    ),
    _product("MUG-1", "Camp Mug", "Kitchen", "12.00", "Enamel mug.", stock=30),
    _product(
        "KNF-1", "Edge Chef's Knife", "Kitchen", "49.00", "20 cm blade for meat and fish.", stock=4
    ),
    _product("KNF-2", "Edge Serrated Knife", "Kitchen", "39.00", "23 cm blade for bread.", stock=3),
    _product(
        "DUV-1",
        "Cloud Duvet",
        "Bedding",
        "89.00",
        "All-season duvet, 9 tog.",
        variants=[
            {"color": "White", "size": "135x200", "stock": 4},
            {"color": "White", "size": "200x200", "stock": 2},
        ],
    ),
]


@pytest.fixture
async def shop(app: App) -> App:
    report = await import_catalog(app.db, json.dumps(CATALOG).encode(), Format.JSON)
    assert report.ok, report.problems
    return app


async def ask(app: App, question: str, who: str = "alice", language: str = "en") -> list[Out]:
    return list(await app.router.dispatch(text(question, actor=user(who, locale=language))))


def lead(outs: Sequence[Out]) -> str:
    """The sentence before the cards."""
    assert outs and isinstance(outs[0], Text), outs
    return outs[0].plain


def titles(outs: Sequence[Out]) -> list[str]:
    return [c.title for c in cards(outs)]


def said(language: str, message: str, **values: str) -> str:
    i18n = I18n(language)
    return i18n.rich(
        message, **{k: bold(v) if k == "product" else v for k, v in values.items()}
    ).plain


def said_n(language: str, message: tuple[str, str], n: int, **values: str) -> str:
    i18n = I18n(language)
    filled = {k: bold(v) if k == "product" else v for k, v in values.items()}
    return i18n.rich_n(*message, n, **filled).plain


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "how much is the ridge 2 tent?"),
        ("pl", "ile kosztuje Ridge 2?"),
        ("uk", "скільки коштує Ridge 2?"),
    ],
)
async def test_a_price_question_gets_the_price_in_a_sentence(
    shop: App, language: str, question: str
) -> None:
    outs = await ask(shop, question, language=language)
    price = I18n(language).price(18900, EUR)
    assert lead(outs) == said(language, direct.COSTS, product="Ridge 2 Tent", price=price)
    assert titles(outs)[0] == "Ridge 2 Tent"


@pytest.mark.parametrize(
    ("language", "question", "product", "verdict"),
    [
        ("en", "is the nimbus rain jacket waterproof?", "Nimbus Rain Jacket", True),
        ("en", "is the breeze wind jacket waterproof?", "Breeze Wind Jacket", False),
        ("en", "is the camp mug waterproof?", "Camp Mug", None),
        ("pl", "czy Nimbus jest wodoodporna?", "Nimbus Rain Jacket", True),
        ("pl", "czy Breeze jest wodoodporna?", "Breeze Wind Jacket", False),
        ("uk", "чи Nimbus водонепроникна?", "Nimbus Rain Jacket", True),
        ("uk", "чи Breeze водонепроникна?", "Breeze Wind Jacket", False),
    ],
)
async def test_waterproof_yes_no_or_the_description_does_not_say(
    shop: App, language: str, question: str, product: str, verdict: bool | None
) -> None:
    outs = await ask(shop, question, language=language)
    message = direct._SAYS[("waterproof", verdict)]
    assert lead(outs) == said(language, message, product=product)
    assert titles(outs)[0] == product  # then the card


async def test_washable_and_in_stock_are_answered_from_the_products_data(shop: App) -> None:
    outs = await ask(shop, "is the breeze wind jacket machine washable?")
    assert lead(outs) == said("en", direct._SAYS[("washable", False)], product="Breeze Wind Jacket")
    outs = await ask(shop, "czy Nimbus można prać w pralce?", language="pl")
    assert lead(outs) == said("pl", direct._SAYS[("washable", True)], product="Nimbus Rain Jacket")
    outs = await ask(shop, "is the ridge 2 tent in stock?")
    assert lead(outs) == said_n("en", direct.IN_STOCK, 5, product="Ridge 2 Tent")
    outs = await ask(shop, "чи є в наявності Bivvy?", language="uk")
    assert lead(outs) == said("uk", direct.OUT_OF_STOCK, product="Bivvy 1 Tent")


@pytest.mark.parametrize(
    ("language", "question", "variant"),
    [
        ("en", "do you have the nimbus rain jacket in black, M?", "black, M"),
        ("pl", "czy macie Nimbus w kolorze czarnym, M?", "czarny, M"),
        ("uk", "чи є Nimbus у чорному, M?", "чорний, M"),
    ],
)
async def test_a_variant_in_stock_is_confirmed_with_how_many_are_left(
    shop: App, language: str, question: str, variant: str
) -> None:
    outs = await ask(shop, question, language=language)
    expected = said_n(
        language, direct.VARIANT_LEFT, 2, product="Nimbus Rain Jacket", variant=variant
    )
    assert lead(outs).casefold() == expected.casefold()


async def test_a_variant_not_in_stock_says_what_there_is_instead(shop: App) -> None:
    outs = await ask(shop, "nimbus rain jacket in red")
    assert lead(outs) == said(
        "en",
        direct.NOT_IN_VARIANT,
        product="Nimbus Rain Jacket",
        wanted="red",
        available="Black and Olive",
    )
    outs = await ask(shop, "fell hiking boots size 45", language="pl")
    assert lead(outs) == said(
        "pl",
        direct.NOT_IN_VARIANT,
        product="Fell Hiking Boots",
        wanted="45",
        available=I18n("pl").listing(["44", "46"]),
    )


async def test_colours_and_sizes_are_listed_in_the_shoppers_language(shop: App) -> None:
    outs = await ask(shop, "what colours does the nimbus rain jacket come in?")
    colours = I18n("en").listing(["Black", "Olive"])
    assert lead(outs) == said(
        "en", direct.COMES_IN_COLOURS, product="Nimbus Rain Jacket", colours=colours
    )
    outs = await ask(shop, "jakie kolory ma Nimbus?", language="pl")
    colours = I18n("pl").listing(["czarny", "oliwkowy"])
    assert lead(outs) == said(
        "pl", direct.COMES_IN_COLOURS, product="Nimbus Rain Jacket", colours=colours
    )
    outs = await ask(shop, "які розміри має Fell?", language="uk")
    sizes = I18n("uk").listing(["44", "46"])  # 45 is sold out
    assert lead(outs) == said("uk", direct.COMES_IN_SIZES, product="Fell Hiking Boots", sizes=sizes)


@pytest.mark.parametrize(
    ("language", "first", "refine", "then"),
    [
        ("en", "nimbus rain jacket", "and in olive?", "what about size L?"),
        ("pl", "Nimbus Rain Jacket", "a w oliwkowym?", "a rozmiar L?"),
        ("uk", "Nimbus Rain Jacket", "а в оливковому?", "а розмір L?"),
        ("fi", "Nimbus Rain Jacket", "entä oliivinvihreänä?", "entä L-koossa?"),
    ],
)
async def test_follow_ups_refine_the_last_question(
    shop: App, language: str, first: str, refine: str, then: str
) -> None:
    assert titles(await ask(shop, first, language=language))[0] == "Nimbus Rain Jacket"
    olive = await ask(shop, refine, language=language)
    i18n = I18n(language)
    colour = colour_name("olive", language)
    expected = said_n(
        language, direct.VARIANT_LEFT, 5, product="Nimbus Rain Jacket", variant=colour
    )
    assert lead(olive).casefold() == expected.casefold()
    large = await ask(shop, then, language=language)
    # The colour asked before still holds: olive in L, of which one is left.
    expected = said_n(
        language, direct.VARIANT_LEFT, 1, product="Nimbus Rain Jacket", variant=f"{colour}, L"
    )
    assert lead(large).casefold() == expected.casefold()
    assert i18n.language == language


async def test_the_second_one_and_how_much_is_it_pick_from_the_last_answer(shop: App) -> None:
    tents = titles(await ask(shop, "tent"))
    assert len(tents) == 3
    picked = await ask(shop, "the second one")
    assert titles(picked) == [tents[1]]
    # "How much is it?" is about the first product shown; the list is kept for later.
    priced = await ask(shop, "how much is it?")
    assert titles(priced) == [tents[0]]
    assert titles(await ask(shop, "ostatni", language="pl")) == [tents[2]]


@pytest.mark.parametrize(
    ("language", "first", "cheaper", "lighter"),
    [
        ("en", "summit 3 tent", "cheaper?", "a lighter one?"),
        ("pl", "Summit 3", "coś tańszego?", "lżejszy?"),
        ("uk", "Summit 3", "дешевше?", "легший?"),
    ],
)
async def test_comparatives_order_the_same_kind_of_product(
    shop: App, language: str, first: str, cheaper: str, lighter: str
) -> None:
    await ask(shop, first, language=language)
    # Nearest first: the next cheaper tent, and the in-stock one before the sold-out.
    assert titles(await ask(shop, cheaper, language=language)) == ["Ridge 2 Tent", "Bivvy 1 Tent"]
    assert titles(await ask(shop, lighter, language=language)) == ["Bivvy 1 Tent"]
    nothing = await ask(shop, lighter, language=language)
    assert plain(nothing) == said(
        language, compare._NOTHING_BEATS[(compare.Measure.WEIGHT, True)], product="Bivvy 1 Tent"
    )


async def test_comparatives_can_name_what_they_compare_with(shop: App) -> None:
    # The demo catalog's Trail Backpack 30L is a backpack of the same category too.
    bigger = titles(await ask(shop, "a bigger backpack than the trek 28"))
    assert bigger == ["Trail Backpack 30L", "Trek 40 Backpack"]
    assert titles(await ask(shop, "lżejszy namiot niż Summit 3", language="pl"))[:1] == [
        "Ridge 2 Tent"
    ]
    cheaper = titles(await ask(shop, "рюкзак дешевший за Trek 40", language="uk"))
    assert cheaper == ["Trek 28 Backpack", "Trail Backpack 30L", "City Backpack 20L"]
    outs = await ask(shop, "a warmer one than the camp mug")
    assert plain(outs) == said("en", compare._UNKNOWN[compare.Measure.WARMTH], product="Camp Mug")


@pytest.mark.parametrize(
    ("language", "cheapest", "tents", "lightest", "dearest"),
    [
        ("en", "the cheapest tent?", "tents", "which one is the lightest?", "most expensive?"),
        ("pl", "najtańszy namiot?", "namioty", "a który najlżejszy?", "najdroższy?"),
        ("uk", "найдешевший намет?", "намети", "а який найлегший?", "найдорожчий?"),
    ],
)
async def test_superlatives_put_the_extreme_of_the_kind_first(
    shop: App, language: str, cheapest: str, tents: str, lightest: str, dearest: str
) -> None:
    assert titles(await ask(shop, cheapest, language=language))[:1] == ["Bivvy 1 Tent"]
    await ask(shop, tents, language=language)
    # The tents by weight (1.2, 1.9 and 2.1 kg; the demo catalog's tent among them).
    assert titles(await ask(shop, lightest, language=language)) == [
        "Bivvy 1 Tent",
        "Two-Person Tent",
        "Ridge 2 Tent",
    ]
    assert titles(await ask(shop, dearest, language=language))[:1] == ["Summit 3 Tent"]


@pytest.mark.parametrize(
    ("language", "knives", "which", "picked"),
    [
        ("en", "knives", "which one is for meat?", "Edge Chef's Knife"),
        ("pl", "noże", "a który do chleba?", "Edge Serrated Knife"),
        ("uk", "ножі", "а який для хліба?", "Edge Serrated Knife"),
    ],
)
async def test_a_follow_up_picks_from_the_list_by_what_their_text_says(
    shop: App, language: str, knives: str, which: str, picked: str
) -> None:
    assert len(titles(await ask(shop, knives, language=language))) >= 2
    # Only the description says what each is for: the one that says it is picked.
    assert titles(await ask(shop, which, language=language)) == [picked]


@pytest.mark.parametrize(
    ("language", "follow_up"),
    [("en", "and 200x200?"), ("pl", "a 200 x 200?"), ("uk", "є 200x200?")],
)
async def test_a_size_the_catalog_writes_is_read_as_a_size(
    shop: App, language: str, follow_up: str
) -> None:
    await ask(shop, "cloud duvet", language=language)
    expected = said_n(
        language,
        direct.VARIANT_LEFT,
        2,
        product="Cloud Duvet",
        variant="200x200",
    )
    assert lead(await ask(shop, follow_up, language=language)).casefold() == expected.casefold()


def test_catalog_sizes_of_several_words_or_digits_are_sizes() -> None:
    sizes = CatalogTerms(sizes={"lxl": "L/XL", "160x200": "160x200", "116": "116"})
    assert parse_question("biru saiz L/XL ada?", sizes).size == "L/XL"
    assert parse_question("prześcieradło 160x200", sizes).size == "160x200"
    assert parse_question("а синій на 116?", sizes).size == "116"
    assert parse_question("kurtka za 116 zł", sizes).size is None  # a price stays a price


def test_a_dictionary_word_reads_as_the_meaning_the_catalog_has() -> None:
    # "dzieci" is listed as child before kids; a catalog that says "kids" reads kids.
    catalog = CatalogTerms(vocabulary={"kids": 1, "goggles": 1}, sorted_terms=["goggles", "kids"])
    assert "kids" in parse_question("gogle dla dzieci", catalog).terms


def test_the_model_reads_the_dictionary_english_beside_the_question() -> None:
    catalog = CatalogTerms(
        vocabulary={"laptop": 1, "backpack": 1}, sorted_terms=["backpack", "laptop"]
    )

    def read(question: str, before: str | None = None) -> str:
        parsed = parse_question(question, catalog)
        if before is not None:
            parsed = parsed.following(parse_question(before, catalog))
            question = f"{before} {question}"
        return for_the_model(question, parsed)

    assert read("tarvitsen uuden läppärin") == "tarvitsen uuden läppärin (laptop)"
    assert read("plecak na laptopa") == "plecak na laptopa (laptop backpack)"
    assert read("laptop reppu") == "laptop reppu (backpack)"  # the catalog's word stays
    assert read("laptop backpack") == "laptop backpack"
    assert read("entä läppärille?", before="reppu") == "reppu entä läppärille? (backpack laptop)"


def test_the_model_reads_no_spelling_guess_beside_the_question() -> None:
    # A wrong guess would send the words and the model, whose agreement claims a
    # product, to the same wrong one: the catalog's rope for a sleeping bag liner.
    words = ["bag", "knife", "rope", "serrated", "sleeping"]
    catalog = CatalogTerms(vocabulary=dict.fromkeys(words, 1), sorted_terms=words)
    for question in ("sleeping bag liner", "separated knife"):
        assert for_the_model(question, parse_question(question, catalog)) == question


async def test_the_memory_is_per_person_and_per_chat_and_expires(shop: App, clock: Clock) -> None:
    await ask(shop, "summit 3 tent", who="alice")
    assert titles(await ask(shop, "cheaper?", who="bob")) == []  # Bob asked nothing before
    clock.advance(minutes=11)
    assert titles(await ask(shop, "cheaper?", who="alice")) == []  # forgotten
    await ask(shop, "summit 3 tent", who="alice")
    clock.advance(minutes=9)
    assert titles(await ask(shop, "cheaper?", who="alice"))[:1] == ["Ridge 2 Tent"]


@pytest.mark.parametrize(
    ("language", "question", "first"),
    [
        ("en", "tent for 1 person", "Bivvy 1 Tent"),
        ("en", "a 3-person tent", "Summit 3 Tent"),
        ("pl", "plecak 40 litrów", "Trek 40 Backpack"),
        ("pl", "namiot 3-osobowy", "Summit 3 Tent"),
        ("uk", "намет на 3 особи", "Summit 3 Tent"),
        ("uk", "рюкзак на 28 л", "Trek 28 Backpack"),
    ],
)
async def test_an_amount_with_its_unit_puts_the_product_that_has_it_first(
    shop: App, language: str, question: str, first: str
) -> None:
    assert titles(await ask(shop, question, language=language))[:1] == [first]


def test_a_number_before_a_unit_is_no_price() -> None:
    cold = parse_question("śpiwór do -10 stopni", CatalogTerms())
    assert cold.max_amount is None
    assert cold.quantities == [Quantity(compare.Measure.WARMTH, Decimal(10))]
    warm = parse_question("śpiwór do 10 stopni", CatalogTerms())
    assert (warm.max_amount, warm.quantities) == (None, [Quantity(compare.Measure.WARMTH, -10)])
    priced = parse_question("namiot do 200 euro", CatalogTerms())
    assert (priced.max_amount, priced.quantities) == (Decimal(200), [])
    battery = parse_question("павербанк на 20000 мА·год", CatalogTerms())
    assert battery.quantities == [Quantity(compare.Measure.BATTERY, Decimal(20000))]
    rating = parse_question("kurtka 20 000 mm", CatalogTerms())  # a space between thousands
    assert rating.quantities == [Quantity(compare.Measure.WATERPROOF, Decimal(20000))]
    grouped = parse_question("power bank 20,000 mAh under 1,200 eur", CatalogTerms())
    assert grouped.quantities == [Quantity(compare.Measure.BATTERY, Decimal(20000))]
    assert grouped.max_amount == Decimal(1200)


@pytest.mark.parametrize(
    ("question", "budget", "size"),
    [
        ("kurtka czarna 200 zł", Decimal(200), None),  # a price after a colour, no size
        ("buty 44 150 zł", Decimal(150), None),  # two numbers stay two numbers
        ("plecak do 200 w kolorze czarnym", Decimal(200), None),  # Polish "w" is "in"
        ("buty czarne 42", None, "42"),  # a size after a colour
    ],
)
def test_budgets_and_sizes_beside_numbers_and_units(
    question: str, budget: Decimal | None, size: str | None
) -> None:
    parsed = parse_question(question, CatalogTerms())
    assert (parsed.max_amount, parsed.size, parsed.quantities) == (budget, size, [])


async def test_a_misspelt_word_of_another_language_is_still_understood(shop: App) -> None:
    # "рюкзк" is one letter short of "рюкзак" (backpack), which the catalog never says.
    found = titles(await ask(shop, "рюкзк trek", language="uk"))
    assert found and all("Trek" in title for title in found)


def _described(description: str) -> ProductRecord:
    return ProductRecord("X", "X", description, "C", 100, EUR, None, None, (), 1)


@pytest.mark.parametrize(
    ("description", "measure", "expected"),
    [
        ("23 cm serrated bread knife.", compare.Measure.CAPACITY, Decimal(23)),
        ("Beach towel, 180 x 100 cm.", compare.Measure.CAPACITY, Decimal(18000)),
        ("Two-person tent, 2.1 kg.", compare.Measure.PEOPLE, Decimal(2)),
        ("Power bank, 20,000 mAh, two ports.", compare.Measure.BATTERY, Decimal(20000)),
        ("Lightweight 4.5 tog summer duvet.", compare.Measure.WEIGHT, Decimal("4.5")),
        ("Enamel mug.", compare.Measure.LENGTH, None),
    ],
)
def test_what_a_products_text_says_it_measures(
    description: str, measure: compare.Measure, expected: Decimal | None
) -> None:
    assert compare.value(_described(description), measure) == expected


async def test_a_word_only_in_what_a_product_is_for_claims_no_match(app: App) -> None:
    bag = _product(
        "BAG-9",
        "Metro Commuter Backpack",
        "Bags",
        "79.00",
        "22 L daypack with a padded sleeve for tablets.",
        stock=3,
    )
    assert (await import_catalog(app.db, json.dumps([bag]).encode(), Format.JSON)).ok
    async with app.db.session() as session:
        tablets = await find_products(session, ProductIndex(), "do you sell tablets?", 3)
        daypack = await find_products(session, ProductIndex(), "a 22 l daypack", 3)
    # Not a tablet: offered as the closest thing, never claimed to be one.
    assert (tablets.matches, [p.sku for p in tablets.suggestions]) == ([], ["BAG-9"])
    assert [p.sku for p in daypack.matches][:1] == ["BAG-9"]  # what it is, said first


async def test_comparatives_read_spf_waterproof_ratings_and_length(app: App) -> None:
    products = [
        _product("SUN-30", "Solis SPF 30 Sun Spray", "Beauty", "15.00", "SPF 30 spray, 150 ml."),
        _product("SUN-50", "Solis SPF 50+ Sun Lotion", "Beauty", "18.00", "SPF 50+ lotion."),
        _product("RJ-1", "Cirrus Rain Jacket", "Rainwear", "120.00", "Waterproof 10,000 mm."),
        _product("RJ-2", "Stratus Rain Jacket", "Rainwear", "180.00", "Waterproof 20,000 mm."),
        _product("KN-1", "Kenji Chef's Knife", "Kitchen", "79.00", "20 cm chef's knife."),
        _product("KN-2", "Kenji Bread Knife", "Kitchen", "45.00", "23 cm serrated bread knife."),
    ]
    for product in products:
        product["stock"] = 5
    assert (await import_catalog(app.db, json.dumps(products).encode(), Format.JSON)).ok
    asked = [
        ("en", "a jacket more waterproof than the Cirrus", "Stratus Rain Jacket"),
        ("pl", "nóż dłuższy niż Kenji Chef's Knife", "Kenji Bread Knife"),
        ("uk", "є з вищим SPF ніж Solis SPF 30?", "Solis SPF 50+ Sun Lotion"),
        ("en", "jaket lagi murah dari Stratus", "Cirrus Rain Jacket"),  # chat Malay
    ]
    for language, question, first in asked:
        assert titles(await ask(app, question, language=language))[:1] == [first], question
    outs = await ask(app, "a longer knife than the Kenji Bread Knife")
    assert plain(outs) == said(
        "en", compare._NOTHING_BEATS[(compare.Measure.LENGTH, False)], product="Kenji Bread Knife"
    )
    # "Higher" alone says nothing about SPF: no comparison is made of it.
    assert compare.comparison_of("a higher chair than the Fireside") is None


async def test_unknown_words_still_let_a_product_named_outright_be_claimed(shop: App) -> None:
    async with shop.db.session() as session:
        named = await find_products(session, ProductIndex(), "szukam kurtki Nimbus na stanie", 3)
        vague = await find_products(session, ProductIndex(), "kurtka motocyklowa", 3)
    # "na stanie" (in stock) is new to the catalog, but "kurtki Nimbus" names the kind
    # and the model; a motorcycle jacket names only the kind, so nothing is claimed.
    assert [p.name for p in named.matches][:1] == ["Nimbus Rain Jacket"]
    assert vague.matches == []


def test_no_dictionary_phrase_swallows_an_amount() -> None:
    # "powerbank 20000 mAh" must keep its amount for the answer's order, whatever a
    # dictionary file lists.
    assert not any(w.isdigit() for key in dictionary().phrases for w in key)
    assert parse_question("powerbank 20000 mAh", CatalogTerms()).quantities


async def test_a_number_alone_names_no_product(shop: App) -> None:
    # The Trek 40 Backpack holds 40 L; "a 40 inch tv" shares only its number.
    async with shop.db.session() as session:
        tv = await find_products(session, ProductIndex(), "tv 40 inch", 3)
        pack = await find_products(session, ProductIndex(), "backpack 40 l", 3)
    assert tv.matches == []
    assert [p.name for p in pack.matches][:1] == ["Trek 40 Backpack"]
