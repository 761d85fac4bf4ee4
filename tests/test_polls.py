"""Style polls through the router, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest
from PIL import Image as PILImage
from sqlmodel import col, func, select

from bot.app import App, build_app
from handlers.core.model import (
    ChatKind,
    ChatRef,
    ClosePoll,
    Edit,
    Event,
    EventKind,
    Image,
    Out,
    Poll,
    PollVote,
    SentRef,
    Text,
    ToChat,
    UserRef,
)
from handlers.polls.chart import bar_chart
from handlers.polls.closing import close_due
from storage.models import PollRow, PollVoteRow
from tests.support import Clock, action, command, plain

GROUP = ChatRef("telegram", "-100900", ChatKind.GROUP, title="TG shop")
CHANNEL = ChatRef("discord", "5500", ChatKind.GROUP, title="dc-shop", guild_id="1")
MOD = UserRef("telegram", "1", "Mona", "mona", "en", is_chat_admin=True)
DC_MOD = UserRef("discord", "2", "Dmitri", "dmitri", "en-US", is_chat_admin=True)


def shopper(n: int, platform: str = "telegram") -> UserRef:
    return UserRef(platform, str(1000 + n), f"Shopper {n}", None, "en")


class Deliveries:
    """Records what the closing job posts, per chat."""

    def __init__(self) -> None:
        self.sent: list[tuple[ChatRef, list[Out]]] = []

    async def __call__(
        self, chat: ChatRef, outs: Sequence[Out], key: str | None = None, replace: bool = False
    ) -> None:
        self.sent.append((chat, list(outs)))

    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> None:
        """As a platform's sender: what the outbox sends there."""
        await self(chat, outs)


async def poll_count(app: App) -> int:
    async with app.db.session() as session:
        return (await session.exec(select(func.count()).select_from(PollRow))).one()


async def create(
    app: App, spec: str, chat: ChatRef = GROUP, actor: UserRef = MOD, deadline: str = "2h"
) -> list[Out]:
    return list(
        await app.router.dispatch(command("poll", f"{deadline} {spec}", actor=actor, chat=chat))
    )


def poll_of(outs: list[Out]) -> Poll:
    return next(o for o in outs if isinstance(o, Poll))


async def vote(app: App, poll: Poll, index: int, who: UserRef, chat: ChatRef = GROUP) -> str:
    return plain(
        await app.router.dispatch(action(f"vote:{poll.ref}:{index}", actor=who, chat=chat))
    )


async def tally(app: App, poll: Poll) -> dict[str, int]:
    from storage import polls

    async with app.db.session() as session:
        view = await polls.get(session, int(poll.ref))
        assert view is not None
        counts, _ = await polls.tally(session, view.id)
        return {o.text: counts.get(o.id or 0, 0) for o in view.options}


@pytest.mark.parametrize(
    ("deadline", "spec", "message"),
    [
        ("2h", "Which colour? | Sand", "2 to 10 options"),
        ("2h", "Many? | " + " | ".join(f"o{i}" for i in range(11)), "2 to 10 options"),
        ("2h", "Which colour? | Sand | sand", "there twice"),
        ("2h", " | Sand | Olive", "needs a question"),
        ("2h", "Q" * 301 + " | a | b", "question is too long"),
        ("2h", "Q? | " + "a" * 101 + " | b", "option is too long"),
        ("2h", "Q? | a |  | b", "option is empty"),
        ("2020-01-01", "Q? | a | b", "in the past"),
        ("91d", "Q? | a | b", "at most 90 days"),
        ("soon", "Q? | a | b", "can't read the deadline"),
        ("2h", "Q? | Sand [NOPE-1] | b", "no product with SKU NOPE-1"),
        ("2h", "--everywhere Q? | a | b", "not linked to other chats"),
    ],
)
async def test_bad_polls_are_refused_and_create_nothing(
    app: App, deadline: str, spec: str, message: str
) -> None:
    reply = plain(await create(app, spec, deadline=deadline))
    assert message in reply
    assert await poll_count(app) == 0


