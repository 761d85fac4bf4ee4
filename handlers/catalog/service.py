"""Catalog import and export: all-or-nothing, idempotent upsert by SKU."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from babel.numbers import get_currency_precision

from handlers.catalog.formats import FileError, Format, Problem, decode, read_rows, write_rows
from handlers.catalog.rows import record_to_row, validate
from handlers.core.i18n import N_, I18n
from storage.catalog import ProductRecord, all_products, upsert_products
from storage.db import Database


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_catalog(data: bytes, fmt: Format) -> tuple[list[ProductRecord], ImportReport]:
    """Parse and validate without touching the database."""
    text, problems = decode(data)
    try:
        rows = read_rows(text, fmt)
    except FileError as error:
        return [], ImportReport(problems=sorted(problems + error.problems, key=_line))
    records, row_problems = validate(rows)
    report = ImportReport(rows=len(rows), problems=sorted(problems + row_problems, key=_line))
    return records, report


async def import_catalog(
    db: Database,
    data: bytes,
    fmt: Format,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every row or none: a file with any bad row changes nothing."""
    records, report = check_catalog(data, fmt)
    if not report.ok:
        return report
    if on_start is not None:
        on_start(len(records))
    async with db.session() as session:
        result = await upsert_products(session, records, on_progress)
    report.created, report.updated, report.unchanged = (
        result.created,
        result.updated,
        result.unchanged,
    )
    return report


async def export_catalog(db: Database, fmt: Format) -> str:
    async with db.session() as session:
        records = await all_products(session)
    rows = [
        record_to_row(r, int(get_currency_precision(r.currency)), fmt is not Format.CSV)
        for r in records
    ]
    return write_rows(rows, fmt)


def describe(problem: Problem, i18n: I18n) -> str:
    return i18n.t(
        N_("line {line}: {problem}"),
        line=problem.line,
        problem=problem.text(i18n),
    )


def _line(problem: Problem) -> int:
    return problem.line
