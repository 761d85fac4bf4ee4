"""Helpers for building neutral events and reading replies in tests."""

from __future__ import annotations

import asyncio
import itertools
import sys
from asyncio.subprocess import Process
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.core.context import Services
from handlers.core.features import Feature
from handlers.core.model import (
    Buttons,
    Card,
    ChatKind,
    ChatRef,
    Direct,
    Ephemeral,
    Event,
    EventKind,
    Form,
    Out,
    Text,
    UserRef,
)
from handlers.core.router import Reply, Router

_ids = itertools.count(1)


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def user(name: str = "alice", locale: str | None = "en", admin: bool = False) -> UserRef:
    return UserRef("console", name, name.title(), name, locale, is_chat_admin=admin)


def dm(name: str = "alice") -> ChatRef:
    return ChatRef("console", f"dm:{name}", ChatKind.DM)


def group(title: str = "shop-talk") -> ChatRef:
    return ChatRef("console", f"group:{title}", ChatKind.GROUP, title=title)


def command(
    name: str,
    args: str = "",
    *,
    actor: UserRef | None = None,
    chat: ChatRef | None = None,
    event_id: str | None = None,
) -> Event:
    return Event(
        "console",
        event_id or f"t{next(_ids)}",
        EventKind.COMMAND,
        actor or user(),
        chat or dm(),
        command=name,
        args=args,
        text=f"/{name} {args}".strip(),
    )


def text(
    body: str,
    *,
    actor: UserRef | None = None,
    chat: ChatRef | None = None,
    addressed: bool = False,
    event_id: str | None = None,
) -> Event:
    return Event(
        "console",
        event_id or f"t{next(_ids)}",
        EventKind.TEXT,
        actor or user(),
        chat or dm(),
        text=body,
        addressed=addressed,
    )


def action(token: str, *, actor: UserRef | None = None, chat: ChatRef | None = None) -> Event:
    return Event(
        "console", f"t{next(_ids)}", EventKind.ACTION, actor or user(), chat or dm(), action=token
    )


def cards(outs: Sequence[Out]) -> list[Card]:
    return [o for o in outs if isinstance(o, Card)]


def skus(outs: Sequence[Out]) -> list[str]:
    return [c.footer.rsplit("· ", 1)[-1] for c in cards(outs)]


def plain(outs: Sequence[Out]) -> str:
    """All visible text of the replies, for assertions."""
    parts: list[str] = []
    for out in outs:
        inner = out.content if isinstance(out, Ephemeral | Direct) else out
        if isinstance(inner, Text):
            parts.append(inner.plain)
        elif isinstance(inner, Buttons):
            parts.append(inner.text.plain)
            parts.extend(b.label for row in inner.rows for b in row)
        elif isinstance(inner, Form):
            parts += [inner.prompt.plain, inner.title, inner.label]
        elif isinstance(inner, Card):
            parts.append(inner.title)
            parts.append(inner.body)
            parts.extend(f"{f.name}: {f.value}" for f in inner.fields)
    return "\n".join(parts)


class Recorder(Router):
    """The router, noting which events reached it (as adapters hand them over)."""

    def __init__(self, services: Services, features: Iterable[Feature]) -> None:
        super().__init__(services, features)
        self.events: list[Event] = []

    async def handle(self, event: Event, claimed: bool = False, keep_reply: bool = False) -> Reply:
        self.events.append(event)
        return await super().handle(event, claimed, keep_reply)


DEMO_CATALOG = Path(__file__).resolve().parents[1] / "config" / "demo_catalog.csv"


async def start_shopbot(
    *args: str, env: dict[str, str], cwd: object, stdin: bool = False
) -> Process:
    """`python -m bot ARGS` as a separate process, its output (and with `stdin`, its
    input) piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE if stdin else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def import_demo_catalog(env: dict[str, str], cwd: object) -> None:
    """`shopbot catalog import` of the demo catalog, as a separate process."""
    process = await start_shopbot("catalog", "import", str(DEMO_CATALOG), env=env, cwd=cwd)
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