@pytest.mark.parametrize(
    ("spec", "question", "multiple", "hidden"),
    [
        ("All good for summer? | Yes | No", "All good for summer?", False, False),
        ("Hidden gems? | A | B", "Hidden gems?", False, False),
        ("Multi-pack or single? | Multi | Single", "Multi-pack or single?", False, False),
        ("Everywhere at once? | A | B", "Everywhere at once?", False, False),
        ("--hidden --multi Extras? | Hood | Zip", "Extras?", True, True),
        ("—multi –HIDDEN Extras? | Hood | Zip", "Extras?", True, True),  # phones' dashes
    ],
)
async def test_a_question_may_start_with_any_word(
    app: App, spec: str, question: str, multiple: bool, hidden: bool
) -> None:
    poll = poll_of(await create(app, spec))
    assert (poll.question, poll.multiple) == (question, multiple)
    async with app.db.session() as session:
        row = await session.get(PollRow, int(poll.ref))
        assert row is not None and (row.hide_results, row.community_id) == (hidden, None)


async def test_an_unknown_flag_is_refused(app: App) -> None:
    reply = plain(await create(app, "--secret Q? | a | b"))
    assert "don't know the option --secret" in reply and "--everywhere" in reply
    assert await poll_count(app) == 0


async def test_only_moderators_create_polls(app: App) -> None:
    assert "Only moderators" in plain(await create(app, "Q? | a | b", actor=shopper(1)))
    assert await poll_count(app) == 0


async def test_votes_change_retract_and_count_once(app: App) -> None:
    outs = await create(app, "Which colour? | Sand | Olive [BAG-001] | Navy")
    poll = poll_of(outs)
    assert [o.text for o in poll.options] == ["Sand", "Olive", "Navy"]
    assert poll.options[1].image_url == "https://shop.example.com/img/bag-001.jpg"
    alice, bob = shopper(1), shopper(2)
    assert "Your vote: Olive" in await vote(app, poll, 1, alice)
    assert "Your vote: Navy" in await vote(app, poll, 2, alice)  # changed
    await vote(app, poll, 2, bob)
    assert await tally(app, poll) == {"Sand": 0, "Olive": 0, "Navy": 2}
    assert "withdrawn" in await vote(app, poll, 2, bob)  # pressing it again retracts
    # The same update delivered twice counts once.
    press = Event("telegram", "dup-vote", EventKind.ACTION, bob, GROUP, action=f"vote:{poll.ref}:0")
    await app.router.dispatch(press)
    await app.router.dispatch(press)
    assert await tally(app, poll) == {"Sand": 1, "Olive": 0, "Navy": 1}


async def test_a_burst_of_concurrent_votes_is_exact(app: App) -> None:
    """Concurrent presses are handled in batches: redeliveries inside one batch, members
    pressing twice in one batch (a change, a withdrawal), a forged token among them."""
    import asyncio
    from dataclasses import replace

    poll = poll_of(await create(app, "Which colour? | Sand | Olive | Navy"))
    presses = [action(f"vote:{poll.ref}:{n % 3}", actor=shopper(n), chat=GROUP) for n in range(60)]
    redelivered = [replace(p) for p in presses[:10]]
    changed = action(f"vote:{poll.ref}:2", actor=shopper(0), chat=GROUP)  # Sand -> Navy
    again = action(f"vote:{poll.ref}:1", actor=shopper(1), chat=GROUP)  # Olive withdrawn
    forged = action(f"vote:{poll.ref}:7", actor=shopper(99), chat=GROUP)
    replies = await asyncio.gather(
        *(app.router.dispatch(e) for e in [*presses, *redelivered, changed, again, forged])
    )
    assert sum("Your vote:" in plain(r) for r in replies) == 61
    assert "withdrawn" in plain(replies[-2]) and "no longer works" in plain(replies[-1])
    assert await tally(app, poll) == {"Sand": 19, "Olive": 19, "Navy": 21}


async def test_multiple_choice_toggles(app: App) -> None:
    poll = poll_of(await create(app, "--multi Which extras? | Hood | Pockets | Zip"))
    alice = shopper(1)
    await vote(app, poll, 0, alice)
    assert "Your vote: Hood, Zip" in await vote(app, poll, 2, alice)
    assert "Your vote: Hood, Pockets, Zip" in await vote(app, poll, 1, alice)
    assert "Your vote: Hood, Zip" in await vote(app, poll, 1, alice)  # toggled off again
    assert await tally(app, poll) == {"Hood": 1, "Pockets": 0, "Zip": 1}


