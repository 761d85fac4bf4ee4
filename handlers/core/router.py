"""The router: one event in, a list of `Out` values back.

It drops redelivered updates, resolves the member and their language, finds the
handler, checks the declared role and scope, parses arguments with the one grammar,
and runs the handler in a unit of work. A `UserError` becomes a friendly localized
reply and rolls back the handler's writes; anything unexpected is logged with the
event id and answered with a short apology. The router never raises.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import activity, codec
from handlers.core import conversations as dialogue
from handlers.core.actions import decode
from handlers.core.args import ArgsError, Param, coerce_options, parse_args, usage
from handlers.core.batching import Batcher
from handlers.core.context import SEND_JOB, Context, Services
from handlers.core.detect import detect
from handlers.core.errors import UserError
from handlers.core.features import (
    ActionHandler,
    Command,
    CompletionHandler,
    Feature,
    JoinHandler,
    PhotoHandler,
    PollVoteHandler,
    ReactedHook,
    Role,
    Scope,
    SentHandler,
    TextHandler,
)
from handlers.core.i18n import N_, I18n, negotiate
from handlers.core.model import (
    FORM_FIELD,
    ChatKind,
    Ephemeral,
    Event,
    EventKind,
    Out,
    Poll,
    Posted,
    Reacted,
    SentRef,
    Text,
    ToChat,
)
from handlers.core.preferences import Preference
from storage import conversations, outbox
from storage.events import (
    claim_event,
    claim_events,
    forget_replies,
    keep_replies,
    take_reply,
    touch_events,
)
from storage.identity import MemberInfo, ensure_chats, ensure_members, identify

log = logging.getLogger(__name__)
# The event being handled in this task, for log lines (bot/logs.py) to name it.
current_event: ContextVar[Event | None] = ContextVar("current_event", default=None)
_GUEST = MemberInfo(0, "", None, False)  # completions run before we know the member

MAX_INPUT_CHARS = 4000
CANCEL_COMMAND = "cancel"  # ends a guided conversation (see handlers/basics)
START_COMMAND = "start"  # in private, takes up a conversation started in a group
# Bulk routes (votes) take at most this many events per unit of work.
MAX_BATCH = 256
# C0/C1 controls other than newline and tab, and the bidi embedding/override/isolate
# marks that can make text display differently from what it says.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

TOO_LONG = N_("That message is too long: please keep it under {limit} characters.")
APOLOGY = N_("Sorry, something went wrong on my side. Please try again.")
REMEMBERED_LANGUAGES = 10_000  # people whose language an apology can use without the database
ROLE_REFUSALS = {
    Role.VENDOR: N_("Only vendors can do that."),
    Role.MODERATOR: N_("Only moderators can do that."),
    Role.OWNER: N_("Only the bot's owners can do that."),
    Role.STAFF: N_("Only moderators and vendors can do that."),
}


def clean_text(text: str) -> str:
    return unicodedata.normalize("NFC", _UNSAFE.sub("", text))


@dataclass(frozen=True)
class Reply:
    """What the router made of an event. `fresh` is False when the event had already
    been handled (a redelivery, or taken by another process): an adapter then sends
    and acknowledges nothing, since someone else has."""

    outs: list[Out]
    fresh: bool = True
    # Kept in the database until the adapter reports it sent (Router.replied).
    kept: bool = False


@dataclass(frozen=True)
class _Target:
    handler: Any
    argument: Any
    role: Role
    scope: Scope
    params: tuple[Param, ...] = ()
    command: str = ""


def _guest_context(
    services: Services, event: Event, session: AsyncSession, language: str
) -> Context:
    """A context for work that is not someone's request: no member, shopper rights."""
    return Context(
        event, session, services, _GUEST, 0, frozenset({Role.SHOPPER}), I18n(language), []
    )


