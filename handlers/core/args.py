"""One argument grammar for every platform.

Text platforms send `/command arg "quoted arg" rest of line`; Discord sends typed
options. Both are validated against the command's `Param`s into the same dict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from handlers.core.errors import Refusal
from handlers.core.i18n import N_, Msg

QUOTES = {'"': '"', "'": "'", "“": "”", "„": "”", "«": "»", "‘": "’"}
MAX_INT = 2**31 - 1  # the databases' INTEGER: a whole-number argument never overflows it


class ParamKind(StrEnum):
    WORD = "word"  # one token
    TEXT = "text"  # the rest of the line (must be last)
    INT = "int"
    CHOICE = "choice"
    # A picture attached to the command. Discord has attachment options for it; on text
    # platforms pictures come with the message itself (Event.attachments), so it is no
    # part of the typed grammar and usage lines leave it out.
    PHOTO = "photo"
    # Someone in the chat: typed as @username (or a user id); Discord picks a user.
    MEMBER = "member"


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind = ParamKind.TEXT
    required: bool = True
    placeholder: str = ""  # msgid shown in usage, e.g. N_("name or SKU")
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 500
    # Platforms with typed input may offer suggestions from this source (see
    # Feature.completion); the value is still validated like typed text.
    completion: str | None = None

    @property
    def label(self) -> str:
        """What people read for it: the placeholder's msgid (translated where shown)."""
        return Msg(self.placeholder or self.name)


class ArgsError(Refusal):
    """Arguments that do not fit the command's parameters."""


@dataclass(frozen=True)
class _Token:
    text: str
    start: int  # offset in the raw string, so TEXT params keep the user's spacing


def tokenize(raw: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(raw)
    while i < n:
        if raw[i].isspace():
            i += 1
            continue
        start = i
        closing = QUOTES.get(raw[i])
        if closing is not None:
            end = raw.find(closing, i + 1)
            if end < 0:
                raise ArgsError(N_("A quote is not closed: {quote}"), quote=raw[i])
            tokens.append(_Token(raw[i + 1 : end], start))
            i = end + 1
            continue
        while i < n and not raw[i].isspace():
            i += 1
        tokens.append(_Token(raw[start:i], start))
    return tokens


def parse_args(params: Sequence[Param], raw: str) -> dict[str, Any]:
    params = typed(params)
    tokens = tokenize(raw)
    values: dict[str, Any] = {}
    position = 0
    for param in params:
        if position >= len(tokens):
            break
        if param.kind is ParamKind.TEXT:
            rest = tokens[position:]
            text = tokens[position].text if len(rest) == 1 else raw[rest[0].start :].strip()
            values[param.name] = text
            position = len(tokens)
        else:
            values[param.name] = tokens[position].text
            position += 1
    if position < len(tokens):
        raise ArgsError(N_("Too many arguments."))
    return _validate(params, values)


def coerce_options(params: Sequence[Param], options: Mapping[str, Any]) -> dict[str, Any]:
    known = {p.name for p in params}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ArgsError(N_("Unknown option: {name}"), name=unknown[0])
    # Attachment options name files the event carries already.
    return _validate(typed(params), {k: v for k, v in options.items() if v is not None})


def typed(params: Sequence[Param]) -> list[Param]:
    """The parameters given as text or values (not attached pictures)."""
    return [p for p in params if p.kind is not ParamKind.PHOTO]


def _validate(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for param in params:
        value = values.get(param.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if param.required:
                raise ArgsError(N_("Missing {name}."), name=param.label)
            continue
        result[param.name] = _convert(param, value)
    return result


def _convert(param: Param, value: Any) -> Any:
    label = param.label
    if param.kind is ParamKind.INT:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ArgsError(N_("{name} must be a whole number."), name=label) from None
        low = param.min_value if param.min_value is not None else -MAX_INT
        high = param.max_value if param.max_value is not None else MAX_INT
        if param.max_value is None and low <= number <= high:
            return number
        if param.max_value is None and number < low:
            raise ArgsError(N_("{name} must be at least {low}."), name=label, low=low)
        if not low <= number <= high:
            raise ArgsError(
                N_("{name} must be between {low} and {high}."), name=label, low=low, high=high
            )
        return number
    text = str(value).strip()
    if len(text) > param.max_length:
        raise ArgsError(
            N_("{name} is too long (at most {limit} characters)."),
            name=label,
            limit=param.max_length,
        )
    if param.kind is ParamKind.CHOICE:
        lowered = text.lower()
        if lowered not in param.choices:
            raise ArgsError(
                N_("{name} must be one of: {choices}."),
                name=label,
                choices=", ".join(param.choices),
            )
        return lowered
    return text


def usage(command: str, params: Sequence[Param], placeholder: Any = str) -> str:
    """`/command <a> [b]`; `placeholder` translates the parameter labels."""
    parts = [f"/{command}"]
    for param in typed(params):
        label = placeholder(param.placeholder) if param.placeholder else param.name
        parts.append(f"<{label}>" if param.required else f"[{label}]")
    return " ".join(parts)