async def test_forged_and_late_votes_change_nothing(app: App, clock: Clock) -> None:
    poll = poll_of(await create(app, "Q? | a | b"))
    alice = shopper(1)
    for token in (
        f"vote:{poll.ref}:9",
        "vote:999:0",
        f"vote:{poll.ref}:x",
        "vote:1",
        f"vote:{poll.ref}:²",
        "vote:99999999999999999999:0",
        "vote:2147483648:0",
    ):
        reply = plain(await app.router.dispatch(action(token, actor=alice, chat=GROUP)))
        assert "no longer" in reply
    clock.advance(hours=3)
    assert "closed" in await vote(app, poll, 0, alice)
    assert await tally(app, poll) == {"a": 0, "b": 0}


async def test_linked_accounts_vote_once(app: App) -> None:
    await link_chats(app)
    poll = poll_of(await create(app, "--everywhere Q? | a | b"))
    tg, dc = shopper(7), shopper(7, "discord")
    dm_tg = ChatRef("telegram", tg.id, ChatKind.DM)
    dm_dc = ChatRef("discord", dc.id, ChatKind.DM)
    await vote(app, poll, 0, dc, CHANNEL)  # before linking: two people as far as we know
    issued = plain(await app.router.dispatch(command("linkme", actor=tg, chat=dm_tg)))
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await app.router.dispatch(command("linkme", code, actor=dc, chat=dm_dc))
    assert await tally(app, poll) == {"a": 1, "b": 0}  # the vote made before linking stays
    await vote(app, poll, 1, tg)  # single choice: the person's vote changes to b
    assert await tally(app, poll) == {"a": 0, "b": 1}
    await vote(app, poll, 1, dc, CHANNEL)  # the same person: pressing again retracts
    await vote(app, poll, 0, dc, CHANNEL)
    async with app.db.session() as session:
        voters = (
            await session.exec(
                select(func.count(func.distinct(PollVoteRow.member_id))).where(
                    PollVoteRow.poll_id == int(poll.ref)
                )
            )
        ).one()
    assert voters == 1 and await tally(app, poll) == {"a": 1, "b": 0}


async def link_chats(app: App) -> None:
    issued = plain(await app.router.dispatch(command("link", actor=MOD, chat=GROUP)))
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await app.router.dispatch(command("link", code, actor=DC_MOD, chat=CHANNEL))


async def test_mirrored_poll_one_tally_closes_everywhere(app: App, clock: Clock) -> None:
    await link_chats(app)
    outs = await create(app, "--everywhere Which colour? | Sand | Olive | Navy")
    poll = poll_of(outs)
    # The Discord copy waits in the outbox for a process that runs Discord.
    assert not any(isinstance(o, ToChat) for o in outs)
    discord = Deliveries()
    app.outbox.register("discord", discord)
    assert await app.outbox.drain() == 1
    [(chat, [mirror])] = discord.sent
    assert chat.id == CHANNEL.id and mirror == poll
    assert await app.outbox.drain() == 0  # sent once
    # The adapters report where the poll went; native votes then find it.
    await app.router.sent("telegram", GROUP.id, poll, SentRef(GROUP.id, "11", "tg-poll-1"))
    await app.router.sent("discord", CHANNEL.id, poll, SentRef(CHANNEL.id, "22", "22"))
    votes = [
        ("telegram", "tg-poll-1", shopper(1), (0,), "set"),
        ("telegram", "tg-poll-1", shopper(2), (1,), "set"),
        ("discord", "22", shopper(3, "discord"), (1,), "add"),
        ("discord", "22", shopper(4, "discord"), (2,), "add"),
        ("discord", "22", shopper(4, "discord"), (2,), "remove"),
        ("discord", "22", shopper(4, "discord"), (1,), "add"),
    ]
    for i, (platform, ref, who, options, change) in enumerate(votes):
        chat = GROUP if platform == "telegram" else CHANNEL
        await app.router.dispatch(
            Event(
                platform,
                f"v{i}",
                EventKind.POLL_VOTE,
                who,
                chat,
                poll_vote=PollVote(ref, options, change),
            )
        )  # type: ignore[arg-type]
    assert await tally(app, poll) == {"Sand": 1, "Olive": 3, "Navy": 0}
    deliveries = Deliveries()
    clock.advance(hours=2, seconds=1)
    assert await close_due(app.services, deliveries) == 1
    assert {chat.platform for chat, _ in deliveries.sent} == {"telegram", "discord"}
    for _chat, posted in deliveries.sent:
        assert isinstance(posted[0], ClosePoll)  # the native poll is stopped
        assert "Olive: 3 votes (75%)" in plain(posted)
        assert any(isinstance(o, Image) and o.data for o in posted)
    assert await close_due(app.services, deliveries) == 0 and len(deliveries.sent) == 2


