"""Welcome messages: set by moderators per community, each person welcomed once, one
message a minute per chat for a burst of joins (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.app import App
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, Out, UserRef
from handlers.welcome.commands import post_welcomes
from tests.support import Clock, command, plain

TG_GROUP = ChatRef("telegram", "-100321", ChatKind.GROUP, title="TG shop")
DC_CHANNEL = ChatRef("discord", "7700", ChatKind.GROUP, title="dc-shop", guild_id="9")
TG_MOD = UserRef("telegram", "1", "Mona", "mona", "en", is_chat_admin=True)
DC_MOD = UserRef("discord", "2", "Dmitri", "dmitri", "en-US", is_chat_admin=True)


class Posted:
    """What the welcome job posts, per chat."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    async def __call__(
        self, chat: ChatRef, outs: Sequence[Out], key: str | None = None, replace: bool = False
    ) -> None:
        self.messages.append((chat.id, plain(outs)))


async def say(app: App, name: str, args: str, who: UserRef, chat: ChatRef) -> str:
    return plain(await app.router.dispatch(command(name, args, actor=who, chat=chat)))


_joins = iter(range(1_000_000))


async def join(app: App, who: UserRef, chat: ChatRef) -> None:
    event = Event(who.platform, f"join-{next(_joins)}", EventKind.JOIN, who, chat)
    assert await app.router.dispatch(event) == []


def newcomer(n: int, platform: str = "telegram") -> UserRef:
    return UserRef(platform, str(5000 + n), f"Newcomer {n}", None, "en")


async def test_moderators_set_show_and_switch_off_the_welcome(app: App) -> None:
    shopper = newcomer(1)
    assert "Only moderators" in await say(app, "welcome", "Hi!", shopper, TG_GROUP)
    assert "There is no welcome message" in await say(app, "welcome", "", TG_MOD, TG_GROUP)
    text = "Read the pinned rules, then ask me anything about the shop."
    assert text in await say(app, "welcome", text, TG_MOD, TG_GROUP)
    assert text in await say(app, "welcome", "", TG_MOD, TG_GROUP)
    assert "not be welcomed" in await say(app, "welcome", "off", TG_MOD, TG_GROUP)
    posted = Posted()
    await join(app, newcomer(2), TG_GROUP)  # off: nobody waits
    assert await post_welcomes(replace(app.services, post=posted)) == 0


async def test_a_burst_of_fifty_joins_gets_one_message(app: App, clock: Clock) -> None:
    await say(app, "welcome", "Glad you are here.", TG_MOD, TG_GROUP)
    services = replace(app.services, post=Posted())
    posted = services.post
    assert isinstance(posted, Posted)
    for n in range(50):
        await join(app, newcomer(n), TG_GROUP)
        clock.advance(seconds=1)
    assert await post_welcomes(services) == 1
    [(chat, message)] = posted.messages
    assert chat == TG_GROUP.id
    assert message.startswith("Welcome, Newcomer 0, Newcomer 1, Newcomer 2 and 47 other")
    assert message.endswith("Glad you are here.")
    # More arrive: they wait for the chat's next minute, then get one message together.
    await join(app, newcomer(60), TG_GROUP)
    await join(app, newcomer(61), TG_GROUP)
    assert await post_welcomes(services) == 0
    clock.advance(minutes=1)
    assert await post_welcomes(services) == 1
    assert posted.messages[-1][1].startswith("Welcome, Newcomer 60 and Newcomer 61!")
    # Someone who was welcomed and comes back is not welcomed again.
    await join(app, newcomer(3), TG_GROUP)
    clock.advance(minutes=2)
    assert await post_welcomes(services) == 0


async def test_one_welcome_per_person_across_linked_accounts_and_chats(
    app: App, clock: Clock
) -> None:
    issued = await say(app, "link", "", TG_MOD, TG_GROUP)
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await say(app, "link", code, DC_MOD, DC_CHANNEL)
    await say(app, "welcome", "Welcome to the community.", DC_MOD, DC_CHANNEL)
    services = replace(app.services, post=Posted())
    tg, dc = newcomer(7), newcomer(7, "discord")
    await join(app, dc, DC_CHANNEL)  # welcomed as a Discord member
    assert await post_welcomes(services) == 1
    # The same person links their Telegram account (the Discord member is merged into
    # it), then joins the linked Telegram group: already welcomed in this community.
    asked = await say(app, "linkme", "", tg, ChatRef("telegram", tg.id, ChatKind.DM))
    own = next(w.strip(".") for w in asked.split() if len(w.strip(".")) == 6 and w.isupper())
    await say(app, "linkme", own, dc, ChatRef("discord", dc.id, ChatKind.DM))
    await join(app, tg, TG_GROUP)
    clock.advance(minutes=2)
    assert await post_welcomes(services) == 0
    # Someone new in the Discord chat is welcomed there.
    await join(app, newcomer(8, "discord"), DC_CHANNEL)
    assert await post_welcomes(services) == 1
    posted = services.post
    assert isinstance(posted, Posted)
    assert posted.messages[-1][0] == DC_CHANNEL.id