class Router:
    def __init__(self, services: Services, features: Iterable[Feature]) -> None:
        self.services = services
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, Any] = {}
        self.text_handler: TextHandler | None = None
        self.inline_handler: TextHandler | None = None
        self.photo_handler: PhotoHandler | None = None
        self.join_handlers: list[JoinHandler] = []
        self.leave_handlers: list[JoinHandler] = []
        self.flows: dict[str, dialogue.Flow] = {}
        self.starts: dict[str, ActionHandler] = {}
        self.preferences: list[Preference] = []
        self.completions: dict[str, CompletionHandler] = {}
        self.poll_vote_handler: PollVoteHandler | None = None
        self.sent_handlers: dict[type, SentHandler] = {}
        self.reacted_hooks: list[ReactedHook] = []
        # One queue per bulk handler: a batch is handled by one call of its handler.
        self._batchers: dict[Any, Batcher[_BulkItem, Reply]] = {}
        # Who handled an update, among the processes sharing the database (kept replies).
        self._process = uuid.uuid4().hex
        self._languages = _Recent(REMEMBERED_LANGUAGES)
        # Told of every handled event (seconds taken, whether it failed): the metrics.
        self.observe: Callable[[Event, float, bool], None] | None = None
        self._sent_replies: Batcher[tuple[str, str], None] = Batcher(
            self._forget_replies, MAX_BATCH
        )
        for feature in features:
            self._register(feature)
        bulk = [r.handler for r in self.actions.values() if r.bulk] + [self.poll_vote_handler]
        for handler in filter(None, bulk):
            self._batchers[handler] = Batcher(self._run_bulk, MAX_BATCH)

    def _register(self, feature: Feature) -> None:
        """Take what the feature answers; names must be unique across features."""
        _add_unique(self.commands, {c.name: c for c in feature.commands}, "command")
        _add_unique(self.actions, {r.kind: r for r in feature.actions}, "action")
        _add_unique(self.flows, {f.name: f for f in feature.flows}, "conversation")
        _add_unique(self.starts, feature.starts, "deep link")
        self.preferences += feature.preferences
        self.completions.update(feature.completions)
        self.sent_handlers.update(feature.sent_handlers)
        self.reacted_hooks += feature.reacted_hooks
        self.join_handlers += feature.join_handlers
        self.leave_handlers += feature.leave_handlers
        if feature.poll_vote_handler is not None:
            self.poll_vote_handler = feature.poll_vote_handler
        if feature.text_handler is not None:
            if self.text_handler is not None:
                raise ValueError("only one feature may answer free text")
            self.text_handler = feature.text_handler
        if feature.inline_handler is not None:
            if self.inline_handler is not None:
                raise ValueError("only one feature may answer inline queries")
            self.inline_handler = feature.inline_handler
        if feature.photo_handler is not None:
            if self.photo_handler is not None:
                raise ValueError("only one feature may take photos")
            self.photo_handler = feature.photo_handler

    def language_of(self, platform: str, user_id: str) -> str | None:
        """The language this process last answered the person in, if it did lately."""
        return self._languages.get((platform, user_id))

    async def dispatch(self, event: Event) -> list[Out]:
        return (await self.handle(event)).outs

    async def handle(self, event: Event, claimed: bool = False, keep_reply: bool = False) -> Reply:
        """Handle one event. `claimed`: the adapter has taken it with `claim` already.
        `keep_reply`: the platform delivers the update again until the adapter confirms
        it (Telegram), so the reply is kept until `replied`; should the process die before
        sending it, the redelivered update gets that reply instead of nothing."""
        context = current_event.set(event)
        started, failed = time.perf_counter(), False
        try:
            if not self._wants(event):
                return Reply([])
            return await self._handle(_cleaned(event), claimed, keep_reply)
        except Exception:
            failed = True
            log.exception("event %s/%s failed", event.platform, event.event_id)
            # In the language the person was last answered in (the database may be
            # what failed), else the platform's.
            language = self._languages.get((event.platform, event.actor.id)) or negotiate(
                [event.actor.locale], self.services.settings.default_locale
            )
            apology = I18n(language).t(APOLOGY)
            return Reply([Text.of(apology)])
        finally:
            current_event.reset(context)
            if self.observe is not None:
                self.observe(event, time.perf_counter() - started, failed)

    async def claim(self, event: Event) -> bool:
        """Take an event before anything about it is acknowledged: True for the one
        process (and the one delivery) that is to handle it. Committed at once, so every
        other process learns at once that it must stay silent. For Discord interactions,
        which every process of the bot receives and only one may acknowledge."""
        try:
            async with self.services.db.session() as session:
                now = self.services.clock()
                return await claim_event(session, event.platform, event.event_id, now)
        except Exception:
            log.exception("claiming event %s/%s failed", event.platform, event.event_id)
            return False

    async def complete(self, event: Event, source: str, typed: str) -> list[tuple[str, str]]:
        """Suggestions while someone types an argument. Read-only: no de-duplication, no
        identity writes; failures just mean no suggestions."""
        handler = self.completions.get(source)
        if handler is None:
            return []
        language = negotiate([event.actor.locale], self.services.settings.default_locale)
        try:
            async with self.services.db.read() as session:
                ctx = _guest_context(self.services, event, session, language)
                return list(await handler(ctx, clean_text(typed)[:MAX_INPUT_CHARS]))[:25]
        except Exception:
            log.exception("completion %s for event %s failed", source, event.event_id)
            return []

    async def sent(self, platform: str, chat_id: str, out: Out, ref: SentRef) -> None:
        """An adapter reports where an Out went; features that asked are told."""
        handler = self.sent_handlers.get(type(out))
        if handler is None:
            return
        try:
            async with self.services.db.session() as session:
                await handler(session, Posted(platform, chat_id, out, ref))
        except Exception:
            log.exception("recording where %s went failed", type(out).__name__)

    async def reacted(self, reaction: Reacted) -> None:
        """An adapter reports reactions on one of the bot's messages; features that asked
        are told. Only features that know the message (a promotion's post) write."""
        if not self.reacted_hooks:
            return
        try:
            async with self.services.db.session() as session:
                for hook in self.reacted_hooks:
                    await hook(session, reaction)
        except Exception:
            log.exception("recording reactions on %s failed", reaction.message_id)

    def _wants(self, event: Event) -> bool:
        """Cheap filter before any database work: group chatter not meant for us."""
        if event.kind is EventKind.TEXT:
            return event.chat.kind is ChatKind.DM or event.addressed
        if event.kind is EventKind.COMMAND:
            # In groups, unknown commands probably belong to another bot: stay quiet.
            return event.chat.kind is ChatKind.DM or (event.command or "") in self.commands
        if event.kind is EventKind.PHOTO:  # for a photo handler or a conversation
            return event.chat.kind is ChatKind.DM or event.addressed
        if event.kind is EventKind.JOIN:
            return bool(self.join_handlers)
        if event.kind is EventKind.LEAVE:
            return bool(self.leave_handlers)
        if event.kind is EventKind.INLINE:
            return self.inline_handler is not None
        return event.kind in (EventKind.ACTION, EventKind.POLL_VOTE)

    async def replied(self, event: Event) -> None:
        """The adapter sent the reply kept for `event` (see `handle`)."""
        await self._sent_replies.submit((event.platform, event.event_id))

    async def _forget_replies(self, keys: list[tuple[str, str]]) -> list[None]:
        async with self.services.db.session() as session:
            await forget_replies(session, keys)
        return [None] * len(keys)

    async def _handle(self, event: Event, claimed: bool, keep_reply: bool) -> Reply:
        bulk = self._bulk_target(event)
        if bulk is not None:
            item = _BulkItem(event, bulk, claimed, keep_reply)
            return await self._batchers[bulk.handler].submit(item)
        services = self.services
        async with services.db.session(inline=True) as session:
            key = [(event.platform, event.event_id)]
            if claimed:
                # Still a write first, so SQLite takes the write lock up front.
                await touch_events(session, key, services.clock())
            elif not await claim_events(session, key, services.clock()):
                log.info("ignoring redelivered event %s/%s", event.platform, event.event_id)
                return await self._unsent_reply(session, event, keep_reply)
            actor, chat = event.actor, event.chat
            member, chat_id = await identify(
                session,
                actor.platform,
                actor.id,
                actor.display_name,
                actor.username,
                (chat.platform, chat.id, chat.kind, chat.title),
            )
            ctx = self._context(event, session, member, chat_id)
            await activity.note(ctx)
            try:
                async with session.begin_nested():
                    outs = await self._run(ctx)
            except UserError as error:
                return Reply([_error_reply(ctx, error)])
            here, queued = await _queue_elsewhere(ctx, outs)
            kept = keep_reply and bool(here)
            if kept:
                stored = [(event.platform, event.event_id, codec.dumps(here))]
                await keep_replies(session, stored, self._process)
        # Committed: what the handler stored can be acted on now.
        if queued:
            ctx.wake(SEND_JOB)
        self._wake(ctx)
        return Reply(here, kept=kept)

    def _wake(self, ctx: Context) -> None:
        for name, at in ctx.wakes:
            self.services.jobs.wake(name, at)

    async def _unsent_reply(self, session: AsyncSession, event: Event, keep_reply: bool) -> Reply:
        """A redelivered update: answered already, unless the process that handled it
        died before sending the reply it kept; then this one sends it."""
        if keep_reply:
            stored = await take_reply(session, event.platform, event.event_id, self._process)
            if stored is not None:
                log.info("sending the kept reply of %s/%s", event.platform, event.event_id)
                return Reply(codec.loads(stored), kept=True)
        return Reply([], fresh=False)

    async def _run_bulk(self, items: list[_BulkItem]) -> list[Reply | Exception]:
        """A batch in one unit of work; should that fail, each event in one of its own,
        so one bad event cannot take the others down with it."""
        try:
            return list(await self._bulk_unit(items))
        except Exception as error:
            if len(items) == 1:
                return [error]
            log.warning("a batch of %d events failed; retrying one by one", len(items))
        results: list[Reply | Exception] = []
        for item in items:
            try:
                results.extend(await self._bulk_unit([item]))
            except Exception as error:
                results.append(error)
        return results

    async def _bulk_unit(self, items: list[_BulkItem]) -> list[Reply]:
        """What `_handle` does for one event, for many, with one statement per step."""
        services = self.services
        results = [Reply([], fresh=False) for _ in items]
        async with services.db.session(inline=True) as session:
            now = services.clock()
            taken = [(i.event.platform, i.event.event_id) for i in items if i.claimed]
            # Claimed events are only touched: still a write first (SQLite's write lock).
            await touch_events(session, taken, now)
            keys = [(i.event.platform, i.event.event_id) for i in items if not i.claimed]
            claimed = await claim_events(session, keys, now) | set(taken)
            fresh = _first_sightings([(i.event.platform, i.event.event_id) for i in items], claimed)
            for index in set(range(len(items))) - set(fresh):
                item = items[index]
                results[index] = await self._unsent_reply(session, item.event, item.keep_reply)
            if not fresh:
                return results
            events = [items[index].event for index in fresh]
            actors = [e.actor for e in events]
            members = await ensure_members(
                session, [(a.platform, a.id, a.display_name, a.username) for a in actors]
            )
            chats = await ensure_chats(
                session, [(e.chat.platform, e.chat.id, e.chat.kind, e.chat.title) for e in events]
            )
            work: list[tuple[int, Context, _Target]] = []
            for index, event in zip(fresh, events, strict=True):
                member = members[event.actor.platform, event.actor.id]
                chat_id = chats[event.chat.platform, event.chat.id]
                ctx = self._context(event, session, member, chat_id)
                await activity.note(ctx)
                target = items[index].target
                results[index] = Reply([])
                try:
                    self._check(ctx, target)
                except UserError as error:
                    results[index] = Reply([_error_reply(ctx, error)])
                    continue
                work.append((index, ctx, target))
            queued = False
            replies: list[tuple[str, str, str]] = []
            if work:
                handler = work[0][2].handler
                outcomes = await handler([(ctx, target.argument) for _, ctx, target in work])
                for (index, ctx, _), outcome in zip(work, outcomes, strict=True):
                    if isinstance(outcome, UserError):
                        results[index] = Reply([_error_reply(ctx, outcome)])
                        continue
                    here, elsewhere = await _queue_elsewhere(ctx, list(outcome))
                    kept = items[index].keep_reply and bool(here)
                    results[index] = Reply(here, kept=kept)
                    if kept:
                        event = ctx.event
                        replies.append((event.platform, event.event_id, codec.dumps(here)))
                    queued = queued or elsewhere
            await keep_replies(session, replies, self._process)
        if queued:
            services.jobs.wake(SEND_JOB)
        for _, ctx, _ in work:
            self._wake(ctx)
        return results

    def _context(
        self, event: Event, session: AsyncSession, member: MemberInfo, chat_id: int
    ) -> Context:
        # The member's choice, else the platform's, else the language the message is
        # written in (Discord messages tell none), else the default.
        written = None if member.locale or event.actor.locale else detect(event.text)
        language = negotiate(
            [member.locale, event.actor.locale, written], self.services.settings.default_locale
        )
        self._languages.put((event.platform, event.actor.id), language)
        return Context(
            event=event,
            session=session,
            services=self.services,
            member=member,
            chat_id=chat_id,
            roles=self._roles(event, member),
            i18n=I18n(language),
            commands=list(self.commands.values()),
            preferences=self.preferences,
        )

    async def _run(self, ctx: Context) -> list[Out]:
        event = ctx.event
        if _too_long(event):  # refused in the person's language, like every answer
            limit = ctx.i18n.number(MAX_INPUT_CHARS)
            return [_reply(event, Text.of(ctx.t(TOO_LONG, limit=limit)))]
        answered = await self._conversation(ctx)
        if answered is not None:
            return answered
        target = self._target(ctx)
        if target is None:
            return []
        self._check(ctx, target)
        argument = target.argument
        if target.command:
            try:
                if event.options is not None:
                    argument = coerce_options(target.params, event.options)
                else:
                    argument = parse_args(target.params, event.args)
            except ArgsError as error:
                detail = error.text(ctx.i18n)
                hint = usage(target.command, target.params, ctx.t)
                raise UserError(N_("{detail} Usage: {usage}"), detail=detail, usage=hint) from None
        return list(await target.handler(ctx, argument))

    async def _conversation(self, ctx: Context) -> list[Out] | None:
        """The person's answer to a guided conversation's step, if they are in one here.
        A command other than /cancel ends the conversation and runs as usual."""
        event, session = ctx.event, ctx.session
        member, chat = ctx.member.member_id, ctx.chat_id
        if event.kind is EventKind.COMMAND:
            if event.command == START_COMMAND and event.chat.kind is ChatKind.DM:
                # Opened from the "start a chat with me" note: go on where it waits.
                waiting = await self._private(ctx)
                if waiting is not None:
                    return await dialogue.ask_again(ctx, *waiting)
            if event.command != CANCEL_COMMAND:
                await conversations.end(session, member, chat)
            return None
        action = decode(event.action or "") if event.kind is EventKind.ACTION else None
        pressed = action is not None and action.kind in (dialogue.ACTION, dialogue.FORM)
        if event.kind not in (EventKind.TEXT, EventKind.PHOTO) and not pressed:
            return None
        # In a private chat, one waiting for it (started in a group) is taken up too.
        private = event.platform if event.chat.kind is ChatKind.DM else None
        record = await conversations.current(session, member, chat, ctx.now(), private)
        flow = self.flows.get(record.flow) if record is not None else None
        if record is None or flow is None:
            if pressed:
                raise UserError(N_("That conversation has ended. Please start it again."))
            return None
        text = event.text
        if action is not None and action.kind == dialogue.FORM:
            text = str((event.options or {}).get(FORM_FIELD) or "")
            if not text:  # the form's button: open it
                return await dialogue.ask_again(ctx, flow, record)
        answer = dialogue.Answer(
            text=text,
            choice=action.args[0] if action is not None and action.args else None,
            photos=event.attachments,
        )
        return await dialogue.proceed(ctx, flow, record, answer)

    async def _private(
        self, ctx: Context
    ) -> tuple[dialogue.Flow, conversations.ConversationRecord] | None:
        """A conversation started in a group for this private chat, taken up here."""
        record = await conversations.take_private(
            ctx.session, ctx.member.member_id, ctx.chat_id, ctx.event.platform, ctx.now()
        )
        flow = self.flows.get(record.flow) if record is not None else None
        if record is None or flow is None:
            return None
        return flow, record

    @staticmethod
    def _check(ctx: Context, target: _Target) -> None:
        """The declared role and scope, refused with a UserError."""
        if target.role not in ctx.roles:
            raise UserError(ROLE_REFUSALS[target.role])
        if target.scope is Scope.DM and ctx.event.chat.kind is not ChatKind.DM:
            raise UserError(N_("Please use this command in a private chat with me."))
        if target.scope is Scope.GROUP and ctx.event.chat.kind is ChatKind.DM:
            raise UserError(N_("This command works in group chats only."))

    def _bulk_target(self, event: Event) -> _Target | None:
        """The bulk route for an event (vote presses, native poll answers), if it has one."""
        if event.kind is EventKind.POLL_VOTE and self.poll_vote_handler is not None:
            return _Target(self.poll_vote_handler, event.poll_vote, Role.SHOPPER, Scope.ANYWHERE)
        if event.kind is EventKind.ACTION:
            action = decode(event.action or "")
            route = self.actions.get(action.kind) if action else None
            if action is not None and route is not None and route.bulk:
                return _Target(route.handler, action.args, route.role, Scope.ANYWHERE)
        return None

    def _target(self, ctx: Context) -> _Target | None:
        event = ctx.event
        if event.kind is EventKind.COMMAND:
            linked = self._deep_link(event)
            if linked is not None:
                return linked
            command = self.commands.get(event.command or "")
            if command is None:
                raise UserError(
                    N_("I don't know the command /{name}. Send /help to see what I can do."),
                    name=(event.command or "")[:32],
                )
            return _Target(
                command.handler, None, command.role, command.scope, command.params, command.name
            )
        if event.kind is EventKind.ACTION:
            action = decode(event.action or "")
            route = self.actions.get(action.kind) if action else None
            if action is None or route is None:
                raise UserError(N_("That button no longer works. Please ask again."))
            return _Target(route.handler, action.args, route.role, Scope.ANYWHERE)
        if event.kind is EventKind.TEXT and self.text_handler is not None:
            return _Target(self.text_handler, event.text, Role.SHOPPER, Scope.ANYWHERE)
        if event.kind is EventKind.INLINE and self.inline_handler is not None:
            return _Target(self.inline_handler, event.text, Role.SHOPPER, Scope.ANYWHERE)
        if event.kind is EventKind.PHOTO and self.photo_handler is not None:
            return _Target(self.photo_handler, event.attachments, Role.SHOPPER, Scope.ANYWHERE)
        if event.kind is EventKind.PHOTO and event.text and self.text_handler is not None:
            # A question sent with a picture, where no feature takes pictures: the words.
            return _Target(self.text_handler, event.text, Role.SHOPPER, Scope.ANYWHERE)
        if event.kind is EventKind.JOIN:
            return _Target(self._joined, None, Role.SHOPPER, Scope.ANYWHERE)
        if event.kind is EventKind.LEAVE:
            return _Target(self._left, None, Role.SHOPPER, Scope.ANYWHERE)
        return None

    def _deep_link(self, event: Event) -> _Target | None:
        """`/start <prefix>-<args>` for a feature that answers that deep link."""
        if event.command != START_COMMAND:
            return None
        payload = str((event.options or {}).get("payload") or event.args).strip()
        prefix, _, rest = payload.partition("-")
        handler = self.starts.get(prefix) if rest else None
        if handler is None:
            return None
        return _Target(handler, tuple(rest.split("-")), Role.SHOPPER, Scope.ANYWHERE)

    async def _left(self, ctx: Context, _: None) -> list[Out]:
        """Every feature's leave handler, in one unit of work."""
        outs: list[Out] = []
        for handler in self.leave_handlers:
            outs += await handler(ctx)
        return outs

    async def _joined(self, ctx: Context, _: None) -> list[Out]:
        """Every feature's join handler, in one unit of work."""
        outs: list[Out] = []
        for handler in self.join_handlers:
            outs += await handler(ctx)
        return outs

    def _roles(self, event: Event, member: MemberInfo) -> frozenset[Role]:
        settings = self.services.settings
        key = f"{event.actor.platform}:{event.actor.id}"
        roles = {Role.SHOPPER}
        if key in settings.owner_ids:
            roles |= {Role.OWNER, Role.MODERATOR, Role.VENDOR}
        if event.actor.is_chat_admin or key in settings.moderator_ids:
            roles.add(Role.MODERATOR)
        if member.is_vendor or key in settings.vendor_ids:
            roles.add(Role.VENDOR)
        if roles & {Role.MODERATOR, Role.VENDOR}:
            roles.add(Role.STAFF)
        return frozenset(roles)


