"""Nothing answered twice, no identity created twice, even when updates race."""

import asyncio

from sqlmodel import func, select

from bot.app import FEATURES, App, build_app
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
    from handlers.router import Router

    router = Router(app.services, FEATURES, housekeeping_every=3)
    await router.dispatch(command("help", event_id="old-1"))
    await router.dispatch(command("help", event_id="old-2"))
    clock.advance(days=8)
    await router.dispatch(command("help", event_id="new-1"))  # third event: housekeeping
    async with app.db.session() as session:
        kept = (await session.exec(select(ProcessedEvent.event_id))).all()
    assert sorted(kept) == ["new-1"]
    assert await router.dispatch(command("help", event_id="new-1")) == []  # still de-duplicated
