"""How a feature declares what it answers and what it needs from the process.

What it answers: commands, button actions, free text, native poll votes, completions.
Roles are declared here, next to the handler, and checked by the router: handler
bodies never test roles themselves.

What it needs, the way discord.py cogs have `cog_load` and aiogram routers have
startup observers: jobs (work the process does on its own, woken by the one scheduler
of the process: periodic upkeep, or due work whose times the database holds), and a
hook called when linking makes two members one person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.args import Param
from handlers.core.conversations import Flow
from handlers.core.errors import UserError
from handlers.core.model import Attachment, Out, PollVote, Posted, Reacted, SentRef
from handlers.core.preferences import Preference

if TYPE_CHECKING:
    from handlers.core.context import Context, Services


class Role(StrEnum):
    """Who may do what: everyone is a shopper; the router adds the rest from platform
    facts (chat admins are moderators), vendor rows and configured ids."""

    SHOPPER = "shopper"
    VENDOR = "vendor"
    MODERATOR = "moderator"
    OWNER = "owner"
    STAFF = "staff"  # a moderator or a vendor: what either may do (load rewards)


class Scope(StrEnum):
    """Where a command may be used: anywhere, only in private, only in groups."""

    ANYWHERE = "anywhere"
    DM = "dm"
    GROUP = "group"


Args = dict[str, Any]
CommandHandler = Callable[["Context", Args], Awaitable[Sequence[Out]]]
ActionHandler = Callable[["Context", tuple[str, ...]], Awaitable[Sequence[Out]]]
TextHandler = Callable[["Context", str], Awaitable[Sequence[Out]]]
# Photos sent to the bot (in private, or replying to or mentioning it in a group), with
# the caption as text.
PhotoHandler = Callable[["Context", tuple[Attachment, ...]], Awaitable[Sequence[Out]]]
# Someone joined the chat (`ctx.member`): every feature that declares one is called.
JoinHandler = Callable[["Context"], Awaitable[Sequence[Out]]]
# A bulk handler takes many (context, argument) items that share one unit of work and
# answers each with its replies or the UserError to answer with. There is no rollback
# per item, so it must refuse an item before writing anything for it.
Outcome = Sequence[Out] | UserError
BulkActionHandler = Callable[
    [Sequence[tuple["Context", tuple[str, ...]]]], Awaitable[Sequence[Outcome]]
]
PollVoteHandler = Callable[[Sequence[tuple["Context", PollVote]]], Awaitable[Sequence[Outcome]]]
# Told where a message went, once sent: (context, the Out, its platform reference).
SentHandler = Callable[[AsyncSession, Posted], Awaitable[None]]
# (label, value) suggestions for what someone has typed so far.
CompletionHandler = Callable[["Context", str], Awaitable[Sequence[tuple[str, str]]]]
JobWork = Callable[["Services"], Awaitable[object]]
# When stored work falls due (deadlines, ends of leases), read again at every start.
DueTimes = Callable[["Services"], Awaitable[Sequence[datetime]]]
# Two members become one person (session, kept member id, dropped member id): move what
# the dropped one has to the kept one, in the linking unit of work.
MergeHook = Callable[[AsyncSession, int, int], Awaitable[None]]
# The outbox sent a message queued under a key `<prefix>:...`: (session, key, where each
# message of it went, when), in the unit of work that marks it sent.
DeliveredHook = Callable[[AsyncSession, str, Sequence[SentRef], datetime], Awaitable[None]]
ReactedHook = Callable[[AsyncSession, Reacted], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    """Work the process does on its own. `every`: periodic upkeep. `due`: stored work;
    the job runs at each time `due` returns (read at start), whenever something wakes
    it (`Jobs.wake`), and on a sweep every minute that catches what other processes
    stored. A job claims what it acts on in the database, so processes never repeat
    each other's work."""

    name: str  # "<feature>.<job>", what Jobs.wake names
    work: JobWork
    every: timedelta | None = None
    due: DueTimes | None = None


@dataclass(frozen=True)
class Command:
    """A command: its handler, its summary (a msgid, shown in menus and /help), its
    parameters (one grammar for every platform), and the role and scope it needs."""

    name: str
    handler: CommandHandler
    summary: str  # msgid
    params: tuple[Param, ...] = ()
    role: Role = Role.SHOPPER
    scope: Scope = Scope.ANYWHERE


@dataclass(frozen=True)
class ActionRoute:
    """A button action kind (the token's first part) and its handler."""

    kind: str
    handler: ActionHandler | BulkActionHandler
    role: Role = Role.SHOPPER
    bulk: bool = False  # presses arrive in bursts (votes): handled many per unit of work


