"""The points ledger and rewards on SQLite and PostgreSQL: each source pays once, caps,
oldest-first spending, expiry, reversal, merging; reviews and first purchases earning;
coupon codes redeemed exactly once under 1,000 concurrent presses from two apps."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, func, select

from bot.app import App, build_app
from config import Settings
from handlers.core.actions import encode, vote_token
from handlers.core.earning import Earning, earn, for_order
from handlers.core.model import Buttons, Direct, Out, Poll
from handlers.rewards.codes import CodesError, import_codes, read_codes
from handlers.rewards.commands import REDEEM
from storage import points
from storage.identity import ensure_member
from storage.models import PointsEntry, RewardCode
from tests.support import Clock, action, command, dm, group, plain, text, user

OWNER = user("olivia", admin=True)  # moderates everywhere (settings)


async def member(app: App, name: str) -> int:
    async with app.db.session() as session:
        return (await ensure_member(session, "console", name, name.title())).member_id


async def sums_agree(app: App) -> bool:
    async with app.db.read() as session:
        return await points.check(session) == []


async def test_each_source_pays_once_within_the_daily_cap(app: App, clock: Clock) -> None:
    sam = await member(app, "sam")
    async with app.db.session() as session:
        assert await points.earn(session, sam, 20, "review", "review:1", clock()) == 20
        assert await points.earn(session, sam, 20, "review", "review:1", clock()) == 0
        assert await points.earn(session, sam, 20, "review", "review:2", clock(), daily_cap=2) == 20
        assert await points.earn(session, sam, 20, "review", "review:3", clock(), daily_cap=2) == 0
    clock.advance(days=1)
    async with app.db.session() as session:
        assert await points.earn(session, sam, 20, "review", "review:3", clock(), daily_cap=2) == 20
        assert await points.balance(session, sam) == 60
    assert await sums_agree(app)


async def test_spending_takes_the_oldest_and_expiry_the_rest(app: App, clock: Clock) -> None:
    sam = await member(app, "sam")
    async with app.db.session() as session:
        soon, later = clock() + timedelta(days=10), clock() + timedelta(days=100)
        await points.earn(session, sam, 30, "review", "a", clock(), expires_at=soon)
        clock.advance(minutes=1)
        await points.earn(session, sam, 50, "review", "b", clock(), expires_at=later)
        assert await points.spend(session, sam, 40, "redeem", "spend-1", clock())
        assert not await points.spend(session, sam, 41, "redeem", "spend-2", clock())
        assert await points.expiring(session, sam, clock() + timedelta(days=30)) == 0
    clock.advance(days=101)
    async with app.db.session() as session:
        assert await points.expire(session, clock(), 100) == 1  # "a" was spent already
        assert await points.balance(session, sam) == 0
    assert await sums_agree(app)


async def approve_waiting(app: App) -> None:
    """The owner approves the one review waiting."""
    queue = await app.router.dispatch(command("queue", actor=OWNER, chat=group()))
    [token] = [
        b.action or ""
        for o in queue
        if isinstance(o, Buttons)
        for row in o.rows
        for b in row
        if b.label == "Approve"
    ]
    await app.router.dispatch(action(token, actor=OWNER, chat=group()))


async def test_a_published_review_earns_and_says_rewarded_once(app: App) -> None:
    r = app.router.dispatch
    await r(command("review", "BAG-001 2 Too small for me", actor=user("sam")))
    await approve_waiting(app)
    shown = plain(await r(command("reviews", "BAG-001", actor=user("tara"))))
    assert "Sam · Rewarded" in shown  # the incentive is disclosed (FTC 16 CFR 465)
    # An edit approved again does not pay again.
    await r(command("review", "BAG-001 3 It grew on me", actor=user("sam")))
    await approve_waiting(app)
    mine = plain(await r(command("points", actor=user("sam"))))
    assert "20 points" in mine and "a published review" in mine
    assert "Badges: First review" in mine


async def test_codes_are_redeemed_once_within_limits(app: App, tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(
        "reward,price,per_member,code\n10% off,30,1,SAVE-1\n10% off,30,1,SAVE-2\n",
        encoding="utf-8",
    )
    assert await import_codes(app.db, path, app.services.clock()) == {"10% off": 2}
    assert await import_codes(app.db, path, app.services.clock()) == {"10% off": 0}
    bad = tmp_path / "bad.csv"
    bad.write_text("reward,price,per_member,code\nX,ten,1,C\n", encoding="utf-8")
    try:
        read_codes(bad)
        raise AssertionError("a bad price was read")
    except CodesError as error:
        assert "line 2" in str(error)
    sam = await member(app, "sam")
    r = app.router.dispatch
    poor = await r(command("rewards", actor=user("sam")))
    assert "10% off" in plain(poor) and not any(
        isinstance(o, Buttons) and o.rows for o in poor
    )  # no Redeem button without the points
    async with app.db.session() as session:
        await points.earn(session, sam, 100, "review", "review:1", app.services.clock())
    offered = await r(command("rewards", actor=user("sam")))
    [[redeem]] = next(o.rows for o in offered if isinstance(o, Buttons))
    got = await r(action(redeem.action or "", actor=user("sam"), chat=group()))
    [direct] = [o for o in got if isinstance(o, Direct)]
    assert "SAVE-1" in plain([direct.content]) and "points left: 70" in plain([direct.content])
    again = await r(action(redeem.action or "", actor=user("sam"), chat=group()))
    assert "as often as one person may" in plain(again)
    assert await sums_agree(app)


async def test_a_thousand_presses_from_two_apps_deliver_each_code_once(
    app: App, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    codes = tmp_path / "codes.csv"
    rows = "".join(f"Tote bag,50,1,TOTE-{n:03d}\n" for n in range(100))
    codes.write_text("reward,price,per_member,code\n" + rows, encoding="utf-8")
    await import_codes(app.db, codes, clock())
    members = [await member(app, f"m{n}") for n in range(300)]
    async with app.db.session() as session:
        for n, member_id in enumerate(members):
            await points.earn(session, member_id, 120, "review", f"seed:{n}", clock())
        reward_id = (await points.rewards(session, members[0]))[0].id
    other = build_app(settings, clock)
    token = encode(REDEEM, str(reward_id))
    rng = random.Random(4)
    presses = [rng.randrange(300) for _ in range(1000)]

    async def press(n: int, who: int) -> list[Out]:
        target = app if n % 2 else other
        return await target.router.dispatch(
            action(token, actor=user(f"m{who}"), chat=dm(f"m{who}"))
        )

    try:
        await asyncio.gather(*(press(n, who) for n, who in enumerate(presses)))
    finally:
        await other.close()
    async with app.db.read() as session:
        claimed = (
            await session.exec(
                select(RewardCode.member_id).where(col(RewardCode.member_id).is_not(None))
            )
        ).all()
        spent = (
            await session.exec(select(func.count()).where(PointsEntry.reason == "redeem"))
        ).one()
    assert len(claimed) == 100 and len(set(claimed)) == 100 and spent == 100
    assert await sums_agree(app)


async def test_the_leaderboard_lists_this_months_earners_here_unless_they_opt_out(
    app: App, clock: Clock
) -> None:
    r = app.router.dispatch
    here = group("shop-talk")
    for name in ("ann", "ben", "cat"):
        await r(text("hello @shopbot backpack", actor=user(name), chat=here, addressed=True))
    ann, ben, cat = [await member(app, n) for n in ("ann", "ben", "cat")]
    async with app.db.session() as session:
        last_month = clock().replace(day=1) - timedelta(days=3)
        await points.earn(session, cat, 500, "review", "old", last_month)  # not this month
        await points.earn(session, ann, 40, "review", "a1", clock())
        await points.earn(session, ben, 60, "review", "b1", clock())
        await points.earn(session, cat, 10, "review", "c1", clock())
    board = plain(await r(command("leaderboard", actor=user("ann"), chat=here)))
    assert board.index("Ben — 60 points") < board.index("Ann — 40 points") < board.index("Cat")
    choices = await r(command("settings", actor=user("ben"), chat=dm("ben")))
    assert "You are listed on /leaderboard" in plain(choices) and "Ask me" in plain(choices)
    hide = next(
        b
        for o in choices
        if isinstance(o, Buttons)
        for row in o.rows
        for b in row
        if b.label == "Hide me"
    )
    assert "You are not listed" in plain(
        await r(action(hide.action or "", actor=user("ben"), chat=dm("ben")))
    )
    board = plain(await r(command("leaderboard", actor=user("ann"), chat=here)))
    assert "Ben" not in board and "Ann — 40 points" in board


async def test_tiers_multiply_earnings_and_points_shows_tier_and_badges(
    app: App, clock: Clock
) -> None:
    sam = await member(app, "sam")
    async with app.db.session() as session:
        await points.earn(session, sam, 300, "review", "seed", clock())  # Silver (300+)
        assert await earn(session, app.settings, sam, Earning.REVIEW, "review:9", clock()) == 22
    shown = plain(await app.router.dispatch(command("points", actor=user("sam"))))
    assert "322 points" in shown and "Tier: Silver" in shown and "678 points to Gold" in shown
    # A year later the old points no longer count towards the tier.
    clock.advance(days=366)
    shown = plain(await app.router.dispatch(command("points", actor=user("sam"))))
    assert "Tier: Bronze" in shown


async def test_a_first_vote_in_a_poll_earns_once(app: App) -> None:
    r = app.router.dispatch
    here = group("shop-talk")
    made = await r(command("poll", "1d Which colour? | Sand | Olive", actor=OWNER, chat=here))
    [poll] = [o for o in made if isinstance(o, Poll)]
    sand, olive = vote_token(poll.ref, 0), vote_token(poll.ref, 1)
    voter = user("vic")
    await r(action(sand, actor=voter, chat=here))
    await r(action(sand, actor=voter, chat=here))  # withdrawn
    await r(action(olive, actor=voter, chat=here))  # and cast again: no second credit
    shown = plain(await r(command("points", actor=voter)))
    assert "2 points" in shown and "a poll vote" in shown
    assert await sums_agree(app)


async def test_staff_load_rewards_in_a_private_chat(app: App) -> None:
    r = app.router.dispatch
    loaded = await r(
        command(
            "addreward",
            '"Free shipping" 80 2 SHIP-1, SHIP-2 SHIP-2',
            actor=OWNER,
            chat=dm("olivia"),
        )
    )
    assert "2 new codes loaded for Free shipping." in plain(loaded)
    refused = await r(command("addreward", "Mug 10 1 M-1", actor=user("sam"), chat=dm("sam")))
    assert "Only moderators and vendors" in plain(refused)
    in_group = await r(command("addreward", "Mug 10 1 M-1", actor=OWNER, chat=group()))
    assert "private chat" in plain(in_group)
    offered = plain(await r(command("rewards", actor=user("sam"))))
    assert "Free shipping" in offered and "Mug" not in offered


async def test_voting_for_three_winners_makes_a_trendsetter(app: App) -> None:
    r = app.router.dispatch
    here = group("shop-talk")
    for number in (1, 2, 3):
        made = await r(command("poll", "1d Which? | Sand | Olive", actor=OWNER, chat=here))
        [poll] = [o for o in made if isinstance(o, Poll)]
        for voter, option in (("vic", 0), ("wen", 0), ("xia", 1)):
            await r(action(vote_token(poll.ref, option), actor=user(voter), chat=here))
        before = plain(await r(command("points", actor=user("vic"))))
        assert "Trendsetter" not in before  # open polls have no winner yet
        await r(command("close", str(number), actor=OWNER, chat=here))
    shown = plain(await r(command("points", actor=user("vic"))))
    assert "Trendsetter" in shown and "Poll regular" not in shown
    assert "Trendsetter" not in plain(await r(command("points", actor=user("xia"))))


async def test_a_community_sets_its_own_earning_rules(app: App) -> None:
    r = app.router.dispatch
    here, there = group("shop-talk"), group("elsewhere")
    shown = plain(await r(command("earning", actor=user("vic"), chat=here)))
    assert "A first vote in a poll: 2 points, at most 10 a day (default)" in shown
    refused = await r(command("earning", "vote 50", actor=user("vic"), chat=here))
    assert "Only this chat's moderators" in plain(refused)
    asked = plain(await r(command("earning", "vote", actor=OWNER, chat=here)))
    assert "Say how many points" in asked
    set_here = plain(await r(command("earning", "vote 5 2", actor=OWNER, chat=here)))
    assert "A first vote in a poll: 5 points, at most 2 a day" in set_here
    assert "A first vote in a poll: 5 points, at most 2 a day (default)" not in set_here
    off = plain(await r(command("earning", "helpful 0", actor=OWNER, chat=here)))
    assert "An answer marked helpful: off" in off
    for chat in (here, there):
        for number in range(3):
            made = await r(command("poll", f"1d Pick {number}? | A | B", actor=OWNER, chat=chat))
            [poll] = [o for o in made if isinstance(o, Poll)]
            await r(action(vote_token(poll.ref, 0), actor=user("vic"), chat=chat))
    vic = await member(app, "vic")
    async with app.db.read() as session:
        earned = (
            await session.exec(
                select(PointsEntry.scope, PointsEntry.points).where(PointsEntry.member_id == vic)
            )
        ).all()
    here_scope = {scope for scope, amount in earned if amount == 5}
    assert sorted(amount for _, amount in earned) == [2, 2, 2, 5, 5]  # capped at 2 here
    assert len(here_scope) == 1 and all(scope is not None for scope, _ in earned)
    assert await sums_agree(app)


async def test_referrals_between_one_pair_pay_at_most_twice_a_day(app: App, clock: Clock) -> None:
    sam, bea, cal = [await member(app, n) for n in ("sam", "bea", "cal")]
    settings = app.services.settings
    async with app.db.session() as session:
        paid = [
            await for_order(session, settings, order_id, bea, sam, clock())
            for order_id in (1, 2, 3)
        ]
        paid.append(await for_order(session, settings, 4, cal, sam, clock()))  # another friend
    # Bea: a first purchase and two referred ones; Sam: two referrals from Bea, one from Cal.
    assert paid == [30 + 50 + 25, 50 + 25, 0, 30 + 50 + 25]
    clock.advance(days=1)
    async with app.db.session() as session:
        assert await for_order(session, settings, 5, bea, sam, clock()) == 50 + 25
    assert await sums_agree(app)
