"""Nothing crosses a community: a poll is named by a number that counts within its
community, and commands or buttons from elsewhere find nothing (both platforms)."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.core.model import ChatKind, ChatRef, Direct, Out, Poll, UserRef
from tests.support import action, command, plain

TG_GROUP = ChatRef("telegram", "-100900", ChatKind.GROUP, title="TG shop")
TG_MOD = UserRef("telegram", "1", "Mona", "mona", "en", is_chat_admin=True)
DC_CHANNEL = ChatRef("discord", "5500", ChatKind.GROUP, title="dc-shop", guild_id="1")
DC_MOD = UserRef("discord", "2", "Dmitri", "dmitri", "en-US", is_chat_admin=True)
# Someone who made their own group (or server), and so is its moderator.
ATTACKERS = {
    "telegram": (
        ChatRef("telegram", "-100666", ChatKind.GROUP, title="mine"),
        UserRef("telegram", "66", "Mallory", "mallory", "en", is_chat_admin=True),
    ),
    "discord": (
        ChatRef("discord", "6600", ChatKind.GROUP, title="mine", guild_id="66"),
        UserRef("discord", "67", "Mallory", "mallory", "en-US", is_chat_admin=True),
    ),
}


async def say(app: App, name: str, args: str, who: UserRef, chat: ChatRef) -> list[Out]:
    return list(await app.router.dispatch(command(name, args, actor=who, chat=chat)))


async def new_poll(app: App, spec: str, who: UserRef, chat: ChatRef) -> Poll:
    outs = await say(app, "poll", f"2h {spec}", who, chat)
    return next(o for o in outs if isinstance(o, Poll))


async def counts(app: App, who: UserRef, chat: ChatRef) -> str:
    return plain(await say(app, "results", "", who, chat))


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_another_communitys_poll_cannot_be_read_exported_closed_or_voted(
    app: App, platform: str
) -> None:
    poll = await new_poll(app, "--hidden Secret launch? | Yes | No", TG_MOD, TG_GROUP)
    await app.router.dispatch(
        action(f"vote:{poll.ref}:0", actor=UserRef("telegram", "5", "Sam"), chat=TG_GROUP)
    )
    chat, mallory = ATTACKERS[platform]
    for name in ("results", "export", "close"):
        reply = await say(app, name, "1", mallory, chat)
        assert plain(reply) == "There is no poll #1 here.", name
        assert not any(isinstance(o, Direct) for o in reply)
    # A shopper in a private chat gets nothing either.
    dm = ChatRef(platform, mallory.id, ChatKind.DM)
    assert "no poll #1" in plain(await say(app, "results", "1", mallory, dm))
    # A forged vote token for the poll, pressed in another community, counts nothing.
    forged = await app.router.dispatch(action(f"vote:{poll.ref}:1", actor=mallory, chat=chat))
    assert "no longer exists" in plain(forged)
    # The poll is untouched: still open, one vote, results still hidden from shoppers.
    assert "1 person voted" in await counts(app, TG_MOD, TG_GROUP)
    assert "Results so far" in await counts(app, TG_MOD, TG_GROUP)
    assert "shown when it closes" in await counts(app, UserRef("telegram", "5", "Sam"), TG_GROUP)


async def test_numbers_count_per_community_and_follow_links(app: App) -> None:
    chat, mallory = ATTACKERS["telegram"]
    first = await new_poll(app, "Ours? | a | b", TG_MOD, TG_GROUP)
    mine = await new_poll(app, "Mine? | x | y", mallory, chat)
    # Both are poll #1 in their own community; each chat's #1 is its own.
    assert "#1" in plain(await say(app, "results", "1", TG_MOD, TG_GROUP))
    assert "Ours?" in plain(await say(app, "results", "1", TG_MOD, TG_GROUP))
    assert "Mine?" in plain(await say(app, "results", "1", mallory, chat))
    assert first.ref != mine.ref  # global ids stay inside
    # Linked chats share numbers: the Discord channel sees the Telegram group's #1, and
    # the community continues from the highest number either chat had.
    await new_poll(app, "Second? | a | b", TG_MOD, TG_GROUP)
    issued = plain(await say(app, "link", "", TG_MOD, TG_GROUP))
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await say(app, "link", code, DC_MOD, DC_CHANNEL)
    assert "Ours?" in plain(await say(app, "results", "1", DC_MOD, DC_CHANNEL))
    note = plain(await say(app, "poll", "2h --everywhere Third? | a | b", DC_MOD, DC_CHANNEL))
    assert "Poll #3 runs" in note
    assert "Third?" in plain(await say(app, "results", "3", TG_MOD, TG_GROUP))
    # A chat that leaves keeps counting from where the community was.
    await say(app, "unlink", "", DC_MOD, DC_CHANNEL)
    note = plain(await say(app, "poll", "2h Fourth? | a | b", DC_MOD, DC_CHANNEL))
    assert "Poll #4 runs" in note
    assert "no poll #1" in plain(await say(app, "results", "1", DC_MOD, DC_CHANNEL))
    # The Telegram group keeps seeing #3, which ran there, but not the channel's #4.
    assert "Third?" in plain(await say(app, "results", "3", TG_MOD, TG_GROUP))
    assert "no poll #4" in plain(await say(app, "results", "4", TG_MOD, TG_GROUP))
