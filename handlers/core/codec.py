"""Outgoing values as JSON and back, for messages that wait in the database: for a
process that runs their platform (bot/outbox.py), or replies kept until they are sent
(Router.handle with keep_reply)."""

from __future__ import annotations

import base64
import dataclasses
import json
import typing
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from handlers.core import model
from handlers.core.model import Out

# What may wait: everything but content for other chats (queued on its own).
_STORABLE: tuple[type, ...] = (
    model.Ephemeral,
    model.Direct,
    model.Text,
    model.Span,
    model.Card,
    model.CardField,
    model.Buttons,
    model.Form,
    model.Button,
    model.Image,
    model.Album,
    model.Poll,
    model.PollOption,
    model.Document,
    model.ClosePoll,
    model.Pin,
    model.Edit,
    model.SentRef,
    model.Offers,
    model.Offer,
)
_BY_NAME = {cls.__name__: cls for cls in _STORABLE}


def dumps(outs: Sequence[Out]) -> str:
    return json.dumps([_dump(out) for out in outs], ensure_ascii=False, separators=(",", ":"))


def loads(data: str) -> list[Out]:
    return [_load(item) for item in json.loads(data)]


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _BY_NAME:
            raise TypeError(f"{name} cannot wait in the outbox")
        fields = {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": name, **fields}
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"time": value.isoformat()}
    if isinstance(value, Enum):
        return value.value
    return value


def _load(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_load(item) for item in value)  # the model's sequences are tuples
    if not isinstance(value, dict):
        return value
    if "bytes" in value:
        return base64.b64decode(value["bytes"])
    if "time" in value:
        return datetime.fromisoformat(value["time"])
    cls = _BY_NAME[value["type"]]
    hints = _hints(cls)
    arguments = {}
    for name, raw in value.items():
        if name == "type":
            continue
        loaded = _load(raw)
        hint = hints.get(name)
        if isinstance(hint, type) and issubclass(hint, Enum):
            loaded = hint(loaded)
        arguments[name] = loaded
    return cls(**arguments)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))