async def test_restart_before_the_deadline_still_closes_on_time(app: App, clock: Clock) -> None:
    poll = poll_of(await create(app, "Q? | a | b", deadline="2h"))
    await vote(app, poll, 1, shopper(1))
    await app.close()  # the bot stops...
    clock.advance(hours=5)  # ...and comes back after the deadline passed
    restarted = build_app(app.settings, clock=clock)
    try:
        deliveries = Deliveries()
        assert await close_due(restarted.services, deliveries) == 1
        [(chat, posted)] = deliveries.sent
        assert chat.id == GROUP.id and "Final result" in plain(posted)
    finally:
        await restarted.close()


async def test_a_restart_before_the_deadline_reschedules_it_from_the_database(
    app: App,
) -> None:
    """Real time and the real scheduler: the poll is created by one process, which
    stops; the next one learns the deadline only from the database and closes the poll
    when it falls due, posting the result."""
    import asyncio
    from datetime import UTC, datetime

    # The first process runs almost 30 minutes in the past, as if it had created the
    # "30m" poll then: the deadline, in real time, is 1.5 s away.
    def earlier() -> datetime:
        return datetime.now(UTC) - timedelta(minutes=30) + timedelta(seconds=1.5)

    first = build_app(app.settings, clock=earlier)
    poll = poll_of(await create(first, "Q? | a | b", deadline="30m"))
    await first.close()
    async with app.db.session() as session:
        row = await session.get(PollRow, int(poll.ref))
    assert row is not None
    deadline = row.closes_at
    posted: list[tuple[datetime, list[Out]]] = []

    class Chat:
        async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> None:
            posted.append((datetime.now(UTC), list(outs)))

    second = build_app(app.settings)  # real time, and the real scheduler
    second.outbox.register("telegram", Chat())
    await second.start_background()
    try:
        for _ in range(200):
            if posted:
                break
            await asyncio.sleep(0.1)
    finally:
        await second.close()
    [(when, outs)] = posted
    # Well before the minute's sweep would have found it: the alarm came from the
    # database (a loaded machine may run it a few seconds late).
    assert deadline <= when < deadline + timedelta(seconds=15)
    assert "Final result" in plain(outs)


async def test_a_poll_whose_creating_process_died_is_closed_by_another(app: App) -> None:
    """The process that created a poll (and its alarm) is gone: another process, running
    since before the poll existed, closes it on its next sweep."""
    import asyncio
    from datetime import UTC, datetime

    posted: list[list[Out]] = []

    class Chat:
        async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> None:
            posted.append(list(outs))

    survivor = build_app(app.settings)
    survivor.jobs.sweep = timedelta(seconds=0.5)
    survivor.outbox.register("telegram", Chat())
    await survivor.start_background()
    try:

        def earlier() -> datetime:  # as in the test above: the deadline is 1.5 s away
            return datetime.now(UTC) - timedelta(minutes=30) + timedelta(seconds=1.5)

        creator = build_app(app.settings, clock=earlier)
        await create(creator, "Q? | a | b", deadline="30m")
        await creator.close()  # dies without ever closing it
        for _ in range(100):
            if posted:
                break
            await asyncio.sleep(0.1)
    finally:
        await survivor.close()
    [outs] = posted
    assert "Final result" in plain(outs)


