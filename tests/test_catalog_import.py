"""Catalog import: all rows or none, every problem listed with its line."""

import json
import sqlite3
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.app import App
from config import shipped_file
from handlers.catalog.formats import CSV_COLUMNS, OPTIONAL_COLUMNS, Format, other_languages
from handlers.catalog.service import (
    MAX_LISTED_ROWS,
    PROGRESS_EVERY,
    ImportProgress,
    describe,
    export_catalog,
    import_catalog,
    summary,
)
from handlers.core.i18n import I18n
from storage import meta
from storage.catalog import all_products, catalog_revision, count_products
from storage.db import Database
from tests.support import cards, command, user

HEADER = ",".join(c for c in CSV_COLUMNS if c not in OPTIONAL_COLUMNS)
GOOD = [
    "SKU-1,Trail Backpack,Light pack,Bags,89.00,EUR,https://x.example/1,,hiking|trail,Olive|Black,,12",
    'SKU-2,"Linen Shirt, blue",Cool,Shirts,49.5,EUR,,,linen,Blue,S|M,7',
    "SKU-3,Mug,,Home,14,PLN,,,,,,0",
]


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def big_csv(path: Path, count: int, first: str | None = None, bad_at: int = -1) -> Path:
    """A CSV of `count` generated products (row i on line i + 2, or i + 3 after `first`),
    written a row at a time; row `bad_at` has a price that is no number."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        if first is not None:
            out.write(first + "\n")
        for i in range(count):
            price = "cheap" if i == bad_at else f"{i % 400 + 1}.90"
            out.write(
                f"BIG-{i:06d},Product {i},Row {i} of a big file,Cat {i % 7},{price},EUR,"
                f"https://x.example/{i},,tag{i % 13},Blue|Red,S|M,{i % 9}\n"
            )
    return path


async def count(db: Database) -> int:
    async with db.session() as session:
        return await count_products(session)


async def test_good_csv_imports_and_reimport_changes_nothing(db: Database) -> None:
    report = await import_catalog(db, csv_file(*GOOD), Format.CSV)
    assert report.ok and (report.created, report.updated, report.rows) == (3, 0, 3)
    again = await import_catalog(db, csv_file(*GOOD), Format.CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = GOOD[2].replace(",14,", ",15,")
    third = await import_catalog(db, csv_file(GOOD[0], GOOD[1], changed), Format.CSV)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    async with db.session() as session:
        products = {p.sku: p for p in await all_products(session)}
    assert products["SKU-3"].price_minor == 1500
    assert products["SKU-2"].price_minor == 4950 and products["SKU-2"].name == "Linen Shirt, blue"
    assert {(v.color, v.size) for v in products["SKU-2"].variants} == {("Blue", "S"), ("Blue", "M")}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("SKU-9,,desc,Bags,10,EUR,,,,,,1", "missing value for name"),
        ("SKU-9,Name,desc,Bags,ten,EUR,,,,,,1", "bad price ten"),
        ("SKU-9,Name,desc,Bags,-3,EUR,,,,,,1", "bad price -3"),
        ("SKU-9,Name,desc,Bags,1.999,EUR,,,,,,1", "EUR has 2 decimal places"),
        ("SKU-9,Name,desc,Bags,10,XYZ,,,,,,1", "unknown currency XYZ"),
        ("SKU-9,Name,desc,Bags,10,EUR,,,,,,1.5", "whole number"),
        ("SKU-9,Name,desc,Bags,10,EUR,,,,,,", "missing value for stock"),
        ("SKU 9,Name,desc,Bags,10,EUR,,,,,,1", "bad SKU"),
        ("SKU-9,Name,desc,Bags,10,EUR,ftp://x,,,,,1", "http(s) address"),
        ("SKU-9,Name,desc,Bags,10,EUR,,,,,,1,extra", "more fields than columns"),
        ("sku-1,Again,desc,Bags,10,EUR,,,,,,1", "duplicate SKU SKU-1 (first on line 2)"),
    ],
)
async def test_one_bad_row_imports_nothing(db: Database, row: str, expected: str) -> None:
    report = await import_catalog(db, csv_file(*GOOD, row), Format.CSV)
    assert not report.ok
    messages = [describe(p, I18n("en")) for p in report.problems]
    assert any(expected in m and m.startswith("line 5:") for m in messages), messages
    assert await count(db) == 0


async def test_every_bad_row_is_listed(db: Database) -> None:
    data = csv_file(GOOD[0], "SKU-5,,,Bags,1,EUR,,,,,,1", GOOD[1], "SKU-6,X,,Bags,1,ZZZ,,,,,,1")
    report = await import_catalog(db, data, Format.CSV)
    assert [p.line for p in report.problems] == [3, 5]


async def test_missing_columns_and_non_utf8_bytes(db: Database) -> None:
    report = await import_catalog(db, b"sku,name,price\nA-1,x,1\n", Format.CSV)
    text = describe(report.problems[0], I18n("en"))
    assert text.startswith("line 1: missing columns: description, category")
    latin1 = csv_file(GOOD[0], "SKU-7,Café mug,,Home,9,EUR,,,,,,3").replace("é".encode(), b"\xe9")
    report = await import_catalog(db, latin1, Format.CSV)
    assert [(p.line, p.message) for p in report.problems] == [
        (3, "not UTF-8 text (byte {offset} of the line)")
    ]
    assert await count(db) == 0


async def test_json_and_yaml_with_variant_stock(db: Database) -> None:
    items = [
        {
            "sku": "J-1",
            "name": "Rain Jacket",
            "category": "Jackets",
            "price": 95,
            "currency": "EUR",
            "tags": ["rain", "waterproof"],
            "variants": [
                {"color": "Yellow", "size": "M", "stock": 3},
                {"color": "Navy", "size": "L", "stock": 0},
            ],
        },
    ]
    report = await import_catalog(db, json.dumps(items, indent=2).encode(), Format.JSON)
    assert report.ok, report.problems
    items[0]["sku"] = "Y-1"
    report = await import_catalog(db, yaml.safe_dump(items).encode(), Format.YAML)
    assert report.ok, report.problems
    async with db.session() as session:
        products = {p.sku: p for p in await all_products(session)}
    assert products["J-1"].stock == 3 and products["Y-1"].variants[1].stock == 0


async def test_json_and_yaml_errors_have_line_numbers(db: Database) -> None:
    bad_json = (
        b'[\n  {"sku": "A-1", "name": "x", "category": "c", "price": 1,\n'
        b'   "currency": "EUR", "stock": 1},\n  {"sku": "A-2", "name": "y",'
        b' "category": "c", "price": "cheap", "currency": "EUR", "stock": 1}\n]\n'
    )
    report = await import_catalog(db, bad_json, Format.JSON)
    assert [(p.line, dict(p.values).get("price")) for p in report.problems] == [(4, "cheap")]
    report = await import_catalog(db, b'[\n  {"sku": "A-1",,}\n]', Format.JSON)
    assert report.problems[0].line == 2
    bad_yaml = (
        b"- sku: A-1\n  name: x\n  category: c\n  price: 1\n  currency: EUR\n  stock: 1\n"
        b"- sku: A-2\n  name: y\n  category: c\n  price: 2\n  currency: EURO\n  stock: 1\n"
    )
    report = await import_catalog(db, bad_yaml, Format.YAML)
    assert [(p.line, p.message) for p in report.problems] == [(7, "unknown currency {currency}")]
    assert await count(db) == 0


@pytest.mark.parametrize("fmt", list(Format))
async def test_export_round_trips(db: Database, fmt: Format) -> None:
    demo = shipped_file("demo_catalog.csv").read_bytes()
    assert (await import_catalog(db, demo, Format.CSV)).ok
    exported = await export_catalog(db, fmt)
    again = await import_catalog(db, exported.encode(), fmt)
    assert again.ok and again.unchanged == again.rows == 46 and again.created == 0
    if fmt is Format.CSV:
        assert exported == demo.decode()


async def test_demo_catalog_has_at_least_40_products_in_several_categories(db: Database) -> None:
    assert (await import_catalog(db, shipped_file("demo_catalog.csv").read_bytes(), Format.CSV)).ok
    async with db.session() as session:
        products = await all_products(session)
    assert len(products) >= 40 and len({p.category for p in products}) >= 5


async def test_every_problem_of_a_row_is_listed_at_once(db: Database) -> None:
    rows = ["SKU-9,,desc,Bags,ten,XYZ,ftp://x,,,,,1.5", "sku-1,Again,,Bags,1.999,EUR,,,,,,"]
    report = await import_catalog(db, csv_file(GOOD[0], *rows), Format.CSV)
    assert [describe(p, I18n("en")) for p in report.problems] == [
        "line 3: missing value for name",
        "line 3: bad price ten: expected a number like 49.90",
        "line 3: unknown currency XYZ",
        "line 3: url must be an http(s) address",
        "line 3: stock must be a whole number of 0 or more, not 1.5",
        "line 4: bad price 1.999: EUR has 2 decimal places",
        "line 4: missing value for stock",
        "line 4: duplicate SKU SKU-1 (first on line 2)",
    ]
    assert await count(db) == 0


async def test_semicolons_between_columns_get_a_hint(db: Database) -> None:
    data = csv_file(*GOOD).replace(b",", b";")  # as Excel saves CSV in Polish or German
    report = await import_catalog(db, data, Format.CSV)
    assert [describe(p, I18n("en")) for p in report.problems] == [
        "line 1: the file seems to use ';' between columns: save it as CSV with commas"
    ]
    assert await count(db) == 0


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
async def test_any_line_ending_and_a_byte_order_mark(db: Database, newline: str) -> None:
    data = ("\ufeff" + newline.join([HEADER, *GOOD]) + newline).encode()
    report = await import_catalog(db, data, Format.CSV)
    assert report.ok and report.created == 3, report.problems


async def test_big_file_streams_with_progress_from_the_first_row(
    db: Database, tmp_path: Path
) -> None:
    path = big_csv(tmp_path / "big.csv", 10_000)
    told: list[ImportProgress] = []
    report = await import_catalog(db, path, Format.CSV, on_progress=told.append)
    assert report.ok and report.rows == report.created == 10_000
    size = path.stat().st_size
    assert told[0].rows == 1 and told[0].total == size and 0 < told[0].done < size
    assert [t.rows for t in told[:3]] == [1, PROGRESS_EVERY + 1, 2 * PROGRESS_EVERY + 1]
    assert [t.done for t in told] == sorted(t.done for t in told)
    assert told[-1] == ImportProgress(size, size, 10_000)
    assert await count(db) == 10_000


async def test_bad_row_near_the_end_of_a_big_file_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    assert (await import_catalog(db, csv_file(*GOOD), Format.CSV)).ok
    cheaper = GOOD[0].replace(",89.00,", ",79.00,")
    path = big_csv(tmp_path / "big.csv", 5_000, first=cheaper, bad_at=4_990)
    with path.open("rb") as stream:  # a binary stream works as well as a path
        report = await import_catalog(db, stream, Format.CSV)
    assert [(p.line, p.values.get("price")) for p in report.problems] == [(4_993, "cheap")]
    assert report.rows == 5_001
    async with db.session() as session:
        products = await all_products(session)
    assert [(p.sku, p.price_minor) for p in products][:1] == [("SKU-1", 8900)]
    assert len(products) == 3


async def test_only_the_first_bad_rows_are_listed_and_the_rest_counted(db: Database) -> None:
    rows = [f"BAD-{i},,,Bags,1,EUR,,,,,,1" for i in range(MAX_LISTED_ROWS + 5)]
    report = await import_catalog(db, csv_file(*rows), Format.CSV)
    assert len(report.problems) == MAX_LISTED_ROWS and report.unlisted == 5
    lines = summary(report, I18n("en"), "bad.csv").splitlines()
    assert lines[0] == "bad.csv: nothing imported; fix these rows and try again:"
    assert lines[1] == "  line 2: missing value for name"
    assert lines[-1] == "  … and 5 more rows with problems"
    assert len(lines) == MAX_LISTED_ROWS + 2


async def test_summary_says_1_row(db: Database) -> None:
    en = I18n("en")
    one = await import_catalog(db, csv_file(GOOD[0]), Format.CSV)
    assert summary(one, en, "one.csv") == "one.csv: 1 row — 1 new, 0 updated, 0 unchanged."
    three = await import_catalog(db, csv_file(*GOOD), Format.CSV)
    assert summary(three, en, "all.csv") == "all.csv: 3 rows — 2 new, 0 updated, 1 unchanged."


def named_csv(languages: str, *rows: str) -> bytes:
    """A CSV with `category@<lang>` columns (`languages`: "pl,uk") after `category`."""
    columns = ",".join(f"category@{lang}" for lang in languages.split(","))
    header = HEADER.replace(",category,", f",category,{columns},")
    return ("\n".join([header, *rows]) + "\n").encode()


NAMED = [
    "SKU-1,Trail Backpack,Light pack,Bags,  Torby ,Сумки,89.00,EUR,,,hiking,Olive,,12",
    "SKU-2,Linen Shirt,Cool,Shirts,Koszule,,49.5,EUR,,,linen,Blue,S|M,7",
    "SKU-3,Mug,,Home,,,14,PLN,,,,,,0",
]


async def test_category_names_are_imported_and_shown_in_the_card_language(app: App) -> None:
    report = await import_catalog(app.db, named_csv("pl,uk", *NAMED), Format.CSV)
    assert report.ok and report.created == 3, report.problems
    async with app.db.session() as session:
        products = {p.sku: p for p in await all_products(session)}
    assert products["SKU-1"].category_names == {"pl": "Torby", "uk": "Сумки"}  # trimmed
    assert products["SKU-2"].category_names == {"pl": "Koszule"}  # an empty cell: no name
    assert products["SKU-3"].category_names == {}

    async def footer(sku: str, language: str) -> str:
        shopper = user(f"shopper-{language}", locale=language)
        [card] = cards(await app.router.dispatch(command("product", sku, actor=shopper)))
        return card.footer

    assert await footer("SKU-1", "pl") == "Torby · SKU-1"
    assert await footer("SKU-1", "uk") == "Сумки · SKU-1"
    assert await footer("SKU-1", "en") == "Bags · SKU-1"
    assert await footer("SKU-1", "fi") == "Bags · SKU-1"  # no Finnish name: the catalog's
    assert await footer("SKU-2", "uk") == "Shirts · SKU-2"
    assert await footer("BAG-001", "pl") == "Torby · BAG-001"  # the demo catalog's own


async def test_demo_catalog_names_every_category_in_every_language(db: Database) -> None:
    assert (await import_catalog(db, shipped_file("demo_catalog.csv").read_bytes(), Format.CSV)).ok
    async with db.session() as session:
        products = await all_products(session)
    assert all(set(p.category_names) == set(other_languages()) for p in products)
    polish = {p.category: p.category_in("pl") for p in products}
    assert polish["Bags"] == "Torby" and polish["Shoes"] == "Obuwie"


async def test_unknown_or_missing_language_in_a_csv_header_imports_nothing(db: Database) -> None:
    data = named_csv("pl,xx,,en", "SKU-1,Backpack,,Bags,Torby,?,?,?,89,EUR,,,,,,1")
    report = await import_catalog(db, data, Format.CSV)
    assert [describe(p, I18n("en")) for p in report.problems] == [
        "line 1: unknown language xx in category@xx: use one of fi, id, ms, pl, uk",
        "line 1: missing language in category@: use one of fi, id, ms, pl, uk",
        "line 1: unknown language en in category@en: use one of fi, id, ms, pl, uk",
    ]
    assert await count(db) == 0


@pytest.mark.parametrize("fmt", [Format.JSON, Format.YAML])
async def test_unknown_language_or_long_name_in_json_and_yaml_is_a_row_problem(
    db: Database, fmt: Format
) -> None:
    base = {"name": "Backpack", "category": "Bags", "price": 89, "currency": "EUR", "stock": 1}
    items = [
        {"sku": "A-1", **base, "category@pl": "Torby", "category@uk": None},
        {"sku": "A-2", **base, "category@xx": "Sacs", "category@pl": "x" * 101},
    ]
    if fmt is Format.JSON:
        text = json.dumps(items, indent=1)
    else:
        text = yaml.safe_dump(items, sort_keys=False, allow_unicode=True)
    report = await import_catalog(db, text.encode(), fmt)
    starts = [n for n, at in enumerate(text.splitlines(), 1) if at.startswith((" {", "- "))]
    line = starts[1]  # where the second product starts
    assert [(p.line, describe(p, I18n("en"))) for p in report.problems] == [
        (line, f"line {line}: unknown language xx in category@xx: use one of fi, id, ms, pl, uk"),
        (line, f"line {line}: category@pl is longer than 100 characters"),
    ]
    assert await count(db) == 0


@pytest.mark.parametrize("fmt", list(Format))
async def test_category_names_round_trip_through_export(db: Database, fmt: Format) -> None:
    # A column no product uses (fi) is not exported; columns come out in language order.
    data = named_csv("uk,fi,pl", *[_move_uk_first(row) for row in NAMED])
    assert (await import_catalog(db, data, Format.CSV)).ok
    exported = await export_catalog(db, fmt)
    if fmt is Format.CSV:
        assert exported.splitlines()[0] == named_csv("pl,uk").decode().strip()
        assert exported.splitlines()[3].startswith("SKU-3,Mug,,Home,,,14.00,PLN,")
    else:
        items = json.loads(exported) if fmt is Format.JSON else yaml.safe_load(exported)
        named = {item["sku"]: {k: v for k, v in item.items() if "@" in k} for item in items}
        assert named == {
            "SKU-1": {"category@pl": "Torby", "category@uk": "Сумки"},
            "SKU-2": {"category@pl": "Koszule"},
            "SKU-3": {},  # a key only when set
        }
    again = await import_catalog(db, exported.encode(), fmt)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    async with db.session() as session:
        assert len(set(await all_products(session))) == 3  # records stay hashable


async def test_a_changed_or_dropped_category_name_updates_the_product(db: Database) -> None:
    assert (await import_catalog(db, named_csv("pl,uk", *NAMED), Format.CSV)).ok
    renamed = NAMED[0].replace("  Torby ", "Plecaki")
    dropped = NAMED[1].replace("Koszule", "")
    report = await import_catalog(db, named_csv("pl,uk", renamed, dropped, NAMED[2]), Format.CSV)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    async with db.session() as session:
        products = {p.sku: p for p in await all_products(session)}
    assert products["SKU-1"].category_in("pl") == "Plecaki"
    assert products["SKU-2"].category_names == {}
    assert products["SKU-2"].category_in("pl") == "Shirts"


def _move_uk_first(row: str) -> str:
    """A NAMED row (pl, uk) for a file whose columns are uk, fi, pl."""
    fields = row.split(",")
    pl, uk = fields[4], fields[5]
    return ",".join([*fields[:4], uk, "", pl, *fields[6:]])


async def test_a_vendor_column_names_who_sells_each_product(db: Database) -> None:
    header = HEADER + ",vendor"
    rows = [GOOD[0] + ",Trailhead Co", GOOD[1] + ",", GOOD[2] + ",Trailhead Co"]
    data = ("\n".join([header, *rows]) + "\n").encode()
    assert (await import_catalog(db, data, Format.CSV)).ok
    async with db.session() as session:
        vendors = {p.sku: p.vendor for p in await all_products(session)}
    assert vendors == {"SKU-1": "Trailhead Co", "SKU-2": "", "SKU-3": "Trailhead Co"}
    exported = await export_catalog(db, Format.CSV)
    assert exported.splitlines()[0].endswith(",stock,vendor")
    again = await import_catalog(db, exported.encode(), Format.CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


async def test_on_sqlite_an_import_leaves_statistics_so_a_few_products_are_read_by_id(
    db: Database, db_url: str
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL gathers its own statistics")
    running = Database(db_url)  # a bot running while another process imports
    try:
        async with running.read() as session:
            await catalog_revision(session)  # its connection has read the schema
        items = [
            {"sku": f"JKT-{n}", "name": f"Jacket {n}", "category": "Jackets", "price": "10.00"}
            | {"currency": "EUR", "stock": 1}
            for n in range(400)
        ]
        assert (await import_catalog(db, json.dumps(items).encode(), Format.JSON)).ok
        for reader in (db, running):
            async with reader.read() as session:
                await catalog_revision(session)  # as a question's parse does first
                connection = await session.connection()
                ids = ", ".join(str(n) for n in range(1, 31))
                plan = await connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT id, stock FROM product"
                    f" WHERE id IN ({ids}) AND category IN ('Jackets')"
                )
                # Without statistics SQLite reads every jacket by the category index.
                assert ["PRIMARY KEY" in row[-1] for row in plan.all()] == [True]
    finally:
        await running.dispose()


async def test_rereading_the_statistics_waits_for_no_other_process(
    db: Database, db_url: str
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL gathers its own statistics")
    items = [
        {"sku": f"MUG-{n}", "name": f"Mug {n}", "category": "Home", "price": "9.00"}
        | {"currency": "EUR", "stock": 1}
        for n in range(20)
    ]
    assert (await import_catalog(db, json.dumps(items).encode(), Format.JSON)).ok
    other = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        started = time.perf_counter()
        async with db.read() as session:  # a completion, say
            await catalog_revision(session)
            assert await count_products(session) == len(items)
            stale = (await session.connection()).info.get(meta.CATALOG_REVISION)
        assert time.perf_counter() - started < 1  # not busy_timeout's 5 s
        assert stale is None  # not reread: the next one tries again
    finally:
        other.execute("COMMIT")
        other.close()
    async with db.read() as session:
        revision = await catalog_revision(session)
        assert (await session.connection()).info.get(meta.CATALOG_REVISION) == revision
