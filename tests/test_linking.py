"""Linking chats into communities and accounts into one member, on both databases."""

import asyncio
import re

from sqlmodel import func, select

from bot.app import App
from handlers.core.model import ChatKind, ChatRef, UserRef
from storage.models import Account, Chat, Community, LinkAttempt, Member
from tests.support import Clock, command, plain

TG_GROUP = ChatRef("telegram", "-100777", ChatKind.GROUP, title="Shop TG")
DC_CHANNEL = ChatRef("discord", "9001", ChatKind.GROUP, title="shop", guild_id="42")
DC_OTHER = ChatRef("discord", "9002", ChatKind.GROUP, title="deals", guild_id="42")
TG_MOD = UserRef("telegram", "11", "Tess", "tess", "en", is_chat_admin=True)
DC_MOD = UserRef("discord", "22", "Dan", "dan", "en-US", is_chat_admin=True)
TG_ANNA = UserRef("telegram", "33", "Anna", "anna", "pl")
DC_ANNA = UserRef("discord", "44", "Anna D", "annad", "en-US")


def code_in(reply: str) -> str:
    found = re.search(r"\b([A-Z2-9]{6})\b", reply)
    assert found, reply
    return found.group(1)


def dm(user: UserRef) -> ChatRef:
    return ChatRef(user.platform, user.id, ChatKind.DM)


async def say(app: App, name: str, args: str, actor: UserRef, chat: ChatRef) -> str:
    return plain(await app.router.dispatch(command(name, args, actor=actor, chat=chat)))


async def communities(app: App) -> dict[str, int | None]:
    async with app.db.session() as session:
        chats = (await session.exec(select(Chat))).all()
        return {c.platform_chat_id: c.community_id for c in chats}


async def test_chats_on_two_platforms_join_one_community(app: App) -> None:
    issued = code_in(await say(app, "link", "", TG_MOD, TG_GROUP))
    reply = await say(app, "link", issued.lower(), DC_MOD, DC_CHANNEL)  # case-insensitive
    assert "Shop TG (telegram)" in reply and "shop (discord)" in reply
    links = await communities(app)
    assert links["-100777"] is not None and links["-100777"] == links["9001"]
    # A third chat joins the same community; the code cannot be used twice.
    again = await say(app, "link", issued, DC_MOD, DC_OTHER)
    assert "already been used" in again
    third = code_in(await say(app, "link", "", DC_MOD, DC_CHANNEL))
    await say(app, "link", third, DC_MOD, DC_OTHER)
    links = await communities(app)
    assert links["9002"] == links["9001"] == links["-100777"]
    assert "already linked" in await say(
        app, "link", code_in(await say(app, "link", "", TG_MOD, TG_GROUP)), DC_MOD, DC_OTHER
    )
    # Leaving: the chat goes; the others stay linked.
    assert "left its community" in await say(app, "unlink", "", DC_MOD, DC_OTHER)
    links = await communities(app)
    assert links["9002"] is None and links["9001"] == links["-100777"] is not None


async def test_codes_expire_and_wrong_codes_are_refused(app: App, clock: Clock) -> None:
    issued = code_in(await say(app, "link", "", TG_MOD, TG_GROUP))
    clock.advance(minutes=11)
    assert "expired" in await say(app, "link", issued, DC_MOD, DC_CHANNEL)
    assert "don't know that code" in await say(app, "link", "ZZZZZZ", DC_MOD, DC_CHANNEL)
    fresh = code_in(await say(app, "link", "", TG_MOD, TG_GROUP))
    assert "this chat" in await say(app, "link", fresh, TG_MOD, TG_GROUP)
    assert (await communities(app))["9001"] is None


async def test_guessing_is_rate_limited(app: App, clock: Clock) -> None:
    good = code_in(await say(app, "link", "", TG_MOD, TG_GROUP))
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE"):
        await say(app, "link", guess, DC_MOD, DC_CHANNEL)
    # Even the right code is refused while the limit holds, and nothing is linked.
    assert "Too many wrong codes" in await say(app, "link", good, DC_MOD, DC_CHANNEL)
    assert (await communities(app))["9001"] is None
    clock.advance(minutes=10, seconds=1)  # the wrong guesses age out (and so does that code)
    fresh = code_in(await say(app, "link", "", TG_MOD, TG_GROUP))
    assert "Linked" in await say(app, "link", fresh, DC_MOD, DC_CHANNEL)