async def test_a_result_claimed_by_a_process_that_died_is_posted_after_the_lease(
    app: App, clock: Clock
) -> None:
    from handlers.polls.closing import RESULT_ATTEMPTS, RESULTS_LEASE
    from storage import polls

    poll = poll_of(await create(app, "Q? | a | b", deadline="2h"))
    clock.advance(hours=3)
    async with app.db.session() as session:  # the other process closes and claims...
        assert await polls.claim_close(session, int(poll.ref), clock())
        [post] = await polls.unsent_results(session, clock(), RESULTS_LEASE, RESULT_ATTEMPTS)
        assert await polls.claim_results(session, post.id, clock(), RESULTS_LEASE, RESULT_ATTEMPTS)
    # ...and dies before posting. While its lease runs, nobody posts twice;
    deliveries = Deliveries()
    await close_due(app.services, deliveries)
    assert deliveries.sent == []
    async with app.db.session() as session:  # a restart schedules the lease's end,
        assert await polls.lease_ends(session, RESULTS_LEASE) == [clock() + RESULTS_LEASE]
    clock.advance(minutes=5)  # and once it ends, the result goes out, once.
    await close_due(app.services, deliveries)
    await close_due(app.services, deliveries)
    assert [chat.id for chat, _ in deliveries.sent] == [GROUP.id]
    assert "Final result" in plain(deliveries.sent[0][1])


async def test_a_failed_result_post_is_retried_and_sent_once(app: App, clock: Clock) -> None:
    poll_of(await create(app, "Q? | a | b", deadline="2h"))
    clock.advance(hours=3)

    async def platform_down(chat: ChatRef, outs: Sequence[Out], key: str | None = None) -> None:
        raise ConnectionError("platform unreachable")

    await close_due(app.services, platform_down)
    clock.advance(minutes=1)
    ok = Deliveries()
    await close_due(app.services, ok)
    await close_due(app.services, ok)
    assert [chat.id for chat, _ in ok.sent] == [GROUP.id]


async def test_a_failed_result_post_is_retried_then_given_up(app: App, clock: Clock) -> None:
    from handlers.polls.closing import RESULT_ATTEMPTS

    poll_of(await create(app, "Q? | a | b", deadline="2h"))
    clock.advance(hours=3)
    tries: list[ChatRef] = []

    async def platform_down(chat: ChatRef, outs: Sequence[Out], key: str | None = None) -> None:
        tries.append(chat)
        raise ConnectionError("platform unreachable")

    assert await close_due(app.services, platform_down) == 1
    for _ in range(RESULT_ATTEMPTS + 2):
        clock.advance(minutes=10)
        await close_due(app.services, platform_down)
    assert len(tries) == RESULT_ATTEMPTS  # then it stops trying
    ok = Deliveries()
    await close_due(app.services, ok)
    assert ok.sent == []


async def test_results_respect_hidden_until_closed_and_export(app: App) -> None:
    poll = poll_of(await create(app, "--hidden Q? | a | b"))
    await vote(app, poll, 0, shopper(1))
    shown = await app.router.dispatch(command("results", actor=shopper(2), chat=GROUP))
    assert "shown when it closes" in plain(shown)
    moderator_view = await app.router.dispatch(command("results", actor=MOD, chat=GROUP))
    assert "a: 1 vote (100%)" in plain(moderator_view)
    exported = await app.router.dispatch(command("export", actor=MOD, chat=GROUP))
    document = exported[0].content  # type: ignore[union-attr]
    assert document.data.decode() == "member,choice\nShopper 1,a\n"
    refused = await app.router.dispatch(command("close", actor=shopper(2), chat=GROUP))
    assert "Only moderators" in plain(refused)
    assert "Closed" in plain(await app.router.dispatch(command("close", actor=MOD, chat=GROUP)))
    assert "closed" in plain(await app.router.dispatch(command("close", actor=MOD, chat=GROUP)))


