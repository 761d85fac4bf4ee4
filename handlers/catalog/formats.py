"""Reading catalog files (CSV, JSON, YAML) into raw rows that remember their line
numbers, and writing them back. Validation lives in handlers.catalog.rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from handlers.core.errors import Refusal
from handlers.core.i18n import N_

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
)
LIST_SEPARATOR = "|"


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

    def __init__(self, line: int, message: str, **values: object) -> None:
        super().__init__(message, **values)
        self.line = line


def problem(line: int, message: str, **values: object) -> Problem:
    return Problem(line, message, **values)


@dataclass(frozen=True)
class RawRow:
    line: int
    data: dict[str, Any]


class FileError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems)
        self.problems = list(problems)


def decode(data: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 text of `data`, plus a problem for every line holding invalid bytes."""
    problems = []
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        try:
            raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                problem(
                    number, N_("not UTF-8 text (byte {offset} of the line)"), offset=exc.start + 1
                )
            )
    text = data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff"), problems


def read_rows(text: str, fmt: Format) -> list[RawRow]:
    if fmt is Format.CSV:
        return _read_csv(text)
    if fmt is Format.JSON:
        return _read_json(text)
    return _read_yaml(text)


def _read_csv(text: str) -> list[RawRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    problems = []
    if missing:
        problems.append(problem(1, N_("missing column(s): {columns}"), columns=", ".join(missing)))
    if unknown:
        problems.append(problem(1, N_("unknown column(s): {columns}"), columns=", ".join(unknown)))
    if problems:
        raise FileError(problems)
    rows = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if any(value and value.strip() for value in record.values() if isinstance(value, str)):
                rows.append(RawRow(start, dict(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileError([problem(start, N_("unreadable CSV: {reason}"), reason=str(exc))]) from None
    return rows


def _read_json(text: str) -> list[RawRow]:
    """Items of a top-level JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        raise FileError([problem(_line(text, pos), N_("expected a JSON array of products"))])
    pos = _skip_space(text, pos + 1)
    rows = []
    while not text.startswith("]", pos):
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            problems = [problem(exc.lineno, N_("invalid JSON: {reason}"), reason=exc.msg)]
            raise FileError(problems) from None
        rows.append(RawRow(_line(text, pos), item if isinstance(item, dict) else {"": item}))
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif not text.startswith("]", pos):
            raise FileError([problem(_line(text, pos), N_("invalid JSON: expected ',' or ']'"))])
    return rows


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _read_yaml(text: str) -> list[RawRow]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise FileError([problem(line, N_("invalid YAML: {reason}"), reason=str(exc))]) from None
    if data is None:
        return []
    if not isinstance(node, yaml.SequenceNode) or not isinstance(data, list):
        raise FileError([problem(1, N_("expected a YAML list of products"))])
    return [
        RawRow(item_node.start_mark.line + 1, item if isinstance(item, dict) else {"": item})
        for item_node, item in zip(node.value, data, strict=True)
    ]


def write_rows(rows: Sequence[dict[str, Any]], fmt: Format) -> str:
    if fmt is Format.CSV:
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in CSV_COLUMNS})
        return out.getvalue()
    if fmt is Format.JSON:
        return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(list(rows), allow_unicode=True, sort_keys=False)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