@dataclass
class Feature:
    """Everything one feature declares; `bot/app.py` registers it, the router and the
    job runner take what they need from it. Declare with the decorators below."""

    name: str
    commands: list[Command] = field(default_factory=list)
    actions: list[ActionRoute] = field(default_factory=list)
    text_handler: TextHandler | None = None
    inline_handler: TextHandler | None = None
    photo_handler: PhotoHandler | None = None
    join_handlers: list[JoinHandler] = field(default_factory=list)
    leave_handlers: list[JoinHandler] = field(default_factory=list)
    completions: dict[str, CompletionHandler] = field(default_factory=dict)
    poll_vote_handler: PollVoteHandler | None = None
    sent_handlers: dict[type, SentHandler] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    merge_hooks: list[MergeHook] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    # Deep-link payloads `<prefix>-<arg>-<arg>` of `/start` (Telegram's t.me/<bot>?start=),
    # by prefix: the handler gets the args, as an action does.
    starts: dict[str, ActionHandler] = field(default_factory=dict)
    preferences: list[Preference] = field(default_factory=list)
    delivered_hooks: dict[str, DeliveredHook] = field(default_factory=dict)
    reacted_hooks: list[ReactedHook] = field(default_factory=list)

    def command(
        self,
        name: str,
        summary: str,
        params: Sequence[Param] = (),
        role: Role = Role.SHOPPER,
        scope: Scope = Scope.ANYWHERE,
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Declare a command; the router checks `role` and `scope` before the handler
        runs and parses `params` into its arguments."""

        def register(handler: CommandHandler) -> CommandHandler:
            self.commands.append(Command(name, handler, summary, tuple(params), role, scope))
            return handler

        return register

    def action(
        self, kind: str, role: Role = Role.SHOPPER
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Declare the handler of a button action kind (its tokens' other parts arrive
        as arguments: re-validate them)."""

        def register(handler: ActionHandler) -> ActionHandler:
            self.actions.append(ActionRoute(kind, handler, role))
            return handler

        return register

    def bulk_action(
        self, kind: str, role: Role = Role.SHOPPER
    ) -> Callable[[BulkActionHandler], BulkActionHandler]:
        """Like `action`, for presses that come in bursts (votes): many per unit of work
        (see `BulkActionHandler`)."""

        def register(handler: BulkActionHandler) -> BulkActionHandler:
            self.actions.append(ActionRoute(kind, handler, role, bulk=True))
            return handler

        return register

    def text(self, handler: TextHandler) -> TextHandler:
        """Free text sent to the bot (in private, or mentioning or replying to it in a
        group); one feature takes it."""
        self.text_handler = handler
        return handler

    def inline(self, handler: TextHandler) -> TextHandler:
        """Inline queries (`EventKind.INLINE`: what follows `@<bot>`), answered with
        `Offers`; one feature takes them."""
        self.inline_handler = handler
        return handler

    def photo(self, handler: PhotoHandler) -> PhotoHandler:
        """Photos sent to the bot; one feature takes them (see `PhotoHandler`)."""
        self.photo_handler = handler
        return handler

    def join(self, handler: JoinHandler) -> JoinHandler:
        """Someone joined a chat the bot is in (see `JoinHandler`)."""
        self.join_handlers.append(handler)
        return handler

    def leave(self, handler: JoinHandler) -> JoinHandler:
        """Someone left a chat the bot is in (`ctx.member`), where the platform tells."""
        self.leave_handlers.append(handler)
        return handler

    def poll_vote(self, handler: PollVoteHandler) -> PollVoteHandler:
        """Native poll answers: always bulk, since a popular poll's votes come in bursts."""
        self.poll_vote_handler = handler
        return handler

    def sent(self, kind: type) -> Callable[[SentHandler], SentHandler]:
        """Be told the platform reference of each sent Out of this type (e.g. a Poll)."""

        def register(handler: SentHandler) -> SentHandler:
            self.sent_handlers[kind] = handler
            return handler

        return register

    def completion(self, source: str) -> Callable[[CompletionHandler], CompletionHandler]:
        """Offer suggestions for parameters that name `source` (Discord autocomplete)."""

        def register(handler: CompletionHandler) -> CompletionHandler:
            self.completions[source] = handler
            return handler

        return register

    def job(
        self, name: str, every: timedelta | None = None, due: DueTimes | None = None
    ) -> Callable[[JobWork], JobWork]:
        """Declare a job named "<feature>.<name>" (see `Job`)."""

        def register(work: JobWork) -> JobWork:
            self.jobs.append(Job(f"{self.name}.{name}", work, every, due))
            return work

        return register

    def flow(self, flow: Flow) -> Flow:
        """Declare a guided conversation; a handler begins it with
        `handlers.core.conversations.start`."""
        self.flows.append(flow)
        return flow

    def start_link(self, prefix: str) -> Callable[[ActionHandler], ActionHandler]:
        """Answer `/start <prefix>-<args>` (a deep link someone opened) instead of the
        plain /start; re-validate the args as an action's."""

        def register(handler: ActionHandler) -> ActionHandler:
            self.starts[prefix] = handler
            return handler

        return register

    def delivered(self, prefix: str) -> Callable[[DeliveredHook], DeliveredHook]:
        """Be told where the outbox sent what was queued under keys `<prefix>:...`."""

        def register(hook: DeliveredHook) -> DeliveredHook:
            self.delivered_hooks[prefix] = hook
            return hook

        return register

    def reacted(self, hook: ReactedHook) -> ReactedHook:
        """Be told of reactions on the bot's messages (see `Reacted`)."""
        self.reacted_hooks.append(hook)
        return hook

    def preference(self, preference: Preference) -> Preference:
        """Offer a member's on/off choice in /settings."""
        self.preferences.append(preference)
        return preference

    def on_merge(self, hook: MergeHook) -> MergeHook:
        """Called when linking makes two members one person (see `MergeHook`)."""
        self.merge_hooks.append(hook)
        return hook
