"""Reading catalog files (CSV, JSON, YAML) into raw rows that remember their line
numbers, one row at a time, and writing them back. Validation lives in
handlers.catalog.rows."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from handlers.core.errors import Refusal
from handlers.core.i18n import N_, SOURCE_LANGUAGE, Nn_, available_languages

CSV_COLUMNS = (
    "sku",
    "name",
    "description",
    "category",
    "price",
    "currency",
    "url",
    "image_url",
    "tags",
    "colors",
    "sizes",
    "stock",
    "vendor",
    "shop_id",
    "variant_ids",
)
# Added later: files without them still import. `shop_id` is the shop's own id of the
# product, `variant_ids` those of its colour × size variants (`Black/M=4471|Black/L=4472`),
# for cart links.
OPTIONAL_COLUMNS = ("vendor", "shop_id", "variant_ids")
LIST_SEPARATOR = "|"
# `name@pl`, `description@uk`, `category@fi`: the field in a language ShopBot speaks (the
# plain column is the catalog's own, English, text). JSON and YAML may instead give the
# field as a map, {"en": "Rain Jacket", "pl": "Kurtka przeciwdeszczowa"}.
LOCALIZED = ("name", "description", "category")
UNKNOWN_LANGUAGE = N_("unknown language {language} in {column}: use one of {languages}")
NO_LANGUAGE = N_("missing language in {column}: use one of {languages}")


@cache
def other_languages() -> tuple[str, ...]:
    """The languages a field may be given in besides the catalog's own (English)."""
    return tuple(lang for lang in available_languages() if lang != SOURCE_LANGUAGE)


def localized_column(field: str, language: str) -> str:
    return f"{field}@{language}"


def column_field(column: str) -> tuple[str, str] | None:
    """The field and language of a `<field>@<lang>` column or key (the language maybe
    not one we speak), else None."""
    field, at, language = column.partition("@")
    return (field, language) if at and field in LOCALIZED else None


def column_language(column: str) -> str | None:
    """The language of a `<field>@<lang>` column or key, else None."""
    found = column_field(column)
    return found[1] if found else None


def language_refusal(column: str, language: str) -> Refusal | None:
    """Why `column` (`category@<language>`) names no language to translate into, or None."""
    languages = other_languages()
    if language in languages:
        return None
    listed = ", ".join(languages)
    if not language.strip():
        return Refusal(NO_LANGUAGE, column=column, languages=listed)
    return Refusal(UNKNOWN_LANGUAGE, language=language, column=column, languages=listed)


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    YAML = "yaml"

    @classmethod
    def of(cls, path: Path) -> Format:
        suffix = path.suffix.lower().lstrip(".")
        return cls.YAML if suffix == "yml" else cls(suffix)


class Problem(Refusal):
    """Why a line of a catalog file cannot be imported."""

    def __init__(self, line: int, message: str | tuple[str, str], **values: object) -> None:
        super().__init__(message, **values)
        self.line = line


def problem(line: int, message: str | tuple[str, str], **values: object) -> Problem:
    return Problem(line, message, **values)


@dataclass(frozen=True, slots=True)
class RawRow:
    """One product as read from the file, before validation.

    `end` is how many bytes of the file had been read when the row was (for progress);
    `shape` is why the row is no product at all (a msgid), such as more CSV fields than
    columns, in which case `data` is not worth checking further.
    """

    line: int
    data: dict[str, Any]
    end: int = 0
    shape: str | None = None


class FileError(Exception):
    """The file cannot be read on from here (bad header, broken syntax)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems)
        self.problems = list(problems)


_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
NOT_UTF8 = N_("not UTF-8 text (byte {offset} of the line)")


class _Metered(io.BufferedIOBase):
    """Counts the bytes read from a binary stream; closing it leaves the stream open."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self.count = 0

    @property
    def name(self) -> str:
        return str(getattr(self._stream, "name", "<catalog>"))

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        data = self._stream.read(-1 if size is None else size)
        self.count += len(data)
        return data

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)