@dataclass(frozen=True)
class _BulkItem:
    event: Event
    target: _Target
    claimed: bool  # taken by the adapter already (Router.claim)
    keep_reply: bool


def _add_unique(into: dict[str, Any], new: dict[str, Any], what: str) -> None:
    for name in new:
        if name in into:
            raise ValueError(f"{what} {name!r} declared twice")
    into.update(new)


def _first_sightings(keys: list[tuple[str, str]], claimed: set[tuple[str, str]]) -> list[int]:
    """Indexes of the events to handle: newly claimed ones, and the same update twice in
    one batch only once."""
    fresh = []
    for index, key in enumerate(keys):
        if key in claimed:
            claimed.discard(key)
            fresh.append(index)
        else:
            log.info("ignoring redelivered event %s/%s", *key)
    return fresh


async def _queue_elsewhere(ctx: Context, outs: list[Out]) -> tuple[list[Out], bool]:
    """Content for other chats (a mirrored poll) waits in the outbox, written in this
    unit of work: it goes out from whichever process runs its platform, and a crash
    after the commit loses none of it. The rest is the reply; and whether any waits."""
    here: list[Out] = []
    queued = False
    for number, out in enumerate(outs):
        if not isinstance(out, ToChat):
            here.append(out)
            continue
        content = out.content
        await outbox.put(
            ctx.session,
            f"event:{ctx.event.platform}:{ctx.event.event_id}:{number}",
            out.chat.platform,
            out.chat.id,
            out.chat.kind,
            codec.dumps([content]),
            ctx.now(),
            expires_at=content.closes_at if isinstance(content, Poll) else None,
        )
        queued = True
    return here, queued


class _Recent:
    """The language each of the last `size` people was answered in."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], str] = OrderedDict()

    def put(self, key: tuple[str, str], language: str) -> None:
        self._entries.pop(key, None)
        self._entries[key] = language
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def get(self, key: tuple[str, str]) -> str | None:
        return self._entries.get(key)


def _too_long(event: Event) -> bool:
    return max(len(event.text), len(event.args)) > MAX_INPUT_CHARS


def _cleaned(event: Event) -> Event:
    return replace(event, text=clean_text(event.text).strip(), args=clean_text(event.args).strip())


def _error_reply(ctx: Context, error: UserError) -> Out:
    return _reply(ctx.event, Text.of(error.text(ctx.i18n)))


def _reply(event: Event, text: Text) -> Out:
    """Errors go privately where the platform can: in groups, so the chat stays tidy, and
    on button presses, where Telegram shows them as an alert on the button."""
    private = event.chat.kind is not ChatKind.DM or event.kind is EventKind.ACTION
    return Ephemeral(text) if private else text


def visible_commands(commands: Sequence[Command], roles: frozenset[Role]) -> list[Command]:
    return [command for command in commands if command.role in roles]
