"""What a handler is given: the event, a unit of work, the member, language and services."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from handlers.i18n import I18n
from handlers.model import Event, Span, Text
from storage.db import Database
from storage.identity import MemberInfo

if TYPE_CHECKING:
    from handlers.features import Command, Role
    from handlers.products.index import ProductIndex


class Alarms(Protocol):
    """Wakes the process when something stored in the database falls due."""

    def wake_at(self, when: datetime) -> None: ...

    def wake_now(self) -> None: ...


class LiveCounts(Protocol):
    """Marks a button poll whose counts changed; its messages are edited soon, in bulk."""

    def touch(self, poll_id: int) -> None: ...


class Postman(Protocol):
    """Sends the messages waiting in the outbox; told when new ones wait."""

    def wake(self) -> None: ...


@dataclass
class Services:
    """Process-wide dependencies, built once by the app and passed in (no globals)."""

    db: Database
    settings: Settings
    clock: Callable[[], datetime]
    products: ProductIndex
    alarms: Alarms
    live: LiveCounts
    outbox: Postman


@dataclass
class Context:
    event: Event
    session: AsyncSession
    services: Services
    member: MemberInfo
    chat_id: int
    roles: frozenset[Role]
    i18n: I18n
    commands: Sequence[Command]

    def now(self) -> datetime:
        return self.services.clock()

    def t(self, message: str, **values: object) -> str:
        return self.i18n.t(message, **values)

    def rich(self, message: str, **values: str | Span) -> Text:
        return self.i18n.rich(message, **values)
