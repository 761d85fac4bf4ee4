"""Nothing answered twice, no identity created twice, even when updates race."""

import asyncio

import pytest
from sqlmodel import func, select

from bot.app import App, build_app
from storage.models import Account, Member, ProcessedEvent
from tests.support import Clock, cards, command, text, user


async def test_same_update_delivered_concurrently_is_answered_once(app: App) -> None:
    replies = await asyncio.gather(
        *(app.router.dispatch(command("product", "mug", event_id="race-1")) for _ in range(12))
    )
    assert sum(1 for r in replies if cards(r)) == 1
    assert sum(1 for r in replies if r == []) == 11


async def test_new_member_racing_on_two_engines_gets_one_identity(app: App) -> None:
    # A second engine on the same database stands in for a second bot process.
    other = build_app(app.settings)
    try:
        newcomer = user("zoe")
        events = [text(f"question {i} about backpacks", actor=newcomer) for i in range(20)]
        routers = [app.router, other.router]
        await asyncio.gather(*(routers[i % 2].dispatch(e) for i, e in enumerate(events)))
        async with app.db.session() as session:
            accounts = (
                await session.exec(
                    select(func.count())
                    .select_from(Account)
                    .where(Account.platform_user_id == "zoe")
                )
            ).one()
            members = (
                await session.exec(
                    select(func.count()).select_from(Member).where(Member.display_name == "Zoe")
                )
            ).one()
            handled = (await session.exec(select(func.count()).select_from(ProcessedEvent))).one()
        assert (accounts, members) == (1, 1)
        assert handled == 20
    finally:
        await other.close()


async def test_old_update_ids_are_forgotten(app: App, clock: Clock) -> None:
    from handlers.housekeeping.jobs import forget_old

    await app.router.dispatch(command("help", event_id="old-1"))
    await app.router.dispatch(command("help", event_id="old-2"))
    clock.advance(days=8)
    await app.router.dispatch(command("help", event_id="new-1"))
    assert await forget_old(app.services) == 2
    async with app.db.session() as session:
        kept = (await session.exec(select(ProcessedEvent.event_id))).all()
    assert sorted(kept) == ["new-1"]
    assert await app.router.dispatch(command("help", event_id="new-1")) == []  # still de-duplicated


async def test_old_records_are_forgotten_by_the_job_at_start(app: App, clock: Clock) -> None:
    await app.router.dispatch(command("help", event_id="old-1"))
    clock.advance(days=8)
    await app.start_background()  # every job runs once at start: a bot may have been down

    async def left() -> list[str]:
        async with app.db.read() as session:
            return list((await session.exec(select(ProcessedEvent.event_id))).all())

    try:
        async with asyncio.timeout(5):
            while await left():  # noqa: ASYNC110 - the job runs in the background
                await asyncio.sleep(0.01)
        assert await left() == []
    finally:
        await app.stop_background()


async def test_a_reply_kept_until_sent_reaches_the_next_process(app: App) -> None:
    """Telegram delivers an update again until it is confirmed: if the process that
    handled it died before replying, the next one sends the reply it kept."""
    asked = command("product", "mug", event_id="kept-1")
    first = await app.router.handle(asked, keep_reply=True)
    assert first.kept and cards(first.outs)
    # Delivered again to the same process while it is still sending: nothing twice.
    assert not (await app.router.handle(asked, keep_reply=True)).fresh
    # The process dies before sending; the next one gets the update again.
    restarted = build_app(app.settings)
    try:
        again = await restarted.router.handle(asked, keep_reply=True)
        assert again.fresh and cards(again.outs) == cards(first.outs)
        await restarted.router.replied(asked)
        assert not (await restarted.router.handle(asked, keep_reply=True)).fresh
    finally:
        await restarted.close()
    # Without keep_reply (Discord) nothing is kept.
    other = command("product", "mug", event_id="kept-2")
    assert not (await app.router.handle(other)).kept


async def test_a_unit_of_work_inside_another_is_refused_not_a_deadlock(app: App) -> None:
    """SQLite's in-process writer lock is not re-entrant: a handler that opened a
    session of its own would hang for ever. It fails at once, with the reason."""
    from storage.db import NestedUnitOfWork

    async with app.db.session():
        with pytest.raises(NestedUnitOfWork, match=r"ctx\.session"):
            async with asyncio.timeout(2):
                async with app.db.session():
                    pass
    # Another task may open its own unit meanwhile (it waits its turn, it is no nesting).
    async with app.db.session():
        other = asyncio.create_task(_one_unit(app))
    await asyncio.wait_for(other, 2)


async def _one_unit(app: App) -> None:
    async with app.db.session() as session:
        await session.exec(select(func.count()).select_from(ProcessedEvent))
