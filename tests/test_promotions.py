"""Vendor promotions on SQLite and PostgreSQL, with a controllable clock and the real
scheduler: vendors granted per community, bad input creating nothing, approval per
chat, and delivery: each chat's post of each occurrence exactly once across two
processes and a restart, late ones skipped after an outage, the daily cap and quiet
hours kept, rejected chats left alone."""

from __future__ import annotations

import asyncio
import io
import itertools
import re
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import text

from bot import promo_links
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App, build_app
from bot.http import HttpServer
from config import Settings
from handlers.core.model import (
    Buttons,
    Card,
    ChatKind,
    ChatRef,
    Edit,
    Event,
    EventKind,
    Out,
    SentRef,
    UserRef,
)
from handlers.promotions.delivery import END_JOB, JOB
from storage import promotions as promotions_store
from tests.fake_telegram import BOT, FakeTelegram
from tests.support import Clock, plain

_ids = itertools.count(1)
VERA = UserRef("telegram", "42", "Vera", "vera", "en")  # a vendor everywhere (settings)
TG_MOD = UserRef("telegram", "7", "Tess", "tess", "en", is_chat_admin=True)
DC_MOD = UserRef("discord", "8", "Dan", None, "en", is_chat_admin=True)
SHOPPER = UserRef("telegram", "9", "Sam", "sam", "en")
NORTH = ChatRef("telegram", "-1001", ChatKind.GROUP, title="North")
SOUTH = ChatRef("telegram", "-1002", ChatKind.GROUP, title="South")
WEST = ChatRef("discord", "3003", ChatKind.GROUP, title="west")
VERA_DM = ChatRef("telegram", "42", ChatKind.DM)
SPEC = "BAG-001,BAG-002 {start} daily 7d --code WINTER20 Winter sale | 20% off all bags"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        owner_ids=["console:olivia"],
        vendor_ids=["telegram:42"],
        public_url="https://bot.example.com",
    )


def event(actor: UserRef, chat: ChatRef, name: str = "", args: str = "", token: str = "") -> Event:
    kind = EventKind.ACTION if token else EventKind.COMMAND
    return Event(
        actor.platform,
        f"p{next(_ids)}",
        kind,
        actor,
        chat,
        command=name or None,
        args=args,
        action=token or None,
    )


def moderator(chat: ChatRef) -> UserRef:
    return TG_MOD if chat.platform == "telegram" else DC_MOD


def buttons(outs: Sequence[Out]) -> dict[str, str]:
    return {
        b.label: b.action or ""
        for o in outs
        if isinstance(o, Buttons)
        for row in o.rows
        for b in row
    }


TOLD: list[tuple[str, list[Out]]] = []  # what people were told privately
EDITS: list[tuple[str, Edit]] = []  # edits of earlier posts, per chat
_messages = itertools.count(1)


@pytest.fixture(autouse=True)
def _forget() -> None:
    TOLD.clear()
    EDITS.clear()


class Chats:
    """What a platform's sender was asked to post, per group chat (what people are
    told privately goes to TOLD)."""

    def __init__(self, platform: str, posted: list[tuple[str, str, list[Out]]]) -> None:
        self.platform = platform
        self.posted = posted

    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> list[SentRef]:
        if chat.kind is ChatKind.PERSON:
            TOLD.append((chat.id, list(outs)))
        elif all(isinstance(o, Edit) for o in outs):
            EDITS.extend((chat.id, o) for o in outs if isinstance(o, Edit))
        else:
            self.posted.append((self.platform, chat.id, list(outs)))
        return [SentRef(chat.id, str(next(_messages))) for _ in outs]


def running(app: App, posted: list[tuple[str, str, list[Out]]]) -> App:
    for platform in ("telegram", "discord"):
        app.outbox.register(platform, Chats(platform, posted))
    return app


async def write(app: App, spec: str, chats: Sequence[ChatRef] = (NORTH, SOUTH, WEST)) -> int:
    """Vera writes and submits a promotion; returns its id."""
    r = app.router.dispatch
    for chat in chats:  # the chats exist, and their communities set their policy
        await r(event(moderator(chat), chat, "promopolicy", "2"))
    preview = await r(event(VERA, VERA_DM, "promote", spec))
    submit = buttons(preview).get("Submit")
    assert submit, plain(preview)
    said = await r(event(VERA, VERA_DM, token=submit))
    assert "Submitted" in plain(said)
    return int(submit.split(":")[1])


