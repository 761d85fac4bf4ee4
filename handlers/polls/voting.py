"""Votes, many per unit of work: a burst of presses or native answers on a popular poll
is read and written with a handful of statements in all, not a handful per vote."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import earning, signals
from handlers.core.args import MAX_INT
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Outcome
from handlers.core.i18n import N_
from handlers.core.model import Ephemeral, PollVote, Text
from storage import points, polls
from storage.polls import Ballot, OptionRecord, PollView
from storage.signals import Kind, SignalFact, record

BROKEN = N_("That button no longer works. Please ask again.")


class _BallotBox:
    """The current choices of the members voting in a batch, changed in arrival order
    (one member may vote twice in a batch) and saved together."""

    def __init__(self, session: AsyncSession, views: dict[int, PollView]):
        self._session = session
        self._views = views
        self._before: dict[Ballot, set[int]] = {}
        self._after: dict[Ballot, set[int]] = {}
        self._staff: set[Ballot] = set()

    async def load(self, ballots: Sequence[Ballot]) -> None:
        self._before = await polls.choices(self._session, ballots)

    def current(self, ballot: Ballot) -> set[int]:
        return set(self._after.get(ballot, self._before.get(ballot, set())))

    def put(self, ctx: Context, ballot: Ballot, choice: set[int]) -> None:
        self._after[ballot] = choice
        if any(role in ctx.roles for role in signals.STAFF):
            self._staff.add(ballot)

    async def save(self, ctx: Context) -> None:
        """Save the batch's changes; a member's first vote in a poll earns points (once
        per poll: withdrawing and voting again pays nothing more)."""
        changes = {
            ballot: (self._before.get(ballot, set()), after)
            for ballot, after in self._after.items()
            if after != self._before.get(ballot, set())
        }
        single = {poll_id for poll_id, view in self._views.items() if not view.poll.multiple}
        await polls.save_choices(self._session, changes, single)
        await record(self._session, self._product_votes(changes, ctx.now()))
        firsts = {
            f"vote:{poll_id}:{member_id}": (poll_id, member_id)
            for (poll_id, member_id), (before, after) in changes.items()
            if not before and after
        }
        # One read for the batch: a vote cast again after a withdrawal paid already.
        done = await points.paid(self._session, list(firsts))
        settings, now = ctx.services.settings, ctx.now()
        scopes: dict[int, str | None] = {}  # per poll: the rules of its community
        for source, (poll_id, member_id) in firsts.items():
            if source in done:
                continue
            if poll_id not in scopes:
                chat_id = self._views[poll_id].poll.chat_id
                scopes[poll_id] = await earning.community_of(self._session, chat_id)
            await earning.earn(
                self._session,
                settings,
                member_id,
                earning.Earning.VOTE,
                source,
                now,
                scopes[poll_id],
            )

    def _product_votes(
        self, changes: dict[Ballot, tuple[set[int], set[int]]], now: datetime
    ) -> list[SignalFact]:
        """A vote for an option that is a product is a signal for it, in the poll's
        chat (keyed by poll and member: voting again after a withdrawal counts once)."""
        facts = []
        for (poll_id, member_id), (before, after) in changes.items():
            view = self._views[poll_id]
            for option in view.options:
                if option.product_id is not None and option.id in after - before:
                    key = f"vote:{poll_id}:{member_id}:{option.product_id}"
                    staff = (poll_id, member_id) in self._staff
                    facts.append(
                        SignalFact(
                            key,
                            view.poll.chat_id,
                            option.product_id,
                            member_id,
                            Kind.VOTE,
                            now,
                            staff,
                        )
                    )
        return facts


def _is_open(ctx: Context, view: PollView) -> bool:
    return view.poll.closed_at is None and view.poll.closes_at > ctx.now()


def _number(text: str) -> int | None:
    """A token's number: ASCII digits only ("²" is a digit to Python, not to int()), and
    small enough for an INTEGER column."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_INT))):
        return None
    number = int(text)
    return number if number <= MAX_INT else None


