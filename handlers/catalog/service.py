"""Catalog import and export: all-or-nothing, idempotent upsert by SKU.

An import reads its file once, a row at a time, so memory stays flat whatever the
file's size: good rows are written a batch at a time inside one transaction, and the
first bad row rolls it back; the rest of the file is then only checked, so one run
reports every problem. (Checking the whole file before writing would read and
validate every row twice, and validation is about a third of an import's time.)
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from os import PathLike
from typing import BinaryIO, TypeAlias

from babel.numbers import get_currency_precision

from handlers.catalog.formats import (
    CatalogText,
    FileError,
    Format,
    Problem,
    RawRow,
    read_rows,
    write_rows,
)
from handlers.catalog.rows import RowChecker, record_to_row
from handlers.core.i18n import N_, I18n
from storage.catalog import ProductRecord, all_products, upsert_products
from storage.db import Database

# The file's bytes, its path, or a binary stream (read from where it stands, left open).
CatalogSource: TypeAlias = bytes | PathLike[str] | BinaryIO
MAX_LISTED_ROWS = 100  # bad rows whose problems are listed; the rest are counted
PROGRESS_EVERY = 500  # rows between progress reports: one storage batch


@dataclass(frozen=True)
class ImportProgress:
    """How far an import has read its file: `done` of `total` bytes (`total` is None
    for a stream of unknown size, such as a pipe), and `rows` rows so far."""

    done: int
    total: int | None
    rows: int


ProgressCallback: TypeAlias = Callable[[ImportProgress], None]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    vectors: int | None = None  # product vectors computed after it (search by meaning)
    unlisted: int = 0  # bad rows after the first MAX_LISTED_ROWS, counted only
    _listed: int = field(default=0, init=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problems: Sequence[Problem]) -> None:
        """Note one bad row's problems (listed for the first MAX_LISTED_ROWS rows)."""
        if self._listed < MAX_LISTED_ROWS:
            self.problems.extend(problems)
            self._listed += 1
        else:
            self.unlisted += 1


class _BadRow(Exception):
    """Raised where the first bad row is found, to roll the import back."""


class _Scan:
    """One pass over a catalog file: each row checked, problems noted, progress told."""

    def __init__(
        self,
        text: CatalogText,
        fmt: Format,
        report: ImportReport,
        on_progress: ProgressCallback | None,
        total: int | None,
    ) -> None:
        self._text = text
        self._rows = read_rows(text, fmt)
        self._checker = RowChecker()
        self._report = report
        self._on_progress = on_progress
        self._total = total

    def records(self) -> Iterator[ProductRecord]:
        """The file's products while every row is good; _BadRow at the first bad one."""
        for row in self._rows:
            record = self._check(row)
            if record is None:
                raise _BadRow
            yield record
        if self._stray_problems():
            raise _BadRow

    def check_remaining(self) -> None:
        """Check the rows not read yet, without writing, so that every problem is noted."""
        try:
            for row in self._rows:
                self._check(row)
        except FileError as error:
            self.fail(error)
        self._stray_problems()

    def fail(self, error: FileError) -> None:
        """Note why the file cannot be read on."""
        self._report.add(self._text.take_problems() + error.problems)

    def finish(self) -> None:
        self._report.problems.sort(key=_line)
        self._tell(self._text.position)

    def _check(self, row: RawRow) -> ProductRecord | None:
        record, problems = self._checker.check(row)
        problems = self._text.take_problems() + problems  # bad bytes of the row's lines
        if problems:
            self._report.add(problems)
        self._report.rows += 1
        if self._report.rows % PROGRESS_EVERY == 1:
            self._tell(row.end)
        return None if problems else record

    def _stray_problems(self) -> bool:
        """Note bad bytes after the last row (blank lines, comments); True if any."""
        stray = self._text.take_problems()
        if stray:
            self._report.add(stray)
        return bool(stray)

    def _tell(self, done: int) -> None:
        if self._on_progress is not None:
            self._on_progress(ImportProgress(done, self._total, self._report.rows))


@contextmanager
def _opened(source: CatalogSource) -> Iterator[tuple[BinaryIO, int | None]]:
    """The source as a binary stream, with its size in bytes when known."""
    if isinstance(source, bytes):
        yield io.BytesIO(source), len(source)
    elif isinstance(source, PathLike):
        with open(source, "rb") as stream:
            yield stream, _size(stream)
    else:
        yield source, _size(source)


def _size(stream: BinaryIO) -> int | None:
    """Bytes left in a seekable stream; None for a pipe or socket."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):
        return None
    return end - here


def check_catalog(source: CatalogSource, fmt: Format) -> ImportReport:
    """Check a file without touching the database: the report lists every problem."""
    report = ImportReport()
    with _opened(source) as (stream, total):
        scan = _Scan(CatalogText(stream), fmt, report, None, total)
        scan.check_remaining()
        scan.finish()
    return report


async def import_catalog(
    db: Database,
    source: CatalogSource,
    fmt: Format,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import every row or none: a file with any bad row changes nothing.

    The file is read once, a row at a time (JSON is held whole while its items are
    read). The report lists every problem of the first MAX_LISTED_ROWS bad rows, each
    row's problems all at once, and counts the bad rows after those (`unlisted`).

    `on_progress` gets an ImportProgress for the first row, every PROGRESS_EVERY rows
    after it, and once at the end (then `done` is every byte read). Until a bad row
    turns up, rows are written as they are read (a batch behind), so the bytes read
    measure the work done; after one, the rest is only checked, which goes faster.
    """
    report = ImportReport()
    with _opened(source) as (stream, total):
        scan = _Scan(CatalogText(stream), fmt, report, on_progress, total)
        try:
            async with db.session() as session:
                result = await upsert_products(session, scan.records())
        except _BadRow:
            scan.check_remaining()
        except FileError as error:
            scan.fail(error)
        else:
            report.created = result.created
            report.updated = result.updated
            report.unchanged = result.unchanged
        scan.finish()
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


def summary(report: ImportReport, i18n: I18n, source: str) -> str:
    """What an import of `source` came to, for the operator: one line when it went in;
    else the refusal, a line per problem and the count of bad rows not listed."""
    if report.ok:
        line = i18n.tn(
            "{source}: {n} row — {created} new, {updated} updated, {unchanged} unchanged.",
            "{source}: {n} rows — {created} new, {updated} updated, {unchanged} unchanged.",
            report.rows,
            source=source,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
        if report.vectors is None:
            return line
        vectors = i18n.tn(
            "Search by meaning: {n} product's vector computed.",
            "Search by meaning: {n} products' vectors computed.",
            report.vectors,
        )
        return f"{line}\n{vectors}"
    lines = [i18n.t("{source}: nothing imported; fix these rows and try again:", source=source)]
    lines += ["  " + describe(found, i18n) for found in report.problems]
    if report.unlisted:
        lines.append(
            "  "
            + i18n.tn(
                "… and {n} more row with problems",
                "… and {n} more rows with problems",
                report.unlisted,
            )
        )
    return "\n".join(lines)


def _line(problem: Problem) -> int:
    return problem.line