class CatalogText:
    """A binary catalog file as UTF-8 text, read a line at a time.

    Line endings are kept as they are (LF, CRLF, or the lone CR of Excel for Mac), as
    the csv module wants. A line holding bytes that are not UTF-8 becomes a
    problem (`take_problems`) and reads with U+FFFD in their place; a BOM is dropped.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._source = _Metered(stream)
        self._text = io.TextIOWrapper(
            self._source, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        self.line = 0
        self._problems: list[Problem] = []

    @property
    def position(self) -> int:
        """Bytes of the file read so far (a few KB ahead of the rows handed out)."""
        return self._source.count

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text = self._text.readline()
        if not text:
            raise StopIteration
        self.line += 1
        bad = None if text.isascii() else _ESCAPED.search(text)
        if bad is None:
            return text
        self._problems.append(problem(self.line, NOT_UTF8, offset=_offset(text, 0, bad.start())))
        return _ESCAPED.sub("\ufffd", text)

    def read(self, size: int = -1) -> str:
        """The next line, whatever `size` asks (for PyYAML, which reads in pieces)."""
        return next(self, "")

    def read_all(self) -> str:
        """The rest of the file as one string, its bad lines noted as `__next__` does."""
        text = self._text.read()
        if text.isascii() or not _ESCAPED.search(text):
            return text
        lines = _LineCounter(text)
        for bad in _ESCAPED.finditer(text):
            line = lines.at(bad.start())
            if not self._problems or self._problems[-1].line != line:  # the line's first
                start = text.rfind("\n", 0, bad.start()) + 1
                offset = _offset(text, start, bad.start())
                self._problems.append(problem(line, NOT_UTF8, offset=offset))
        return _ESCAPED.sub("\ufffd", text)

    def take_problems(self) -> list[Problem]:
        """The not-UTF-8 lines found since the last call."""
        found, self._problems = self._problems, []
        return found


def _offset(text: str, start: int, bad: int) -> int:
    """Which byte of its line (from 1) the bad one at `bad` was, the line starting at `start`."""
    return len(text[start:bad].encode("utf-8", "surrogateescape")) + 1


class _LineCounter:
    """Line numbers of increasing positions in a text, counting only the new part."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1

    def at(self, pos: int) -> int:
        self._line += self._text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line


def read_rows(text: CatalogText, fmt: Format) -> Iterator[RawRow]:
    """The file's rows one at a time; raises FileError where it cannot be read on."""
    if fmt is Format.CSV:
        return _read_csv(text)
    if fmt is Format.JSON:
        return _read_json(text)
    return _read_yaml(text)


def _read_csv(text: CatalogText) -> Iterator[RawRow]:
    reader = csv.reader(text, strict=True)
    start = 1
    try:
        header = next(reader, [])
        _check_header(header)
        start = reader.line_num + 1
        for fields in reader:
            if any(value.strip() for value in fields):  # blank lines are no rows
                yield _csv_row(start, header, fields, text.position)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileError([problem(start, N_("unreadable CSV: {reason}"), reason=str(exc))]) from None