async def decide(app: App, chat: ChatRef, label: str = "Approve") -> str:
    r = app.router.dispatch
    waiting = await r(event(moderator(chat), chat, "promos"))
    return plain(await r(event(moderator(chat), chat, token=buttons(waiting)[label])))


async def count(app: App, query: str) -> int:
    async with app.db.read() as session:
        return int((await session.exec(text(query))).one()[0])  # type: ignore[call-overload]


SENT = "SELECT count(*) FROM outbox WHERE key LIKE 'promo:%' AND outcome = 'sent'"


async def until(check: Any, seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 - the jobs change it
            await asyncio.sleep(0.05)


async def count_is(app: App, query: str, expected: int) -> bool:
    return await count(app, query) == expected


async def posted_count(app: App, expected: int) -> bool:
    return await count(app, SENT) == expected


Posted = list[tuple[str, str, list[Out]]]


async def post_now(
    app: App, clock: Clock, spec: str, chats: Sequence[ChatRef]
) -> tuple[int, Posted]:
    """A promotion starting in a minute (`spec` after its start), approved in `chats`,
    posted by the real jobs: its number and what each chat got."""
    start = (clock() + timedelta(minutes=1)).isoformat()
    number = await write(app, f"{spec.split()[0]} {start} {spec.split(' ', 1)[1]}", chats)
    for chat in chats:
        await decide(app, chat)
    posted: Posted = []
    running(app, posted)
    await app.start_background()
    clock.now = clock() + timedelta(minutes=2)
    app.jobs.wake(JOB)
    await until(lambda: posted_count(app, len(chats)))
    return number, posted


async def test_a_daily_promotion_in_three_chats_posts_21_times_across_processes_and_a_restart(
    app: App, settings: Settings, clock: Clock
) -> None:
    start = clock() + timedelta(hours=1)
    promotion = await write(app, SPEC.format(start=start.isoformat()))
    for chat in (NORTH, SOUTH, WEST):
        assert "will be posted here" in await decide(app, chat)
    posted: list[tuple[str, str, list[Out]]] = []
    first = running(app, posted)
    second = running(build_app(settings, clock=clock), posted)
    await first.start_background()
    await second.start_background()
    try:
        for day in range(7):
            if day == 3:  # a restart on day 4: the second process stops, a new one starts
                await second.close()
                second = running(build_app(settings, clock=clock), posted)
                await second.start_background()
            clock.now = start + timedelta(days=day, minutes=1)
            for process in (first, second):
                process.jobs.wake(JOB)
            await until(lambda day=day: posted_count(app, 3 * (day + 1)))
        # Vera changes its words on the last day: the posts made so far follow.
        changed = await first.router.dispatch(
            event(VERA, VERA_DM, "promoedit", f"{promotion} Winter sale ends | Last day!")
        )
        assert "21 posts already made are edited" in plain(changed)
        edits = "SELECT count(*) FROM outbox WHERE key LIKE 'promo-edit:%' AND outcome = 'sent'"
        await until(lambda: count_is(app, edits, 21))
        clock.now = start + timedelta(days=8)
        for process in (first, second):
            process.jobs.wake(JOB)
            process.jobs.wake(END_JOB)
        ended = "SELECT count(*) FROM outbox WHERE key LIKE 'promo-end:%' AND outcome = 'sent'"
        await until(lambda: count_is(app, ended, 21))
        await asyncio.sleep(0.5)  # anything extra would show now
    finally:
        await second.close()
    assert await count(app, SENT) == 21
    assert len(posted) == 21
    per_chat = {
        chat: sum(1 for _, c, _ in posted if c == chat) for chat in ("-1001", "-1002", "3003")
    }
    assert per_chat == {"-1001": 7, "-1002": 7, "3003": 7}
    query = f"SELECT count(DISTINCT number) FROM promotion_post WHERE promotion_id = {promotion}"
    assert await count(app, query) == 7
    assert "Winter sale" in plain(posted[0][2]) and "Code: WINTER20" in plain(posted[0][2])
    # Once over, each post (the card: the last message) says so, and sells no more.
    ours = [(chat, e) for chat, e in EDITS if isinstance(e.content, Card)]
    changed = [e for _, e in ours if e.content.body.startswith("Last day!")]  # type: ignore[union-attr]
    assert len(changed) == 21 and all(e.content.title == "Winter sale ends" for e in changed)  # type: ignore[union-attr]
    ours = [(chat, e) for chat, e in ours if not e.content.body.startswith("Last day!")]  # type: ignore[union-attr]
    assert len(ours) == 21 and len({e.ref for _, e in ours}) == 21
    assert all(e.content.body.startswith("This promotion has ended.") for _, e in ours)  # type: ignore[union-attr]
    assert all(not e.content.buttons for _, e in ours)  # type: ignore[union-attr]


async def test_after_an_outage_only_what_is_within_the_grace_window_is_posted(
    app: App, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    now = clock()
    for hours in (1, 3, 5.5):
        at = (now + timedelta(hours=hours)).isoformat()
        await write(app, f"BAG-001 {at} once 1d Sale at {hours}h | Hello", chats=(NORTH,))
        await decide(app, NORTH)
    await app.router.dispatch(event(TG_MOD, NORTH, "promopolicy", "5"))
    posted: list[tuple[str, str, list[Out]]] = []
    running(app, posted)
    clock.now = now + timedelta(hours=6)  # the bot was down for six hours
    await app.start_background()
    await until(lambda: posted_count(app, 1))
    app.jobs.wake(JOB)
    await asyncio.sleep(0.3)
    assert len(posted) == 1 and "Sale at 5.5h" in plain(posted[0][2])
    assert await count(app, "SELECT count(*) FROM promotion_post WHERE status = 'late'") == 2
    missed = [r for r in caplog.records if "not posted late" in r.getMessage()]
    assert len(missed) == 2


async def test_the_daily_cap_and_quiet_hours_hold(app: App, clock: Clock) -> None:
    now = clock().replace(hour=12, minute=0)
    clock.now = now
    r = app.router.dispatch
    for n in range(2):
        at = (now + timedelta(minutes=10 + n)).isoformat()
        await write(app, f"BAG-001 {at} once 1d Offer {n} | Hello", chats=(NORTH,))
        await decide(app, NORTH)
    said = plain(await r(event(TG_MOD, NORTH, "promopolicy", "1 22:00-08:00 UTC")))
    assert "At most 1 promotion a day here. None between 22:00 and 08:00 (UTC)." in said
    night = (now + timedelta(hours=11)).isoformat()  # 23:00: in the quiet hours
    await write(app, f"BAG-002 {night} once 2d Night offer | Hello", chats=(SOUTH,))
    await decide(app, SOUTH)
    await r(event(TG_MOD, SOUTH, "promopolicy", "3 22:00-08:00 UTC"))
    posted: list[tuple[str, str, list[Out]]] = []
    running(app, posted)
    await app.start_background()
    clock.now = now + timedelta(minutes=15)
    app.jobs.wake(JOB)
    await until(lambda: posted_count(app, 1))
    assert await count(app, "SELECT count(*) FROM promotion_post WHERE status = 'capped'") == 1
    clock.now = now + timedelta(hours=11, minutes=5)  # 23:05: quiet
    app.jobs.wake(JOB)
    await asyncio.sleep(0.3)
    assert len(posted) == 1
    clock.now = now + timedelta(hours=20, minutes=1)  # 08:01 the next day
    app.jobs.wake(JOB)
    await until(lambda: posted_count(app, 2))
    assert "Night offer" in plain(posted[-1][2]) and posted[-1][1] == "-1002"


async def test_a_rejected_chat_gets_nothing_and_the_vendor_is_told(app: App, clock: Clock) -> None:
    start = (clock() + timedelta(minutes=5)).isoformat()
    await write(app, f"BAG-001 {start} once 1d Flash sale | Today only", chats=(NORTH, SOUTH))
    assert "will not be posted here" in await decide(app, NORTH, "Reject")
    await decide(app, SOUTH)
    posted: list[tuple[str, str, list[Out]]] = []
    running(app, posted)
    await app.start_background()
    clock.now = clock() + timedelta(minutes=10)
    app.jobs.wake(JOB)
    await until(lambda: posted_count(app, 1))
    await asyncio.sleep(0.3)
    flash = [chat for _, chat, outs in posted if "Flash sale" in plain(outs)]
    assert flash == ["-1002"]
    told = [plain(outs) for chat, outs in TOLD if chat == VERA.id]
    assert any("was rejected in North" in t for t in told)
    assert any("was approved in South" in t for t in told)


async def test_vendors_are_granted_by_a_communitys_moderators(app: App) -> None:
    r = app.router.dispatch
    await r(event(SHOPPER, NORTH, "help"))  # the bot has seen Sam
    refused = await r(event(SHOPPER, NORTH, "vendor", "add @sam"))
    assert "Only this chat's moderators" in plain(refused)
    unknown = await r(event(TG_MOD, NORTH, "vendor", "add @nobody"))
    assert "I don't know @nobody yet" in plain(unknown)
    added = plain(await r(event(TG_MOD, NORTH, "vendor", "add @sam Sam's Shop")))
    assert "Sam's Shop is a vendor here" in added
    assert "Sam's Shop (Sam)" in plain(await r(event(SHOPPER, NORTH, "vendor")))
    # Sam may now write promotions for North only.
    sam_dm = ChatRef("telegram", "9", ChatKind.DM)
    start = "now"
    elsewhere = await r(event(SHOPPER, SOUTH, "promote", f"BAG-001 {start} once 1d --here A | B"))
    assert "Only vendors" in plain(elsewhere) or "may not post" in plain(elsewhere)
    ok = await r(event(SHOPPER, sam_dm, "promote", f"BAG-001 {start} once 1d A | B"))
    assert "in North" in plain(ok)
    removed = plain(await r(event(TG_MOD, NORTH, "vendor", "remove @sam")))
    assert "no longer a vendor here" in removed
    gone = await r(event(SHOPPER, sam_dm, "promote", f"BAG-001 {start} once 1d A | B"))
    assert "Only vendors" in plain(gone)


@pytest.fixture
async def images() -> AsyncIterator[str]:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(picture, "PNG")

    async def png(request: web.Request) -> web.Response:
        return web.Response(body=picture.getvalue(), content_type="image/png")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>not a picture</html>", content_type="text/html")

    server = web.Application()
    server.router.add_get("/ok.png", png)
    server.router.add_get("/page", page)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_bad_promotions_get_a_clear_answer_and_create_nothing(
    app: App, clock: Clock, images: str
) -> None:
    r = app.router.dispatch
    for chat in (NORTH, WEST):
        await r(event(moderator(chat), chat, "promopolicy", "2"))
    now = clock()
    tomorrow = (now + timedelta(days=1)).isoformat()
    cases = {
        f"BAG-001 {tomorrow} daily {now.date().isoformat()} A | B": "ends before it starts",
        "BAG-001 now daily 91d A | B": "at most 90 days",
        "NOPE-1 now once 1d A | B": "I don't know the product NOPE-1",
        "BAG-001 now sometimes 1d A | B": "can't read the repeat",
        "BAG-001 now once 1d A": "Write it as",
        "BAG-001 now once 1d --bogus A | B": "I don't know the option --bogus",
        f"BAG-001 now once 1d --image {images}/page A | B": "is not an image",
        f"BAG-001 now once 1d --image {images}/missing A | B": "does not answer",
        "BAG-001 now once 1d --image http://127.0.0.1:9/x.png A | B": "does not answer",
        f"BAG-001 now once 1d A | {'x' * 1100}": "Telegram shows at most 1,024",
    }
    for spec, expected in cases.items():
        said = plain(await r(event(VERA, VERA_DM, "promote", spec)))
        assert expected in said, (spec, said)
    shopper = await r(event(SHOPPER, NORTH, "promote", "BAG-001 now once 1d A | B"))
    assert "Only vendors" in plain(shopper)
    assert await count(app, "SELECT count(*) FROM promotion") == 0
    ok = await r(
        event(VERA, VERA_DM, "promote", f"BAG-001 now once 1d --image {images}/ok.png A | B")
    )
    assert "Submit" in buttons(ok)


@pytest.fixture
async def http(app: App) -> AsyncIterator[str]:
    server = HttpServer("127.0.0.1", 0, app.metrics)
    promo_links.mount(server, app)
    await server.start()
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


BROWSERS = {
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "chrome": "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
}
PREVIEWS = (
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Twitterbot/1.0)",
    "",
)


async def test_clicks_count_once_per_person_per_promotion_and_previews_never(
    app: App, clock: Clock, http: str
) -> None:
    promotion, posted = await post_now(
        app, clock, "BAG-001,BAG-002 once 1d Two bags | Both", (NORTH,)
    )
    [card] = [o for o in posted[0][2] if isinstance(o, Card)]
    links = [b.url for row in card.buttons for b in row if b.url]
    assert [link.rsplit("/", 1)[1] for link in links] == ["0", "1"]
    assert all(link.startswith("https://bot.example.com/c/") for link in links)
    paths = [link.removeprefix("https://bot.example.com") for link in links]

    async def visit(path: str, agent: str, address: str) -> str:
        headers = {"User-Agent": agent, "X-Forwarded-For": address}
        async with aiohttp.ClientSession() as client:
            reply = await client.get(f"{http}{path}", headers=headers, allow_redirects=False)
            assert reply.status == 302
            return reply.headers["Location"]

    where = await visit(paths[0], BROWSERS["firefox"], "198.51.100.7")
    assert where == (
        f"https://shop.example.com/p/bag-001?spromo={promotion}&utm_source=shopbot"
        f"&utm_medium=chat&utm_campaign=promotion-{promotion}"
    )
    await visit(paths[0], BROWSERS["firefox"], "198.51.100.7")  # the same person again
    await visit(paths[1], BROWSERS["firefox"], "198.51.100.7")  # and the other product
    await visit(paths[1], BROWSERS["chrome"], "203.0.113.9")  # someone else
    for agent in PREVIEWS:  # link previews: never a person
        await visit(paths[0], agent, "192.0.2.1")
    assert await count(app, "SELECT count(*) FROM promotion_click") == 2
    async with aiohttp.ClientSession() as client:
        for path in ("/c/99999/0", f"{paths[0][:-1]}7", "/c/x/0"):
            assert (await client.get(f"{http}{path}", allow_redirects=False)).status == 404


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_429_storm_from_telegram_delays_posts_but_loses_none(
    app: App, clock: Clock
) -> None:
    fake = FakeTelegram()
    await fake.start()
    fake.add_group(int(NORTH.id), "North", admins={BOT["id"]})  # the bot may pin here
    fake.add_group(int(SOUTH.id), "South")  # and not here
    fake.add_private(int(VERA.id))
    settings = app.settings.model_copy(
        update={
            "telegram_token": SecretStr(fake.token),
            "telegram_api_url": fake.base_url,
            "telegram_file_url": fake.file_url,
        }
    )
    adapter = TelegramAdapter(settings, app.router, app.outbox)
    await adapter.start()
    try:
        start = (clock() + timedelta(minutes=1)).isoformat()
        spec = f"BAG-001 {start} once 1d --pin Storm sale | Still here"
        await write(app, spec, chats=(NORTH, SOUTH))
        for chat in (NORTH, SOUTH):
            await decide(app, chat)
        await app.start_background()
        fake.flood(times=8, retry_after=1)
        clock.now = clock() + timedelta(minutes=2)
        app.jobs.wake(JOB)
        await until(lambda: posted_count(app, 2), seconds=60)
        for chat in (NORTH, SOUTH):
            cards = [
                c for c in fake.sent(int(chat.id), "sendPhoto") if "Storm sale" in str(c.params)
            ]
            assert len(cards) == 1
        floods = [c for c in fake.sent(ok=False) if c.status == 429]
        assert len(floods) == 8  # every one waited out
        # Pinned where the bot may pin; refused (and logged, not retried) where not.
        pins = await fake.wait_for(lambda: fake.sent(method="pinChatMessage"))
        [card] = [c for c in fake.sent(int(NORTH.id), "sendPhoto") if "Storm sale" in str(c.params)]
        assert [int(p.params["message_id"]) for p in pins] == [card.result["message_id"]]
        await fake.wait_for(lambda: fake.sent(int(SOUTH.id), "pinChatMessage", ok=False))
        await asyncio.sleep(0.3)
        assert len(fake.sent(int(SOUTH.id), "pinChatMessage", ok=False)) == 1
    finally:
        await adapter.stop()
        await fake.stop()


async def test_a_promotion_written_step_by_step(app: App) -> None:
    r = app.router.dispatch
    await r(event(TG_MOD, NORTH, "promopolicy", "2"))

    async def say(text: str = "", choice: str | None = None) -> str:
        if choice is not None:
            return plain(await r(event(VERA, VERA_DM, token=f"conv:{choice}")))
        said = Event("telegram", f"p{next(_ids)}", EventKind.TEXT, VERA, VERA_DM, text=text)
        return plain(await r(said))

    assert "Which products" in plain(await r(event(VERA, VERA_DM, "promote")))
    assert "I don't know the product NOPE-9" in await say("BAG-001, nope-9")
    assert "Its title?" in await say("BAG-001, BAG-002")
    assert "Its text?" in await say("Winter sale")
    assert "discount code" in await say("20% off all bags")
    assert "When does it start?" in await say("WINTER20")
    assert "How often" in await say(choice="now")
    assert "For how long?" in await say(choice="daily")
    preview = await r(event(VERA, VERA_DM, token="conv:7d"))
    shown = plain(preview)
    assert "Winter sale" in shown and "Code: WINTER20" in shown
    assert "It is posted 7 times" in shown and "in North" in shown
    assert "Submitted" in plain(await r(event(VERA, VERA_DM, token=buttons(preview)["Submit"])))
    assert "Winter sale" in await decide(app, NORTH)


async def test_share_links_made_from_a_post_count_shares_and_arrivals_for_it(
    app: App, clock: Clock
) -> None:
    app.services.bot_links["telegram"] = "https://t.me/shopbot_test_bot"
    promotion, posted = await post_now(
        app, clock, "BAG-001 once 1d Bring a friend | Both win", (NORTH,)
    )
    [card] = [o for o in posted[0][2] if isinstance(o, Card)]
    share = next(b.action for row in card.buttons for b in row if b.label == "Share and earn")
    assert share is not None
    r = app.router.dispatch
    for _ in range(2):  # pressed twice: one share
        said = await r(event(SHOPPER, NORTH, token=share))
    links = plain(said)
    assert "I've written to you privately." in links
    [deep] = re.findall(r"https://t\.me/shopbot_test_bot\?start=(s-\S+)", links)
    assert deep.endswith(f"-{promotion}")
    assert "https://bot.example.com/s/" in links and f"?p={promotion}" in links
    newcomer = UserRef("telegram", "77", "Nia", "nia", "en")
    newcomer_dm = ChatRef("telegram", "77", ChatKind.DM)
    greeted = await r(event(newcomer, newcomer_dm, "start", deep))
    assert "A friend shared" in plain(greeted)
    async with app.db.read() as session:
        record = await promotions_store.promotion(session, promotion)
        assert record is not None
        found = await promotions_store.numbers(session, record)
    day = clock().date()
    assert found.shares == {("North", day): 1} and found.arrivals == {day: 1}


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_draft_nobody_submits_is_forgotten_after_a_day(app: App, clock: Clock) -> None:
    r = app.router.dispatch
    await r(event(TG_MOD, NORTH, "promopolicy", "2"))
    preview = await r(event(VERA, VERA_DM, "promote", "BAG-001 now once 1d Left | Behind"))
    assert "Submit" in buttons(preview)
    drafts = "SELECT count(*) FROM promotion WHERE status = 'draft'"
    assert await count(app, drafts) == 1
    await app.start_background()
    clock.now = clock() + timedelta(days=1, minutes=1)
    app.jobs.wake(END_JOB)
    await until(lambda: count_is(app, drafts, 0))
    late = await r(event(VERA, VERA_DM, token=buttons(preview)["Submit"]))
    assert "submitted or discarded already" in plain(late)
