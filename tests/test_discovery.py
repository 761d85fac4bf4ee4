"""Discovery on SQLite and PostgreSQL, from made-up histories and from what members do:
the most popular list and the trending label follow the signals and ignore staff; a
trend needs more than a few clicks; /foryou respects the sizes asked for and never
suggests what was bought; /forgetme leaves no personal signal behind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import col, select

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from handlers.core.model import Buttons, Card, ChatKind, ChatRef, Direct, Out, Poll, UserRef
from handlers.discovery.commands import roll_up
from handlers.orders.feeds import OrderFeed, OrderLine
from handlers.orders.service import record_orders
from storage import orders, signals, vendors
from storage.catalog import product_id
from storage.identity import ensure_chat, ensure_member
from storage.models import Product, ProductSignal, SignalDay
from storage.signals import Kind, SignalFact
from tests import fake_discord
from tests.fake_discord import FakeDiscord
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import user as telegram_user
from tests.support import Clock, action, command, plain, text

GROUP = ChatRef("telegram", "-100700", ChatKind.GROUP, title="TG shop")
OTHER = ChatRef("telegram", "-100701", ChatKind.GROUP, title="Elsewhere")
MOD = UserRef("telegram", "1", "Mona", "mona", "en", is_chat_admin=True)


def shopper(n: int) -> UserRef:
    return UserRef("telegram", str(1000 + n), f"Shopper {n}", None, "en")


class History:
    """Made-up signals in a chat, as the features would record them."""

    def __init__(self, app: App, chat: ChatRef = GROUP) -> None:
        self.app, self.chat = app, chat
        self.facts: list[SignalFact] = []

    async def add(
        self,
        sku: str,
        kind: Kind,
        people: range,
        at: datetime,
        staff: bool = False,
        size: str | None = None,
    ) -> None:
        async with self.app.db.session() as session:
            chat = await ensure_chat(
                session, self.chat.platform, self.chat.id, "group", self.chat.title
            )
            product = await product_id(session, sku)
            assert product is not None
            for n in people:
                member = await ensure_member(session, "telegram", str(1000 + n), f"Shopper {n}")
                key = f"test:{kind}:{sku}:{n}:{at.isoformat()}:{self.chat.id}"
                fact = SignalFact(key, chat, product, member.member_id, kind, at, staff, None, size)
                self.facts.append(fact)
        async with self.app.db.session() as session:
            await signals.record(session, self.facts)
        self.facts = []


async def top(app: App, args: str = "", chat: ChatRef = GROUP) -> Buttons:
    outs = await app.router.dispatch(command("top", args, actor=shopper(99), chat=chat))
    found = [o for o in outs if isinstance(o, Buttons)]
    assert found, plain(outs)
    return found[0]


def lines(listing: Buttons) -> list[str]:
    return [line for line in listing.text.plain.splitlines()[1:] if line[:1].isdigit()]


async def test_top_follows_the_signals_and_ignores_staff(app: App, clock: Clock) -> None:
    now = clock()
    history = History(app)
    await history.add("BAG-003", Kind.VOTE, range(1, 6), now - timedelta(hours=3))
    await history.add("BAG-003", Kind.ORDER, range(1, 3), now - timedelta(days=2))
    await history.add("SHO-001", Kind.VIEW, range(1, 9), now - timedelta(days=1))
    # A moderator looking at the jacket every day for three weeks: never ranks.
    for day in range(21):
        await history.add("JAC-001", Kind.VIEW, range(50, 51), now - timedelta(days=day), True)
    # The candle's vendor pushing their own product: never ranks either.
    async with app.db.session() as session:
        seller = await ensure_member(session, "telegram", "1060", "Shopper 60")
        made = await vendors.become(session, seller.member_id, "Candles Ltd")
        candle = await product_id(session, "HOM-002")
        row = await session.get(Product, candle)
        assert row is not None
        row.vendor_id = made.id
        session.add(row)
    await history.add("HOM-002", Kind.SHARE, range(60, 61), now - timedelta(hours=1))
    await history.add("HOM-002", Kind.ORDER, range(60, 61), now - timedelta(hours=1))
    # Older interest: in this month's list, not this week's; older still: only all time.
    await history.add("ACC-001", Kind.VOTE, range(1, 5), now - timedelta(days=20))
    await history.add("OUT-002", Kind.ORDER, range(1, 9), now - timedelta(days=45))
    # The same interest in another community is not this one's.
    await History(app, OTHER).add("BAG-005", Kind.ORDER, range(1, 20), now)
    assert await roll_up(app.services) > 0

    week = lines(await top(app, "week"))
    assert [line.split(" — ")[0] for line in week] == [
        "1. Waterproof Duffel 40L",
        "2. Trail Running Shoes",
    ]
    assert week[0].endswith("— 2 purchases, 5 votes in polls")
    assert week[1].endswith("— 8 views")
    month = lines(await top(app))
    assert [line.split(" — ")[0][3:] for line in month] == [
        "Waterproof Duffel 40L",
        "Wool Beanie",
        "Trail Running Shoes",
    ]
    ever = lines(await top(app, "all"))
    assert ever[0].startswith("1. Two-Person Tent — 8 purchases")
    assert not any("Rain Jacket" in line or "Candle" in line for line in ever)
    # By category, named in any of the catalog's languages; a number opens the card.
    bags = await top(app, "torby week")
    assert [line.split(" — ")[0] for line in lines(bags)] == ["1. Waterproof Duffel 40L"]
    assert bags.rows[0][0].action == "product:BAG-003"
    refused = plain(await app.router.dispatch(command("top", "spaceships", chat=GROUP)))
    assert "I know no category spaceships" in refused and "Bags" in refused
    # The other community sees its own list.
    assert lines(await top(app, "week", chat=OTHER))[0].startswith("1. Leather Crossbody Bag")


async def test_what_members_do_becomes_signals_once(app: App) -> None:
    alice, bob = shopper(1), shopper(2)
    app.services.bot_links["telegram"] = "https://t.me/shopbot"
    for _ in range(2):  # asking again the same day is one view
        await app.router.dispatch(text("trail backpack", actor=alice, chat=GROUP, addressed=True))
    await app.router.dispatch(action("share:" + await _id(app, "BAG-001"), actor=bob, chat=GROUP))
    await app.router.dispatch(
        command("ask", "BAG-001 Does it fit a 2 l bottle?", actor=bob, chat=GROUP)
    )
    spec = "2h Which bag? | Duffel [BAG-003] | Tote [BAG-004]"
    posted = await app.router.dispatch(command("poll", spec, actor=MOD, chat=GROUP))
    ref = next(o for o in posted if isinstance(o, Poll)).ref
    await app.router.dispatch(action(f"vote:{ref}:0", actor=alice, chat=GROUP))
    await app.router.dispatch(action(f"vote:{ref}:1", actor=alice, chat=GROUP))  # changed
    await app.router.dispatch(action(f"vote:{ref}:0", actor=alice, chat=GROUP))  # and back
    await app.router.dispatch(action(f"vote:{ref}:1", actor=MOD, chat=GROUP))  # staff
    async with app.db.read() as session:
        rows = (await session.exec(select(ProductSignal))).all()
    seen = sorted((r.kind, r.staff) for r in rows)
    assert seen == [
        ("question", False),
        ("share", False),
        ("view", False),
        ("vote", False),
        ("vote", False),
        ("vote", True),
    ]


async def _id(app: App, sku: str) -> str:
    async with app.db.read() as session:
        return str(await product_id(session, sku))


async def test_trending_needs_a_real_rise_and_enough_people(app: App, clock: Clock) -> None:
    now = clock()
    history = History(app)
    # The tent: about one person a day for four weeks, then twelve in two days.
    for day in range(3, 30):
        await history.add("OUT-002", Kind.VIEW, range(day, day + 1), now - timedelta(days=day))
    await history.add("OUT-002", Kind.VIEW, range(100, 112), now - timedelta(hours=5))
    # The mug: just as many people now, but always this busy: no trend.
    for day in range(3, 30):
        await history.add("HOM-003", Kind.VIEW, range(200, 206), now - timedelta(days=day))
    await history.add("HOM-003", Kind.VIEW, range(300, 312), now - timedelta(hours=5))
    # Two clicks and two votes from two people: small numbers are no trend.
    await history.add("ACC-002", Kind.VOTE, range(400, 402), now - timedelta(hours=2))
    await history.add("ACC-002", Kind.CLICK, range(400, 402), now - timedelta(hours=2))
    # Staff crowding round the stove: no trend.
    await history.add("OUT-006", Kind.ORDER, range(500, 510), now - timedelta(hours=2), True)
    await roll_up(app.services)

    listed = plain(await app.router.dispatch(command("trending", actor=shopper(1), chat=GROUP)))
    assert "Two-Person Tent — 12 people took an interest in the last 48 hours" in listed
    assert "Mug" not in listed and "Sunglasses" not in listed and "Stove" not in listed
    outs = await app.router.dispatch(
        text("two person tent", actor=shopper(1), chat=GROUP, addressed=True)
    )
    card = next(o for o in outs if isinstance(o, Card))
    assert card.fields[0].value == "Trending here"
    outs = await app.router.dispatch(
        text("ceramic mug", actor=shopper(1), chat=GROUP, addressed=True)
    )
    card = next(o for o in outs if isinstance(o, Card))
    assert all(f.value != "Trending here" for f in card.fields)
    # Elsewhere, the tent is nothing special.
    other = plain(await app.router.dispatch(command("trending", actor=shopper(1), chat=OTHER)))
    assert "Nothing is trending here" in other


async def test_for_you_respects_sizes_and_never_suggests_what_was_bought(
    app: App, clock: Clock
) -> None:
    now = clock()
    me = shopper(1)
    asked = await app.router.dispatch(
        text("trail running shoes size 46", actor=me, chat=GROUP, addressed=True)
    )
    assert any(isinstance(o, Card) for o in asked)
    history = History(app)
    # People here who liked the running shoes also liked the mug and the bottle.
    await history.add("SHO-001", Kind.VOTE, range(10, 15), now - timedelta(days=1))
    await history.add("HOM-003", Kind.SHARE, range(10, 15), now - timedelta(days=1))
    await history.add("OUT-001", Kind.ORDER, range(10, 13), now - timedelta(days=1))
    # Popular shoes in sizes I did not ask for, and one that has mine.
    await history.add("SHO-002", Kind.ORDER, range(20, 30), now - timedelta(days=2))
    await history.add("SHO-005", Kind.ORDER, range(20, 30), now - timedelta(days=2))
    await history.add("SHO-004", Kind.VIEW, range(20, 23), now - timedelta(days=2))
    await roll_up(app.services)
    # I bought the mug already.
    async with app.db.session() as session:
        code = await orders.code_of(
            session, (await ensure_member(session, "telegram", "1001", "x")).member_id
        )
    feed = OrderFeed(
        "shopify", "9001", "#9001", None, code, now, "EUR", 1400, (OrderLine("1", "HOM-003", 1),)
    )
    await record_orders(app.db, app.settings, [feed], now)

    outs = await app.router.dispatch(command("foryou", actor=me, chat=GROUP))
    assert isinstance(outs[0], Direct)  # one's own history is told privately
    shown = plain(outs)
    assert "Insulated Water Bottle" in shown
    assert "— people here who liked" in shown and "also liked it" in shown
    suggested = _details(outs)
    assert "liked Ceramic Mug" not in shown  # what I bought is no reason either
    assert "HOM-003" not in suggested  # bought
    assert "SHO-001" not in suggested  # already seen
    assert "Hiking Boots — popular here in Shoes, in your size 46" in shown
    assert "SHO-002" not in suggested and "SHO-005" not in suggested  # no size 46


def _details(outs: list[Out] | tuple[Out, ...]) -> list[str]:
    found = []
    for out in outs:
        inner = out.content if isinstance(out, Direct) else out
        if isinstance(inner, Buttons):
            found += [b.action.split(":", 1)[1] for row in inner.rows for b in row if b.action]
    return found


async def test_for_you_without_history_shows_what_is_popular(app: App, clock: Clock) -> None:
    await History(app).add("BAG-003", Kind.ORDER, range(1, 4), clock())
    await roll_up(app.services)
    shown = plain(await app.router.dispatch(command("foryou", actor=shopper(77), chat=GROUP)))
    assert (
        "while I learn what you like" in shown and "Waterproof Duffel 40L — popular here" in shown
    )


async def test_forget_me_leaves_no_personal_signal(app: App, clock: Clock) -> None:
    me, other = shopper(1), shopper(2)
    for words in ("trail backpack", "rain jacket size M", "ceramic mug"):
        await app.router.dispatch(text(words, actor=me, chat=GROUP, addressed=True))
    await app.router.dispatch(text("ceramic mug", actor=other, chat=GROUP, addressed=True))
    await roll_up(app.services)
    async with app.db.read() as session:
        counted = (await session.exec(select(func.sum(col(SignalDay.views))))).one()
    asked = await app.router.dispatch(command("forgetme", actor=me, chat=GROUP))
    offer = next(o.content for o in asked if isinstance(o, Direct))
    assert isinstance(offer, Buttons) and "Kept: your orders" in offer.text.plain
    confirm = offer.rows[0][0].action
    assert confirm is not None
    refused = plain(await app.router.dispatch(action(confirm, actor=other, chat=GROUP)))
    assert "Only the person who asked" in refused
    done = plain(await app.router.dispatch(action(confirm, actor=me)))
    assert "Deleted" in done and "records of your product history" in done
    async with app.db.session() as session:
        mine = (await ensure_member(session, "telegram", "1001", "x")).member_id
    await roll_up(app.services)  # the days are counted again from what is left
    async with app.db.read() as session:
        left = (
            await session.exec(select(ProductSignal).where(col(ProductSignal.member_id) == mine))
        ).all()
        rows = (await session.exec(select(ProductSignal))).all()
        still = (await session.exec(select(func.sum(col(SignalDay.views))))).one()
    assert left == []
    forgotten = [r for r in rows if r.member_id is None]
    assert len(forgotten) == len(rows) - 1 >= 3  # mine: no one's now, and nothing asked
    assert all(r.key.startswith("forgotten:") and not r.size for r in forgotten)
    assert still == counted  # popular lists do not move
    again = plain(await app.router.dispatch(command("foryou", actor=me)))
    assert "while I learn what you like" in again


async def test_a_signal_recorded_twice_counts_once(app: App, clock: Clock) -> None:
    history = History(app)
    at = clock()
    await history.add("BAG-001", Kind.ORDER, range(1, 2), at)
    await history.add("BAG-001", Kind.ORDER, range(1, 2), at)
    await roll_up(app.services)
    await roll_up(app.services)  # counting again changes nothing
    async with app.db.read() as session:
        rows = (await session.exec(select(SignalDay))).all()
    assert [(r.orders, r.score) for r in rows] == [(1, 5)]


async def test_moderators_curate_pick_lists_members_vote_them_up(app: App) -> None:
    for sku in ("BAG-001", "OUT-002", "HOM-002"):
        said = plain(
            await app.router.dispatch(
                command("addpick", f"{sku} Summer picks", actor=MOD, chat=GROUP)
            )
        )
        assert "is on the pick list Summer picks" in said
    again = plain(
        await app.router.dispatch(command("addpick", "BAG-001 summer PICKS", actor=MOD, chat=GROUP))
    )
    assert "was already on the pick list" in again
    refused = plain(
        await app.router.dispatch(
            command("addpick", "BAG-002 Summer picks", actor=shopper(1), chat=GROUP)
        )
    )
    assert "Only moderators" in refused
    overview = plain(await app.router.dispatch(command("picks", actor=shopper(1), chat=GROUP)))
    assert "Summer picks (3)" in overview
    listing = (
        await app.router.dispatch(command("picks", "summer picks", actor=shopper(1), chat=GROUP))
    )[0]
    assert isinstance(listing, Buttons)
    tent_up = listing.rows[1][2].action
    assert tent_up is not None and tent_up.startswith("pickvote:")
    for n in (1, 2, 2):  # the second press of shopper 2 counts nothing
        await app.router.dispatch(action(tent_up, actor=shopper(n), chat=GROUP))
    twice = plain(await app.router.dispatch(action(tent_up, actor=shopper(2), chat=GROUP)))
    assert "already" in twice
    shown = plain(
        await app.router.dispatch(command("picks", "Summer picks", actor=shopper(3), chat=GROUP))
    )
    assert "1. Two-Person Tent — 2 votes" in shown and "2. Trail Backpack 30L — 0 votes" in shown
    # A button carried to another community counts nothing there.
    elsewhere = plain(await app.router.dispatch(action(tent_up, actor=shopper(4), chat=OTHER)))
    assert "no longer on the list" in elsewhere
    gone = plain(
        await app.router.dispatch(
            command("droppick", "OUT-002 Summer picks", actor=MOD, chat=GROUP)
        )
    )
    assert "is off the pick list" in gone
    shown = plain(
        await app.router.dispatch(command("picks", "Summer picks", actor=shopper(3), chat=GROUP))
    )
    assert "Tent" not in shown and "Scented Candle — 0 votes" in shown


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_top_on_telegram_and_discord(app: App, clock: Clock) -> None:
    """The real libraries against the platform fakes: /top in a Telegram private chat
    (every chat counted) and in a Discord channel (that channel's community)."""
    channel = ChatRef("discord", fake_discord.CHANNEL_ID, ChatKind.GROUP, title="dc-shop")
    await History(app, channel).add("BAG-003", Kind.VOTE, range(1, 5), clock())
    await History(app).add("OUT-002", Kind.ORDER, range(1, 3), clock())
    await roll_up(app.services)
    telegram = FakeTelegram()
    await telegram.start()
    tina = telegram_user(6101, "Tina", "tina")
    telegram.add_private(tina["id"])
    settings = app.services.settings.model_copy(
        update={
            "telegram_token": SecretStr(telegram.token),
            "telegram_api_url": telegram.base_url,
            "telegram_file_url": telegram.file_url,
        }
    )
    adapter = TelegramAdapter(settings, app.router)
    await adapter.start()
    try:
        telegram.push_message(tina["id"], tina, "/top all")
        [sent] = await telegram.wait_for(lambda: telegram.sent(tina["id"], "sendMessage"))
        text_sent = sent.params["text"]
        assert "1. <b>Waterproof Duffel 40L</b> — 4 votes in polls" in text_sent
        assert "2. <b>Two-Person Tent</b> — 2 purchases" in text_sent
        [[first, _]] = sent.params["reply_markup"]["inline_keyboard"]
        assert first == {"text": "1", "callback_data": "product:BAG-003"}
    finally:
        await adapter.stop()
        await telegram.stop()
    discord = FakeDiscord()
    await discord.start()
    settings = app.services.settings.model_copy(
        update={
            "discord_token": SecretStr(fake_discord.TOKEN),
            "discord_api_url": discord.api_url,
            "discord_guild_ready_timeout": 0.05,
        }
    )
    bot = DiscordAdapter(settings, app.router, app.state)
    await bot.start()
    try:
        asked = fake_discord.slash("top", words="all")
        await discord.dispatch("INTERACTION_CREATE", asked)
        [answer] = await discord.wait_for(lambda: fake_discord.callbacks(discord, asked))
        message = answer.body["data"]
        assert "1. **Waterproof Duffel 40L** — 4 votes in polls" in message["content"]
        assert "Tent" not in message["content"]  # another community's
    finally:
        await bot.stop()
        await discord.stop()


async def test_for_you_before_the_community_has_said_much(app: App) -> None:
    """A first look is enough: products like it, in stock, each saying why."""
    me = shopper(5)
    await app.router.dispatch(text("trail backpack", actor=me, chat=GROUP, addressed=True))
    outs = await app.router.dispatch(command("foryou", actor=me))
    shown = plain(outs)
    assert "like Trail Backpack 30L, which you looked at" in shown
    suggested = _details(outs)
    assert suggested and "BAG-001" not in suggested
    assert all(sku.startswith(("BAG-", "KID-")) for sku in suggested)


async def test_a_signal_recorded_late_is_still_counted(app: App, clock: Clock) -> None:
    """A signal that names a time before the last roll-up (a unit of work that ran
    long, a backfill) is counted on its own day by the next one."""
    await History(app).add("BAG-001", Kind.VIEW, range(1, 2), clock())
    await roll_up(app.services)
    clock.advance(minutes=30)
    await History(app).add("BAG-002", Kind.ORDER, range(1, 2), clock() - timedelta(days=2))
    await roll_up(app.services)
    async with app.db.read() as session:
        rows = (await session.exec(select(SignalDay))).all()
    assert sorted((r.day.isoformat(), r.views, r.orders) for r in rows) == [
        ("2026-11-22", 0, 1),
        ("2026-11-24", 1, 0),
    ]


async def link(app: App, first: ChatRef, second: ChatRef) -> None:
    issued = plain(await app.router.dispatch(command("link", actor=MOD, chat=first)))
    code = next(w.strip(".") for w in issued.split() if len(w.strip(".")) == 6 and w.isupper())
    await app.router.dispatch(command("link", code, actor=MOD, chat=second))


async def test_an_order_counts_once_per_community_and_staff_orders_never(
    app: App, clock: Clock
) -> None:
    third = ChatRef("telegram", "-100702", ChatKind.GROUP, title="Third")
    await link(app, GROUP, OTHER)
    buyer = shopper(1)
    for chat in (GROUP, OTHER, third):  # active in both linked chats and a third group
        await app.router.dispatch(text("hello there", actor=buyer, chat=chat, addressed=True))
    await app.router.dispatch(text("hello there", actor=MOD, chat=GROUP, addressed=True))
    now = clock()
    async with app.db.session() as session:
        codes = [
            await orders.code_of(
                session, (await ensure_member(session, "telegram", uid, "x")).member_id
            )
            for uid in ("1001", "1")
        ]
    feeds = [
        OrderFeed(
            "shopify",
            f"77{n}",
            f"#77{n}",
            None,
            code,
            now,
            "EUR",
            7900,
            (OrderLine("1", "BAG-003", 1),),
        )
        for n, code in enumerate(codes)
    ]
    await record_orders(app.db, app.settings, feeds, now)
    await roll_up(app.services)
    linked = lines(await top(app, "week", chat=OTHER))
    assert linked == ["1. Waterproof Duffel 40L — 1 purchase"]  # not 2 (two chats), not 3
    alone = lines(await top(app, "week", chat=third))
    assert alone == ["1. Waterproof Duffel 40L — 1 purchase"]
    async with app.db.read() as session:
        rows = (
            await session.exec(select(ProductSignal).where(col(ProductSignal.kind) == "order"))
        ).all()
    assert sorted(r.staff for r in rows) == [False, False, True]  # the moderator's: staff


async def test_a_trend_fades_when_its_window_has_passed(app: App, clock: Clock) -> None:
    await History(app).add("OUT-002", Kind.VIEW, range(100, 112), clock() - timedelta(hours=1))
    await roll_up(app.services)
    listed = plain(await app.router.dispatch(command("trending", actor=shopper(1), chat=GROUP)))
    assert "Two-Person Tent" in listed
    clock.advance(hours=49)  # nothing happens in the community meanwhile
    await roll_up(app.services)
    listed = plain(await app.router.dispatch(command("trending", actor=shopper(1), chat=GROUP)))
    assert "Nothing is trending here" in listed


async def test_a_pick_put_back_starts_again(app: App) -> None:
    for sku in ("BAG-001", "BAG-002"):
        await app.router.dispatch(command("addpick", f"{sku} Gifts", actor=MOD, chat=GROUP))
    listing = (await app.router.dispatch(command("picks", "Gifts", actor=shopper(1), chat=GROUP)))[
        0
    ]
    assert isinstance(listing, Buttons)
    up = listing.rows[1][0].action
    assert up is not None
    await app.router.dispatch(action(up, actor=shopper(1), chat=GROUP))
    await app.router.dispatch(command("droppick", "BAG-001 Gifts", actor=MOD, chat=GROUP))
    await app.router.dispatch(command("addpick", "BAG-001 Gifts", actor=MOD, chat=GROUP))
    again = plain(await app.router.dispatch(action(up, actor=shopper(1), chat=GROUP)))
    assert "your vote counts" in again