def test_chart_is_a_real_png_with_one_bar_per_option() -> None:
    data = bar_chart("Which colour?", ["Sand", "Olive", "Navy", "Red"], [3, 9, 1, 0])
    picture = PILImage.open(io.BytesIO(data))
    assert picture.format == "PNG" and picture.size == (800, 160 + 48 * 4)
    rgb = picture.convert("RGB")
    colours = {(0x2E, 0x7D, 0x32), (0x90, 0xA4, 0xAE)}  # winner, others
    runs, inside = 0, False
    for y in range(rgb.height):  # count bands of rows that hold bar colour
        bar = any(rgb.getpixel((x, y)) in colours for x in range(0, rgb.width, 4))
        runs += bar and not inside
        inside = bar
    assert runs == 3  # Sand, Olive, Navy; Red has no votes, so no bar


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_two_processes_2000_votes_exact_tally_one_close_per_chat(
    app: App, clock: Clock
) -> None:
    """500 members, 4 vote events each (one a redelivery), spread over two engines on one
    database, concurrently; then both try to close the poll at once."""
    import asyncio

    await link_chats(app)
    poll = poll_of(await create(app, "--everywhere Which colour? | Sand | Olive | Navy"))
    await app.router.sent("telegram", GROUP.id, poll, SentRef(GROUP.id, "11", "tg-poll-1"))
    other = build_app(app.settings, clock=clock)  # the second bot process
    routers = [app.router, other.router]

    async def member_votes(n: int) -> None:
        who = shopper(n)
        final = n % 3
        events = [
            (f"m{n}-1", (final + 1) % 3),
            (f"m{n}-2", final),
            (f"m{n}-3", final),
            (f"m{n}-3", final),
        ]  # the last one is a redelivered update
        for i, (event_id, option) in enumerate(events):
            await routers[(n + i) % 2].dispatch(
                Event(
                    "telegram",
                    event_id,
                    EventKind.POLL_VOTE,
                    who,
                    GROUP,
                    poll_vote=PollVote("tg-poll-1", (option,)),
                )
            )

    try:
        await asyncio.gather(*(member_votes(n) for n in range(500)))
        assert await tally(app, poll) == {"Sand": 167, "Olive": 167, "Navy": 166}
        clock.advance(hours=3)
        first, second = Deliveries(), Deliveries()
        closed = await asyncio.gather(
            close_due(app.services, first), close_due(other.services, second)
        )
        assert sorted(closed) == [0, 1]
        posted = first.sent + second.sent
        assert sorted(chat.platform for chat, _ in posted) == ["discord", "telegram"]
    finally:
        await other.close()


async def test_button_polls_show_live_counts_edited_in_bulk(app: App) -> None:
    from handlers.polls.live import show_counts

    await link_chats(app)
    poll = poll_of(await create(app, "--everywhere Which colour? | Sand | Olive | Navy"))
    # Telegram shows it natively; Discord (say, options too long) as buttons.
    await app.router.sent("telegram", GROUP.id, poll, SentRef(GROUP.id, "11", "tg-poll-1"))
    await app.router.sent("discord", CHANNEL.id, poll, SentRef(CHANNEL.id, "22", None))
    deliveries = Deliveries()
    services = replace(app.services, post=deliveries)
    assert await show_counts(services) == 0  # no votes yet: the copy shows the poll as posted
    for n in range(10):  # ten votes in a burst...
        await vote(app, poll, n % 2, shopper(n), CHANNEL)
    assert await show_counts(services) == 1  # ...one edit, of the button copy only
    [(chat, [change])] = deliveries.sent
    assert chat.platform == "discord" and change.ref == SentRef(CHANNEL.id, "22")  # type: ignore[union-attr]
    text = plain([change.content])  # type: ignore[union-attr]
    assert "1. Sand — 5" in text and "2. Olive — 5" in text and "10 people voted." in text
    assert await show_counts(services) == 0  # nothing changed: no edit
    other = build_app(app.settings, clock=app.services.clock)  # another process
    try:
        await vote(app, poll, 2, shopper(11), CHANNEL)
        counts = [await show_counts(replace(other.services, post=deliveries))]
        counts.append(await show_counts(services))
        assert counts == [1, 0]  # one process edits each change
    finally:
        await other.close()
    # At closing, the native copy is stopped; the button copy is edited to its final
    # counts without buttons (a button poll is no platform poll to stop).
    results = Deliveries()
    await app.router.dispatch(command("close", actor=MOD, chat=GROUP))
    await close_due(app.services, results)
    first = {chat.platform: posted[0] for chat, posted in results.sent}
    assert first["telegram"] == ClosePoll(SentRef(GROUP.id, "11"))
    closed = first["discord"]
    assert isinstance(closed, Edit) and closed.ref == SentRef(CHANNEL.id, "22")
    assert isinstance(closed.content, Text) and "This poll is closed." in closed.content.plain
    assert "1. Sand — 5" in closed.content.plain


