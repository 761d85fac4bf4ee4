"""Messages for a platform this process does not run wait in the database until a
process that runs it sends them: exactly once, retried when sending fails, never
marked sent before the platform has them (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import select

from bot.app import App, build_app
from bot.outbox import ATTEMPTS, Outbox
from handlers.core import codec
from handlers.core.model import (
    Button,
    Buttons,
    Card,
    CardField,
    ChatKind,
    ChatRef,
    ClosePoll,
    Document,
    Edit,
    Form,
    Image,
    Out,
    Poll,
    PollOption,
    SentRef,
    Span,
    Style,
    Text,
)
from storage.models import OutboxMessage
from tests.support import Clock

CHANNEL = ChatRef("discord", "5500", ChatKind.GROUP, title="dc-shop")


class Platform:
    """A platform's sender that records what reached it, or fails while `down`."""

    def __init__(self) -> None:
        self.got: list[tuple[str, list[Out]]] = []
        self.down = False

    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> None:
        if self.down:
            raise ConnectionError("platform down")
        await asyncio.sleep(0.001)  # let another process's drain interleave
        self.got.append((chat.id, list(outs)))


def test_every_out_that_can_wait_survives_the_database() -> None:
    outs: list[Out] = [
        Text((Span("Sale "), Span("now", Style.BOLD), Span("shop", Style.LINK, "https://x"))),
        Card(
            "Bag",
            "body",
            (CardField("Price", "€49"),),
            "https://img",
            "https://u",
            ((Button("Buy", url="https://u"), Button("More", action="product:BAG-1")),),
            "foot",
        ),
        Buttons(Text.of("Pick"), ((Button("1", action="vote:3:0"),),)),
        Image(data=b"\x89PNG\x00\xff", caption="chart", filename="poll-1.png"),
        Poll(
            "7",
            "Which?",
            (PollOption("A", "https://a"), PollOption("B")),
            True,
            datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
        ),
        Document(b"member,choice\n", "votes.csv", "Votes"),
        ClosePoll(SentRef("5500", "22", "22")),
        Edit(SentRef("5500", "23"), Text.of("closed")),
        Form(Text.of("Options?"), "New poll", "Options", "convform", "Type it", True, 1200, "A"),
    ]
    back = codec.loads(codec.dumps(outs))
    assert back == outs
    text = back[0]
    assert isinstance(text, Text) and text.spans[1].style is Style.BOLD  # a real enum again


async def test_two_processes_send_each_waiting_message_once(app: App) -> None:
    for n in range(60):
        await app.outbox.deliver(CHANNEL, [Text.of(f"message {n}")], key=f"k{n}")
    await app.outbox.deliver(CHANNEL, [Text.of("message 0 again")], key="k0")  # a retry
    other = build_app(app.settings, clock=app.services.clock)
    try:
        platform = Platform()
        app.outbox.register("discord", platform)
        other.outbox.register("discord", platform)
        counts = await asyncio.gather(app.outbox.drain(), other.outbox.drain())
    finally:
        await other.close()
    assert sum(counts) == 60
    texts = [outs[0].plain for _, outs in platform.got]  # type: ignore[union-attr]
    assert sorted(texts) == sorted(f"message {n}" for n in range(60))


async def test_a_failed_send_is_retried_with_backoff_then_given_up(app: App, clock: Clock) -> None:
    await app.outbox.deliver(CHANNEL, [Text.of("hello")], key="hello")
    platform = Platform()
    platform.down = True
    app.outbox.register("discord", platform)
    assert await app.outbox.drain() == 0
    assert await app.outbox.drain() == 0  # not before its retry time
    clock.advance(seconds=31)
    platform.down = False
    assert await app.outbox.drain() == 1
    assert [chat for chat, _ in platform.got] == ["5500"]
    # Another one that never gets through is given up after ATTEMPTS tries.
    elsewhere = Outbox(app.db, app.services.clock)  # a process that does not run Discord
    await elsewhere.deliver(CHANNEL, [Text.of("doomed")], key="doomed")
    platform.down = True
    for _ in range(ATTEMPTS + 2):
        await app.outbox.drain()
        clock.advance(minutes=10)
    async with app.db.session() as session:
        row = (await session.exec(select(OutboxMessage).where(OutboxMessage.key == "doomed"))).one()
    assert (row.outcome, row.attempts) == ("failed", ATTEMPTS)


async def test_expired_messages_and_replaced_live_counts(app: App, clock: Clock) -> None:
    elsewhere = Outbox(app.db, app.services.clock)  # a process that does not run Discord
    ends = clock.now.replace(hour=13)
    await elsewhere.deliver(CHANNEL, [Text.of("poll")], key="poll", expires_at=ends)
    for n in range(3):  # only the latest count is worth sending
        await elsewhere.deliver(CHANNEL, [Text.of(f"count {n}")], key="live", replace=True)
    clock.advance(hours=2)
    platform = Platform()
    app.outbox.register("discord", platform)
    assert await app.outbox.drain() == 1
    assert [outs[0].plain for _, outs in platform.got] == ["count 2"]  # type: ignore[union-attr]
    # A newer count replaces one already sent: it goes out again.
    await elsewhere.deliver(CHANNEL, [Text.of("count 3")], key="live", replace=True)
    assert await app.outbox.drain() == 1
    async with app.db.session() as session:
        outcomes = (await session.exec(select(OutboxMessage.key, OutboxMessage.outcome))).all()
    assert sorted(outcomes) == [("live", "sent"), ("poll", "expired")]


async def test_nothing_is_taken_for_a_platform_this_process_does_not_run(app: App) -> None:
    telegram_only = Outbox(app.db, app.services.clock)
    telegram_only.register("telegram", Platform())
    await telegram_only.deliver(CHANNEL, [Text.of("for discord")])
    assert await telegram_only.drain() == 0
    async with app.db.session() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert row.done_at is None and row.attempts == 0