def _check_header(header: list[str]) -> None:
    if len(header) == 1 and ";" in header[0]:
        # Excel writes ';' between columns where the decimal separator is a comma.
        hint = N_("the file seems to use ';' between columns: save it as CSV with commas")
        raise FileError([problem(1, hint)])
    missing = [c for c in CSV_COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    unknown = [c for c in header if c not in CSV_COLUMNS and column_language(c) is None]
    problems = []
    if missing:
        missing_columns = Nn_("missing column: {columns}", "missing columns: {columns}")
        problems.append(problem(1, missing_columns, columns=", ".join(missing), n=len(missing)))
    if unknown:
        unknown_columns = Nn_("unknown column: {columns}", "unknown columns: {columns}")
        problems.append(problem(1, unknown_columns, columns=", ".join(unknown), n=len(unknown)))
    for column in header:
        language = column_language(column)
        refusal = None if language is None else language_refusal(column, language)
        if refusal is not None:
            problems.append(problem(1, refusal.message, **refusal.values))
    if problems:
        raise FileError(problems)


def _csv_row(line: int, header: list[str], fields: list[str], end: int) -> RawRow:
    if len(fields) > len(header):
        return RawRow(line, {}, end, shape=N_("more fields than columns"))
    return RawRow(line, dict(zip(header, fields, strict=False)), end)


def _item_row(line: int, item: object, end: int) -> RawRow:
    if isinstance(item, dict):
        return RawRow(line, item, end)
    return RawRow(line, {}, end, shape=N_("expected a product with named fields"))


_SPACE = re.compile(r"[ \t\r\n]*")
_NULL_TAG = "tag:yaml.org,2002:null"


def _read_json(text: CatalogText) -> Iterator[RawRow]:
    """Items of a top-level JSON array, each with the line it starts on.

    The standard library parses JSON only from a whole string, so the text is held
    (once); items are decoded, checked and let go one at a time.
    """
    whole = text.read_all()
    size, length = text.position, max(len(whole), 1)
    lines = _LineCounter(whole)
    decoder = json.JSONDecoder()
    pos = _skip_space(whole, 0)
    if not whole.startswith("[", pos):
        raise FileError([problem(lines.at(pos), N_("expected a JSON array of products"))])
    pos = _skip_space(whole, pos + 1)
    while not whole.startswith("]", pos):
        try:
            item, end = decoder.raw_decode(whole, pos)
        except json.JSONDecodeError as exc:
            problems = [problem(exc.lineno, N_("invalid JSON: {reason}"), reason=exc.msg)]
            raise FileError(problems) from None
        yield _item_row(lines.at(pos), item, size * end // length)
        pos = _skip_space(whole, end)
        if whole.startswith(",", pos):
            pos = _skip_space(whole, pos + 1)
        elif not whole.startswith("]", pos):
            raise FileError([problem(lines.at(pos), N_("invalid JSON: expected ',' or ']'"))])


def _skip_space(text: str, pos: int) -> int:
    space = _SPACE.match(text, pos)
    return space.end() if space else pos


def _read_yaml(text: CatalogText) -> Iterator[RawRow]:
    """Items of a top-level YAML list, composed and constructed one at a time."""
    try:
        loader = yaml.SafeLoader(text)  # reads the first characters already
        try:
            yield from _yaml_items(loader, text)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise FileError([problem(line, N_("invalid YAML: {reason}"), reason=str(exc))]) from None


def _yaml_items(loader: yaml.SafeLoader, text: CatalogText) -> Iterator[RawRow]:
    # yaml.load builds the whole document first; these are the steps of
    # Composer.compose_document with the top-level list taken an item at a time.
    _event(loader)  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return  # an empty file
    _event(loader)  # document start
    if not loader.check_event(yaml.SequenceStartEvent):
        root = loader.compose_node(None, 0)
        if isinstance(root, yaml.ScalarNode) and root.tag == _NULL_TAG:
            return  # a document holding nothing
        raise FileError([problem(1, N_("expected a YAML list of products"))])
    _event(loader)  # list start
    while not loader.check_event(yaml.SequenceEndEvent):
        node = loader.compose_node(None, 0)
        if node is not None:
            item = loader.construct_document(node)
            yield _item_row(node.start_mark.line + 1, item, text.position)
    _event(loader)  # sequence end
    _event(loader)  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        mark = _event(loader).start_mark
        line = mark.line + 1 if mark is not None else 1
        reason = "expected a single document in the stream"  # PyYAML's words
        raise FileError([problem(line, N_("invalid YAML: {reason}"), reason=reason)])


def _event(loader: yaml.SafeLoader) -> yaml.Event:
    event: yaml.Event = loader.get_event()  # type: ignore[no-untyped-call]
    return event


def write_rows(rows: Sequence[dict[str, Any]], fmt: Format) -> str:
    if fmt is Format.CSV:
        columns = csv_columns(rows)
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in columns})
        return out.getvalue()
    if fmt is Format.JSON:
        return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(list(rows), allow_unicode=True, sort_keys=False)


def csv_columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The export's CSV columns: the fixed ones, each localized one followed by a
    `<field>@<lang>` column for each language some product gives it in; optional ones
    only where some product has a value."""
    used = sorted({k for row in rows for k in row if column_field(k) is not None})
    present = [
        c for c in CSV_COLUMNS if c not in OPTIONAL_COLUMNS or any(row.get(c) for row in rows)
    ]
    columns = []
    for column in present:
        columns.append(column)
        columns += [c for c in used if c.startswith(column + "@")]
    return columns


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
