"""The mayor on SQLite and PostgreSQL: the member with the most active days in a
community's last 60 (linked chats together), never staff, announced when it changes if
the community wants; activity is noted from what members do in groups."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.app import App
from handlers.core.model import ChatKind, ChatRef, UserRef
from handlers.rewards.commands import elect_mayors
from storage import activity, linking
from storage.identity import ensure_chat, ensure_member
from storage.models import ActivityDay, OutboxMessage
from tests.support import Clock, command, plain, text

TG_GROUP = ChatRef("telegram", "-100321", ChatKind.GROUP, title="TG shop")
DC_CHANNEL = ChatRef("discord", "7700", ChatKind.GROUP, title="dc-shop", guild_id="9")
TG_MOD = UserRef("telegram", "1", "Mona", "mona", "en", is_chat_admin=True)
DC_MOD = UserRef("discord", "2", "Dmitri", "dmitri", "en-US", is_chat_admin=True)


async def history(app: App, clock: Clock, days: dict[str, list[int]], staff: set[str]) -> None:
    """Made-up activity: name -> days ago active (half in each linked chat)."""
    today = clock().date()
    async with app.db.session() as session:
        tg = await ensure_chat(session, "telegram", TG_GROUP.id, "group", "TG shop")
        dc = await ensure_chat(session, "discord", DC_CHANNEL.id, "group", "dc-shop")
        for name, ago in days.items():
            member = await ensure_member(session, "telegram", name, name.title())
            for n, back in enumerate(ago):
                chat = tg if n % 2 else dc
                day = today - timedelta(days=back)
                await activity.note(session, chat, member.member_id, day, name in staff)


async def link_chats(app: App) -> None:
    issued = plain(await app.router.dispatch(command("link", actor=TG_MOD, chat=TG_GROUP)))
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await app.router.dispatch(command("link", code, actor=DC_MOD, chat=DC_CHANNEL))


async def test_the_most_active_non_staff_member_is_mayor(app: App, clock: Clock) -> None:
    await link_chats(app)
    said = plain(await app.router.dispatch(command("mayor", actor=TG_MOD, chat=TG_GROUP)))
    assert "no mayor yet" in said
    await app.router.dispatch(command("mayornews", "on", actor=TG_MOD, chat=TG_GROUP))
    await history(
        app,
        clock,
        {
            "vera": list(range(0, 50)),  # a moderator: would win, never counts
            "ada": list(range(0, 40)),
            "bo": list(range(0, 30)) + list(range(70, 120)),  # old days do not count
            "cy": list(range(0, 39)),
        },
        staff={"vera"},
    )
    assert await elect_mayors(app.services) == 1
    shown = plain(await app.router.dispatch(command("mayor", actor=TG_MOD, chat=DC_CHANNEL)))
    assert "Ada is the mayor: active here on 40 days of the last 60." in shown
    async with app.db.read() as session:
        news = (await session.exec(select(OutboxMessage))).all()
    assert sorted(m.chat_id for m in news) == ["-100321", "7700"]  # every linked chat
    assert "new mayor" in news[0].payload
    # Recomputed daily: the same mayor again is no news; older days fall away.
    assert await elect_mayors(app.services) == 0
    clock.advance(days=45)
    await history(app, clock, {"cy": list(range(0, 30))}, staff=set())
    assert await elect_mayors(app.services) == 1
    shown = plain(await app.router.dispatch(command("mayor", actor=TG_MOD, chat=TG_GROUP)))
    assert shown.startswith("Cy is the mayor")


async def test_group_activity_is_noted_once_a_day(app: App, clock: Clock) -> None:
    shopper = UserRef("telegram", "50", "Sam", "sam", "en")
    for _ in range(3):
        await app.router.dispatch(text("backpack", actor=shopper, chat=TG_GROUP, addressed=True))
    await app.router.dispatch(text("backpack", actor=shopper))  # private: not activity
    async with app.db.read() as session:
        rows = (await session.exec(select(ActivityDay))).all()
        chat = await linking.chat(session, rows[0].chat_id)
    assert [(r.day, r.staff) for r in rows] == [(clock().date(), False)]
    assert chat.platform_chat_id == TG_GROUP.id
    assert isinstance(rows[0].day, date)
