"""Guided conversations, with the guided poll as their first user: step by step,
surviving a restart, ended by /cancel or another command, expiring (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.app import App, build_app
from handlers.core.model import Buttons, ChatKind, ChatRef, Ephemeral, Out, Poll, UserRef
from storage import conversations
from storage.db import Database
from storage.identity import identify
from storage.models import PollRow
from storage.types import utcnow
from tests.support import Clock, action, command, plain, text

HOUR = timedelta(hours=1)

GROUP = ChatRef("console", "group:drops", ChatKind.GROUP, title="drops")
MOD = UserRef("console", "mona", "Mona", "mona", "en", is_chat_admin=True)


async def say(app: App, words: str) -> list[Out]:
    """Mona answers in the group, addressed to the bot (a reply or a mention)."""
    return list(await app.router.dispatch(text(words, actor=MOD, chat=GROUP, addressed=True)))


async def press(app: App, value: str) -> list[Out]:
    return list(await app.router.dispatch(action(f"conv:{value}", actor=MOD, chat=GROUP)))


async def poll(app: App) -> list[Out]:
    return list(await app.router.dispatch(command("poll", actor=MOD, chat=GROUP)))


def buttons(outs: list[Out]) -> list[str]:
    found = [o for o in outs if isinstance(o, Buttons)]
    return [b.action or "" for o in found for row in o.rows for b in row]


async def test_a_poll_made_step_by_step(app: App) -> None:
    assert "What should the poll ask?" in plain(await poll(app))
    assert "one per line" in plain(await say(app, "Which colour for the summer drop?"))
    asked = await say(app, "Sand\nOlive [BAG-001]\nNavy")
    assert "How long should it run?" in plain(asked)
    assert buttons(asked) == ["conv:1h", "conv:1d", "conv:3d", "conv:7d"]
    assert "one option, or several" in plain(await press(app, "1d"))
    assert "while it runs" in plain(await press(app, "several"))
    preview = await press(app, "hidden")  # this chat is not linked: no "where" step
    shown = plain(preview)
    assert "Which colour for the summer drop?" in shown and "2. Olive [BAG-001]" in shown
    assert "several choices · results once it closes · this chat" in shown
    posted = await press(app, "post")
    [created] = [o for o in posted if isinstance(o, Poll)]
    assert [o.text for o in created.options] == ["Sand", "Olive", "Navy"]
    assert created.options[1].image_url == "https://shop.example.com/img/bag-001.jpg"
    assert any(isinstance(o, Ephemeral) and "Poll #1 runs" in plain([o]) for o in posted)
    async with app.db.session() as session:
        row = (await session.exec(select(PollRow))).one()
    assert (row.multiple, row.hide_results) == (True, True)
    # The conversation is over: a stale button says so, text is a question again.
    assert "has ended" in plain(await press(app, "post"))


async def test_a_wrong_answer_is_asked_again_and_a_restart_loses_nothing(
    app: App, clock: Clock
) -> None:
    await poll(app)
    await say(app, "Best trail?")
    again = plain(await say(app, "Only one option"))
    assert "2 to 10 options" in again and "one per line" in again
    await say(app, "Ridge | Lake")  # the one-line habit works too
    assert "can't read the deadline maybe" in plain(await press(app, "maybe"))
    await app.close()  # the bot restarts between two steps
    restarted = build_app(app.settings, clock=clock)
    try:
        assert "one option, or several" in plain(await press(restarted, "3d"))
        assert "Please press one of the buttons" in plain(await press(restarted, "maybe"))
        await press(restarted, "one")
        await press(restarted, "open")
        posted = await press(restarted, "post")
        assert any(isinstance(o, Poll) and o.question == "Best trail?" for o in posted)
    finally:
        await restarted.close()


async def test_cancel_another_command_and_silence_end_a_conversation(
    app: App, clock: Clock
) -> None:
    await poll(app)
    assert "Cancelled" in plain(await app.router.dispatch(command("cancel", actor=MOD, chat=GROUP)))
    assert "nothing to cancel" in plain(
        await app.router.dispatch(command("cancel", actor=MOD, chat=GROUP))
    )
    await poll(app)
    await app.router.dispatch(command("help", actor=MOD, chat=GROUP))  # a new command
    assert "Trail Backpack" in plain(await say(app, "trail backpack"))  # a question again
    await poll(app)
    clock.advance(minutes=31)  # silence: the conversation expires
    assert "Trail Backpack" in plain(await say(app, "trail backpack"))
    async with app.db.session() as session:
        assert (await session.exec(select(PollRow))).all() == []


async def test_the_conversation_here_comes_first_then_one_waiting_for_this_private_chat(
    db: Database,
) -> None:
    now = utcnow()
    async with db.session() as session:
        member, group = await identify(
            session, "console", "u1", "Una", None, ("console", "g1", "group", "Shop talk")
        )
        _, private = await identify(
            session, "console", "u1", "Una", None, ("console", "dm", "dm", None)
        )
        assert private != group  # a known member in a chat not seen before
        step = conversations.ConversationRecord
        who = member.member_id
        await conversations.save(session, who, private, step("here", "a", {}), now + HOUR)
        waiting = step("waiting", "b", {})
        await conversations.save(session, who, group, waiting, now + 2 * HOUR, private=True)
        found = await conversations.current(session, who, private, now, "console")
        assert found is not None and found.flow == "here"
        assert await conversations.current(session, who, private, now) is not None
        assert await conversations.end(session, who, private)
        assert await conversations.current(session, who, private, now, "console") == waiting
        # Taken up here: it waits no more, in the group or for another private chat.
        assert await conversations.current(session, who, group, now) is None
        assert await conversations.current(session, who, private, now) == waiting
