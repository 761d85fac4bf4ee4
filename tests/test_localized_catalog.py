"""A localized catalog: names, descriptions and categories per language, in every import
format; cards in the shopper's language; search in every language's text."""

import json

import pytest
import yaml

from bot.app import App
from handlers.catalog.formats import Format
from handlers.catalog.service import describe, export_catalog, import_catalog
from handlers.core.i18n import I18n
from storage.catalog import all_products
from storage.db import Database
from tests.support import cards, command, skus, text, user

CSV = (
    "sku,name,name@pl,name@uk,description,description@uk,category,category@pl,price,currency,"
    "url,image_url,tags,colors,sizes,stock\n"
    "LOC-1,Hand Cream,Krem do rąk,Крем для рук,Rich cream for dry hands.,"
    "Живильний крем для сухих рук.,Beauty,Uroda,9.50,EUR,,,,,,20\n"
    "LOC-2,Beach Towel,,Пляжний рушник,Large cotton towel.,,Beach,Plaża,25,EUR,,,,,,8\n"
)
MAPPED = [
    {
        "sku": "LOC-1",
        "name": {"en": "Hand Cream", "pl": "Krem do rąk", "uk": "Крем для рук"},
        "description": {"en": "Rich cream for dry hands.", "uk": "Живильний крем для сухих рук."},
        "category": {"en": "Beauty", "pl": "Uroda"},
        "price": "9.50",
        "currency": "EUR",
        "stock": 20,
    },
    {
        "sku": "LOC-2",
        "name": "Beach Towel",
        "name@uk": "Пляжний рушник",
        "description": "Large cotton towel.",
        "category": {"en": "Beach", "pl": "Plaża"},
        "price": "25.00",
        "currency": "EUR",
        "stock": 8,
    },
]


def _encoded(fmt: Format) -> bytes:
    if fmt is Format.CSV:
        return CSV.encode()
    if fmt is Format.JSON:
        return json.dumps(MAPPED, ensure_ascii=False).encode()
    return yaml.safe_dump(MAPPED, allow_unicode=True).encode()


@pytest.mark.parametrize("fmt", list(Format))
async def test_every_format_gives_the_same_translations(db: Database, fmt: Format) -> None:
    report = await import_catalog(db, _encoded(fmt), fmt)
    assert report.ok and report.created == 2, report.problems
    async with db.session() as session:
        products = {p.sku: p for p in await all_products(session)}
    cream, towel = products["LOC-1"], products["LOC-2"]
    assert cream.names == {"pl": "Krem do rąk", "uk": "Крем для рук"}
    assert cream.descriptions == {"uk": "Живильний крем для сухих рук."}
    assert cream.category_names == {"pl": "Uroda"}
    assert (cream.name_in("pl"), cream.name_in("fi")) == ("Krem do rąk", "Hand Cream")
    assert towel.names == {"uk": "Пляжний рушник"} and towel.descriptions == {}
    # Every other format reads back the same products: the export round-trips too.
    exported = await export_catalog(db, fmt)
    again = await import_catalog(db, exported.encode(), fmt)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2)


async def test_csv_export_puts_each_language_after_its_field(db: Database) -> None:
    assert (await import_catalog(db, CSV.encode(), Format.CSV)).ok
    header = (await export_catalog(db, Format.CSV)).splitlines()[0].split(",")
    assert header[:7] == [
        "sku",
        "name",
        "name@pl",
        "name@uk",
        "description",
        "description@uk",
        "category",
    ]


async def test_a_map_without_the_catalog_language_or_with_an_unknown_one_is_refused(
    db: Database,
) -> None:
    items = [
        {**MAPPED[0], "name": {"pl": "Krem do rąk"}},
        {**MAPPED[1], "sku": "LOC-3", "description": {"en": "Towel", "xx": "?"}},
    ]
    report = await import_catalog(db, json.dumps(items).encode(), Format.JSON)
    assert [describe(p, I18n("en")).split(": ", 1)[1] for p in report.problems] == [
        "missing value for name",
        "unknown language xx in description@xx: use one of fi, id, ms, pl, uk",
    ]


async def test_cards_speak_the_shoppers_language_and_search_reads_every_language(
    app: App,
) -> None:
    assert (await import_catalog(app.db, CSV.encode(), Format.CSV)).ok
    polish, ukrainian = user("ola", locale="pl"), user("taras", locale="uk")
    [card] = cards(await app.router.dispatch(command("product", "LOC-1", actor=ukrainian)))
    assert card.title == "Крем для рук"
    assert card.body == "Живильний крем для сухих рук."
    [card] = cards(await app.router.dispatch(command("product", "LOC-1", actor=polish)))
    assert (card.title, card.body) == ("Krem do rąk", "Rich cream for dry hands.")
    assert card.footer == "Uroda · LOC-1"
    # Words found only in a translation find the product, whoever asks.
    found = await app.router.dispatch(text("masz krem do rąk?", actor=polish))
    assert skus(found)[:1] == ["LOC-1"]
    english = user("sam", locale="en")
    found = cards(await app.router.dispatch(text("пляжний рушник", actor=english)))
    assert [c.title for c in found][:1] == ["Beach Towel"]


ENGLISH_ONLY = (
    "sku,name,description,category,price,currency,url,image_url,tags,colors,sizes,stock\n"
    "ENG-1,Shea Hand Cream,Rich cream for dry hands.,Beauty,9.50,EUR,,,,,,20\n"
    "ENG-2,Cloud Pillow,Soft pillow with a cotton cover.,Bedding,29,EUR,,,,,,8\n"
    "ENG-3,Hydra Kettle,Electric kettle for 1.5 litres.,Kitchen,49,EUR,,,,,,5\n"
)


@pytest.mark.parametrize(
    ("language", "question", "sku"),
    [
        ("pl", "szukam kremu do rąk", "ENG-1"),
        ("pl", "czy macie poduszki?", "ENG-2"),
        ("uk", "подушка", "ENG-2"),
        ("fi", "onko teillä käsivoidetta?", "ENG-1"),
        ("ms", "ada bantal?", "ENG-2"),
        ("id", "ada ketel listrik?", "ENG-3"),
    ],
)
async def test_the_shopping_dictionary_finds_an_english_catalog_in_other_languages(
    app: App, language: str, question: str, sku: str
) -> None:
    # Search by words alone (the suite runs without the semantic extra's model).
    assert (await import_catalog(app.db, ENGLISH_ONLY.encode(), Format.CSV)).ok
    found = await app.router.dispatch(text(question, actor=user("ola", locale=language)))
    assert skus(found)[:1] == [sku]
