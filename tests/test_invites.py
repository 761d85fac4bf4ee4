"""Personal invite links on SQLite and PostgreSQL: a join through one pays its member
after the waiting days, not when the newcomer left on day 2, not for a bot, a rejoin,
the member themself, and never on Discord."""

from __future__ import annotations

from itertools import count

from bot.app import App
from handlers.core.model import ChatKind, ChatRef, Event, EventKind, Out, UserRef
from handlers.rewards.invites import credit
from storage import points
from storage.identity import ensure_member
from tests.support import Clock, plain

GROUP = ChatRef("telegram", "-100321", ChatKind.GROUP, title="TG shop")
INVITER = UserRef("telegram", "10", "Ines", "ines", "en")
_ids = count()


async def made(chat_id: str, name: str) -> str:
    return f"https://t.me/+{name}{next(_ids)}"


def came(who: UserRef, link: str | None, kind: EventKind = EventKind.JOIN) -> Event:
    return Event("telegram", f"j{next(_ids)}", kind, who, GROUP, invite=link)


async def balance(app: App, who: UserRef) -> int:
    async with app.db.session() as session:
        member = await ensure_member(session, who.platform, who.id, who.display_name)
        return await points.balance(session, member.member_id)


async def invite_link(app: App) -> str:
    app.services.invites["telegram"] = made
    asked = Event("telegram", f"i{next(_ids)}", EventKind.COMMAND, INVITER, GROUP, command="invite")
    said: list[Out] = await app.router.dispatch(asked)
    text = plain(said)
    assert "Your invite link to this group: https://t.me/+Ines" in text, text
    return text.split(": ", 1)[1].split("\n")[0]


async def test_a_join_pays_after_the_wait_and_not_after_leaving(app: App, clock: Clock) -> None:
    link = await invite_link(app)
    stays = UserRef("telegram", "20", "Stan", None, "en")
    leaves = UserRef("telegram", "21", "Lea", None, "en")
    robot = UserRef("telegram", "22", "Bot", None, "en", is_bot=True)
    for who in (stays, leaves, robot, INVITER):
        await app.router.dispatch(came(who, link))
    clock.advance(days=2)
    await app.router.dispatch(came(leaves, None, EventKind.LEAVE))  # left on day 2
    assert await credit(app.services) == 0  # not three days yet
    clock.advance(days=1, minutes=1)
    assert await credit(app.services) == 1
    assert await balance(app, INVITER) == 15
    assert await credit(app.services) == 0  # once
    # Joining again (after leaving) starts nothing.
    await app.router.dispatch(came(leaves, link))
    clock.advance(days=4)
    assert await credit(app.services) == 0
    async with app.db.read() as session:
        assert await points.check(session) == []


async def test_discord_invites_are_never_rewarded(app: App) -> None:
    channel = ChatRef("discord", "7700", ChatKind.GROUP, title="dc", guild_id="9")
    dee = UserRef("discord", "3", "Dee", "dee", "en")
    asked = await app.router.dispatch(
        Event("discord", "d1", EventKind.COMMAND, dee, channel, command="invite")
    )
    assert "Discord does not allow rewards for inviting people" in plain(asked)