async def test_hidden_button_polls_show_only_how_many_voted(app: App) -> None:
    from handlers.polls.live import show_counts

    poll = poll_of(await create(app, "--hidden Q? | a | b"))
    await app.router.sent("telegram", GROUP.id, poll, SentRef(GROUP.id, "31", None))
    deliveries = Deliveries()
    await vote(app, poll, 0, shopper(1))
    assert await show_counts(replace(app.services, post=deliveries)) == 1
    text = plain([deliveries.sent[0][1][0].content])  # type: ignore[union-attr]
    assert "1. a\n" in text + "\n" and "— 1" not in text and "1 person voted." in text


async def test_one_person_voting_through_two_processes_at_once_keeps_one_choice(
    app: App, clock: Clock
) -> None:
    """Each of 60 members presses Sand on one process and Olive on the other at the same
    moment: whichever comes second wins, and a single-choice ballot keeps one choice."""
    import asyncio

    poll = poll_of(await create(app, "Which colour? | Sand | Olive"))
    for n in range(60):  # known members, so that creating their accounts cannot serialize
        await app.router.dispatch(command("help", actor=shopper(n), chat=GROUP))
    other = build_app(app.settings, clock=clock)
    await other.router.dispatch(command("help", actor=shopper(99), chat=GROUP))  # connected
    try:
        presses = []
        for n in range(60):
            who = shopper(n)
            presses.append(app.router.dispatch(action(f"vote:{poll.ref}:0", actor=who, chat=GROUP)))
            presses.append(
                other.router.dispatch(action(f"vote:{poll.ref}:1", actor=who, chat=GROUP))
            )
        replies = await asyncio.gather(*presses)
    finally:
        await other.close()
    assert all("Your vote" in plain(r) for r in replies)
    async with app.db.session() as session:
        per_member = (
            await session.exec(
                select(PollVoteRow.member_id, func.count())
                .where(PollVoteRow.poll_id == int(poll.ref))
                .group_by(col(PollVoteRow.member_id))
            )
        ).all()
    assert len(per_member) == 60 and {count for _, count in per_member} == {1}


async def test_reconciling_with_the_platforms_own_poll(app: App) -> None:
    from handlers.polls.reconcile import reconcile

    await link_chats(app)
    poll = poll_of(await create(app, "--everywhere Which colour? | Sand | Olive | Navy"))
    await app.router.sent("telegram", GROUP.id, poll, SentRef(GROUP.id, "11", "tg-poll-1"))
    await app.router.sent("discord", CHANNEL.id, poll, SentRef(CHANNEL.id, "22", "22"))
    only_discord, linked_tg, linked_dc = shopper(1, "discord"), shopper(2), shopper(3, "discord")
    issued = plain(
        await app.router.dispatch(command("linkme", actor=linked_tg, chat=dm_of(linked_tg)))
    )
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await app.router.dispatch(command("linkme", code, actor=linked_dc, chat=dm_of(linked_dc)))
    for n, (who, ref, chat, option) in enumerate(
        [(only_discord, "22", CHANNEL, 0), (linked_tg, "tg-poll-1", GROUP, 1)]
    ):
        vote_event = PollVote(ref, (option,), "add" if chat is CHANNEL else "set")
        await app.router.dispatch(
            Event(who.platform, f"rv{n}", EventKind.POLL_VOTE, who, chat, poll_vote=vote_event)
        )
    assert await tally(app, poll) == {"Sand": 1, "Olive": 1, "Navy": 0}
    newcomer = ("777", "Newcomer")

    async def message_gone(chat: str, message: str, answers: int) -> None:
        return None

    # A copy Discord no longer has: nobody is taken for withdrawn.
    assert await reconcile(app.services, "discord", message_gone) == 0

    async def discord_says(chat: str, message: str, answers: int) -> list[list[tuple[str, str]]]:
        assert (chat, message, answers) == (CHANNEL.id, "22", 3)
        return [[], [newcomer], []]

    # The Discord-only voter is listed nowhere: withdrawn; the newcomer counts; the
    # linked member's Telegram vote stands.
    assert await reconcile(app.services, "discord", discord_says) == 2
    assert await tally(app, poll) == {"Sand": 0, "Olive": 2, "Navy": 0}
    assert await reconcile(app.services, "discord", discord_says) == 0  # idempotent


def dm_of(who: UserRef) -> ChatRef:
    return ChatRef(who.platform, who.id, ChatKind.DM)