def _pressed(
    ctx: Context,
    args: tuple[str, ...],
    views: dict[int, PollView],
    running: set[tuple[int, int]],
) -> tuple[PollView, OptionRecord] | UserError:
    """Validate a vote token: never trust its contents. The poll must run in the chat
    where the button was pressed, so a forged token cannot vote in another community."""
    poll_id, position = (_number(a) for a in args) if len(args) == 2 else (None, None)
    if poll_id is None or position is None:
        return UserError(BROKEN)
    view = views.get(poll_id)
    if view is None or (poll_id, ctx.chat_id) not in running:
        return UserError(N_("That poll no longer exists."))
    if not _is_open(ctx, view):
        return UserError(N_("This poll is closed."))
    if position >= len(view.options):
        return UserError(BROKEN)
    return view, view.options[position]


async def presses(items: Sequence[tuple[Context, tuple[str, ...]]]) -> list[Outcome]:
    """Vote buttons. A press picks that option (toggles it, in multiple choice); pressing
    the picked option again withdraws the vote."""
    first = items[0][0]
    poll_ids = {_number(args[0]) or 0 for _, args in items if args}
    chat_ids = {ctx.chat_id for ctx, _ in items}
    views, running = await polls.with_posts_in(first.session, poll_ids, chat_ids)
    checked = [_pressed(ctx, args, views, running) for ctx, args in items]
    box = _BallotBox(first.session, views)
    await box.load(
        [
            (found[0].id, ctx.member.member_id)
            for (ctx, _), found in zip(items, checked, strict=True)
            if not isinstance(found, UserError)
        ]
    )
    outcomes: list[Outcome] = []
    for (ctx, _), found in zip(items, checked, strict=True):
        if isinstance(found, UserError):
            outcomes.append(found)
            continue
        view, option = found
        ballot = (view.id, ctx.member.member_id)
        mine = box.current(ballot)
        option_id = option.id
        if view.poll.multiple:
            mine ^= {option_id}
        else:
            mine = set() if mine == {option_id} else {option_id}
        box.put(ctx, ballot, mine)
        texts = [o.text for o in view.options if o.id in mine]
        outcomes.append(
            [Ephemeral(ctx.rich(N_("Your vote: {choice}"), choice=", ".join(texts)))]
            if texts
            else [Ephemeral(Text.of(ctx.t(N_("Your vote is withdrawn."))))]
        )
    await box.save(first)
    return outcomes


async def answers(items: Sequence[tuple[Context, PollVote]]) -> list[Outcome]:
    """Native poll answers (Telegram sends the whole choice, Discord one option added or
    removed at a time). Answers to polls that are not ours or closed are ignored: native
    polls are stopped at closing, so those are late deliveries."""
    first = items[0][0]
    poll_of: dict[tuple[str, str], int] = {}
    for platform in {ctx.event.platform for ctx, _ in items}:
        refs = {vote.poll_ref for ctx, vote in items if ctx.event.platform == platform}
        for ref, poll_id in (await polls.by_native_refs(first.session, platform, refs)).items():
            poll_of[platform, ref] = poll_id
    views = await polls.get_many(first.session, set(poll_of.values()))
    accepted: list[tuple[Context, PollVote, PollView]] = []
    for ctx, vote in items:
        view = views.get(poll_of.get((ctx.event.platform, vote.poll_ref), 0))
        if view is not None and _is_open(ctx, view):
            accepted.append((ctx, vote, view))
    box = _BallotBox(first.session, views)
    await box.load([(view.id, ctx.member.member_id) for ctx, _, view in accepted])
    for ctx, vote, view in accepted:
        ballot = (view.id, ctx.member.member_id)
        ids = {view.options[i].id for i in vote.option_ids if 0 <= i < len(view.options)}
        mine = box.current(ballot)
        if vote.change == "set" or (vote.change == "add" and not view.poll.multiple):
            mine = ids
        elif vote.change == "add":
            mine |= ids
        else:
            mine -= ids
        box.put(ctx, ballot, mine)
    await box.save(first)
    return [[] for _ in items]
