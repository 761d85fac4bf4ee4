"""What a handler is given: the event, a unit of work, the member, language and services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from handlers.core.i18n import I18n, negotiate
from handlers.core.model import Attachment, ChatRef, Event, Out, Span, Text
from storage.db import Database
from storage.identity import MemberInfo, chosen_locale

if TYPE_CHECKING:
    from handlers.core.features import Command, MergeHook, Role
    from handlers.core.preferences import Preference


T = TypeVar("T")


class Jobs(Protocol):
    """The process's scheduler, as features see it."""

    def wake(self, name: str, at: datetime | None = None) -> None:
        """Run the job `name` at `at` (now when None), besides its own schedule."""


# The job that sends what waits in the outbox (bot/outbox.py), woken when more waits.
SEND_JOB = "outbox.send"


class Post(Protocol):
    """Posts to any chat on any platform, now or through the outbox (bot/outbox.py):
    `key` makes it idempotent, `replace` lets a newer message take a waiting one's place."""

    async def __call__(
        self, chat: ChatRef, outs: Sequence[Out], key: str | None = None, replace: bool = False
    ) -> None: ...


# Fetches an attachment's bytes from its platform: at most `limit` + 1 bytes, so a
# caller tells "too large" without holding all of it. Raises OSError when it cannot.
Download = Callable[[Attachment, int], Awaitable[bytes]]


# Makes an invite link to a group (the platform's chat id) named after someone.
MakeInvite = Callable[[str, str], Awaitable[str]]


@dataclass
class Services:
    """Process-wide dependencies, built once by the app and passed in (no globals)."""

    db: Database
    settings: Settings
    clock: Callable[[], datetime]
    jobs: Jobs
    post: Post
    merge_hooks: Sequence[MergeHook] = ()
    caches: dict[type, object] = field(default_factory=dict)
    # Per platform, set by its adapter when it starts.
    downloads: dict[str, Download] = field(default_factory=dict)
    # Per platform, the link that opens a private chat with the bot, where it has one
    # (Telegram: https://t.me/<bot>; `?start=<payload>` passes a deep-link payload).
    bot_links: dict[str, str] = field(default_factory=dict)
    # Per platform, where it can: a personal invite link to a group (chat id, name).
    invites: dict[str, MakeInvite] = field(default_factory=dict)

    def cache(self, kind: type[T]) -> T:
        """This process's one instance of `kind`, made on first use: where a feature
        keeps what it caches per process (the product index), without a field here."""
        found = self.caches.get(kind)
        if found is None:
            found = self.caches[kind] = kind()
        return cast(T, found)


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
    # Every feature's /settings choices (for the command that shows them).
    preferences: Sequence[Preference] = ()
    # Jobs to wake once this unit of work has committed (see `wake`).
    wakes: list[tuple[str, datetime | None]] = field(default_factory=list)

    @property
    def moderates_everywhere(self) -> bool:
        """A moderator by configuration (`moderator_ids`, `owner_ids`), not only as an
        admin of this chat: what spans communities (every review in the queue) is theirs;
        a chat admin's reach is their own community."""
        actor = self.event.actor
        key = f"{actor.platform}:{actor.id}"
        settings = self.services.settings
        return key in settings.moderator_ids or key in settings.owner_ids

    def wake(self, name: str, at: datetime | None = None) -> None:
        """Wake a job once what this handler wrote is committed (woken earlier, it
        could look before the commit and find nothing)."""
        self.wakes.append((name, at))

    def now(self) -> datetime:
        return self.services.clock()

    def t(self, message: str, **values: object) -> str:
        return self.i18n.t(message, **values)

    def tn(self, message: tuple[str, str], n: int, **values: object) -> str:
        """The form of an `Nn_` pair for `n` (filled as `{n}`)."""
        singular, plural = message
        return self.i18n.tn(singular, plural, n, **values)

    def rich(self, message: str, **values: str | Span) -> Text:
        return self.i18n.rich(message, **values)

    def rich_n(self, message: tuple[str, str], n: int, **values: str | Span) -> Text:
        """`rich` with the form of an `Nn_` pair for `n`."""
        singular, plural = message
        return self.i18n.rich_n(singular, plural, n, **values)


async def speaking_for(session: AsyncSession, services: Services, member_id: int) -> I18n:
    """The language of what the bot posts on its own on behalf of a moderator (a poll's
    results, a welcome): the one they chose, else the default. A group has no single
    language; the person who set it up speaks for it."""
    chosen = await chosen_locale(session, member_id)
    return I18n(negotiate([chosen], services.settings.default_locale))