async def test_only_moderators_link_chats_and_codes_are_limited(app: App) -> None:
    assert "Tylko moderatorzy" in await say(app, "link", "", TG_ANNA, TG_GROUP)  # Anna: Polish
    for _ in range(3):
        code_in(await say(app, "link", "", TG_MOD, TG_GROUP))
    assert "3 unused codes" in await say(app, "link", "", TG_MOD, TG_GROUP)
    assert "group chats only" in await say(app, "link", "", TG_MOD, dm(TG_MOD))


async def test_accounts_link_into_one_member_and_split_again(app: App) -> None:
    reply = await say(app, "linkme", "", TG_ANNA, dm(TG_ANNA))
    issued = code_in(reply)
    assert reply.startswith("Twój kod łączenia")
    assert "private chat" in await say(app, "linkme", issued, DC_ANNA, DC_CHANNEL)
    linked = await say(app, "linkme", issued, DC_ANNA, dm(DC_ANNA))
    assert "discord, telegram" in linked
    async with app.db.session() as session:
        owners = (
            await session.exec(
                select(Account.member_id).where(Account.platform_user_id.in_(["33", "44"]))
            )
        ).all()  # type: ignore[attr-defined]
        members = (await session.exec(select(func.count()).select_from(Member))).one()
    assert len(set(owners)) == 1
    # The person, not the account, has a language: chosen once, it holds on Discord too.
    await say(app, "language", "pl", TG_ANNA, dm(TG_ANNA))
    assert "Co potrafię" in await say(app, "help", "", DC_ANNA, dm(DC_ANNA))
    assert "już połączone" in await say(
        app,
        "linkme",
        code_in(await say(app, "linkme", "", TG_ANNA, dm(TG_ANNA))),
        DC_ANNA,
        dm(DC_ANNA),
    )
    assert "samodzielne" in await say(app, "unlinkme", "", DC_ANNA, dm(DC_ANNA))
    # Split off, the Discord account no longer shares Anna's language choice.
    assert "not linked" in await say(app, "unlinkme", "", DC_ANNA, dm(DC_ANNA))
    async with app.db.session() as session:
        after = (await session.exec(select(func.count()).select_from(Member))).one()
        communities_left = (await session.exec(select(func.count()).select_from(Community))).one()
    assert after == members + 1 and communities_left == 0


async def test_simultaneous_wrong_codes_through_two_processes_get_five_tries(app: App) -> None:
    from bot.app import build_app

    other = build_app(app.settings, clock=app.services.clock)  # a second process
    try:
        await say(app, "linkme", "", DC_ANNA, dm(DC_ANNA))  # Anna exists before the burst
        routers = [app.router, other.router]
        replies = await asyncio.gather(
            *(
                routers[n % 2].dispatch(
                    command("linkme", f"WRONG{n:02d}", actor=DC_ANNA, chat=dm(DC_ANNA))
                )
                for n in range(30)
            )
        )
    finally:
        await other.close()
    answers = [plain(reply) for reply in replies]
    assert sum("don't know that code" in a for a in answers) == 5
    assert sum("Too many wrong codes" in a for a in answers) == 25
    async with app.db.session() as session:
        tries = (await session.exec(select(func.count()).select_from(LinkAttempt))).one()
    assert tries == 5


async def test_a_success_does_not_lift_the_limit(app: App, clock: Clock) -> None:
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD"):
        await say(app, "linkme", guess, DC_ANNA, dm(DC_ANNA))
    own = code_in(await say(app, "linkme", "", TG_ANNA, dm(TG_ANNA)))
    assert "count as one person" in await say(app, "linkme", own, DC_ANNA, dm(DC_ANNA))
    await say(app, "linkme", "EEEEEE", DC_ANNA, dm(DC_ANNA))  # the fifth failure
    assert "Too many wrong codes" in await say(app, "linkme", "FFFFFF", DC_ANNA, dm(DC_ANNA))
