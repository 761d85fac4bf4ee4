"""Reviews through the router on SQLite and PostgreSQL: written guided or in one line,
photos cleaned of metadata, moderated (never by rating), shown with their labels, the
rating on the card kept in step, and each write counted once."""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlmodel import select

from bot.app import App, build_app, prepare
from config import Settings
from handlers.core.actions import REVIEWS, WRITE_REVIEW, encode
from handlers.core.model import (
    Album,
    Attachment,
    Buttons,
    Card,
    ChatKind,
    ChatRef,
    Direct,
    Event,
    EventKind,
    Out,
    UserRef,
)
from handlers.reviews import commands as reviews_feature
from handlers.reviews.moderation import APPROVE, REASON
from storage import reviews
from storage.catalog import product_by_sku
from storage.db import Database
from storage.models import OutboxMessage, Review
from tests.support import Clock, action, command, dm, group, plain, text, user

SHOPPER = user("sam")
MOD = user("olivia", admin=True)  # an owner (settings): moderates every community
SKU = "BAG-001"


def jpeg_with_gps() -> bytes:
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 13.0, 30.0)
    out = io.BytesIO()
    PILImage.new("RGB", (120, 80), "olive").save(out, "JPEG", exif=exif)
    return out.getvalue()


FILES: dict[str, bytes] = {"gps.jpg": jpeg_with_gps(), "doc.pdf": b"%PDF-1.4 not a photo"}


async def fake_download(attachment: Attachment, limit: int) -> bytes:
    return FILES[attachment.ref][: limit + 1]


@pytest.fixture
async def app(db: Database, settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[App]:
    """The bot on an emptied database (`db`) with the demo catalog, photos in tmp_path."""
    assembled = build_app(settings.model_copy(update={"media_dir": tmp_path / "media"}), clock)
    assembled.services.downloads["console"] = fake_download
    report = await prepare(assembled, load_demo=True)
    assert report is not None and report.ok
    yield assembled
    await assembled.close()


def photos(*names: str, who: str = "sam", chat: ChatRef | None = None) -> Event:
    return Event(
        "console",
        f"p-{names}-{who}-{id(names)}",
        EventKind.PHOTO,
        user(who),
        chat or dm(who),
        attachments=tuple(Attachment("photo", n) for n in names),
        addressed=True,
    )


def tokens(outs: list[Out]) -> dict[str, str]:
    """Button label -> action token, over every answer."""
    found = {}
    for out in outs:
        inner = out.content if isinstance(out, Direct) else out
        if isinstance(inner, Buttons):
            found.update({b.label: b.action or "" for row in inner.rows for b in row})
    return found


async def press(app: App, outs: list[Out], label: str, who: str = "sam", **kw: object) -> list[Out]:
    token = tokens(outs)[label]
    return await app.router.dispatch(
        action(token, actor=user(who, **kw), chat=kw.get("chat") or dm(who))
    )  # type: ignore[arg-type]


async def write(app: App, stars: int, body: str, who: str = "sam") -> list[Out]:
    r = app.router.dispatch
    actor, chat = user(who), dm(who)
    await r(command("review", SKU, actor=actor, chat=chat))
    await r(action(encode("conv", str(stars)), actor=actor, chat=chat))
    await r(text(body, actor=actor, chat=chat))
    await r(action(encode("conv", "done"), actor=actor, chat=chat))
    return await r(action(encode("conv", "send"), actor=actor, chat=chat))


async def stored(app: App) -> list[Review]:
    async with app.db.read() as session:
        return list((await session.exec(select(Review))).all())


async def rating(app: App) -> tuple[int, int]:
    async with app.db.read() as session:
        product = await product_by_sku(session, SKU)
        assert product is not None
        return product.rating_count, product.rating_sum


async def test_guided_review_with_photos_is_moderated_then_shown(app: App) -> None:
    r = app.router.dispatch
    asked = await r(command("review", actor=SHOPPER, chat=dm("sam")))
    assert "Which product" in plain(asked)
    choices = await r(text("trail backpack", actor=SHOPPER, chat=dm("sam")))
    assert "How many stars" in plain(choices)
    await r(action(encode("conv", "4"), actor=SHOPPER, chat=dm("sam")))
    await r(text("Roomy and light.", actor=SHOPPER, chat=dm("sam")))
    got = await r(photos("gps.jpg", "gps.jpg"))
    assert "2 photos" in plain(got)
    preview = await r(action(encode("conv", "done"), actor=SHOPPER, chat=dm("sam")))
    assert "★★★★☆" in plain(preview) and "2 photos" in plain(preview)
    sent = await r(action(encode("conv", "send"), actor=SHOPPER, chat=dm("sam")))
    assert "A moderator will read" in plain(sent)
    assert any(isinstance(o, Album) and len(o.images) == 2 for o in sent)
    assert await rating(app) == (0, 0)  # pending reviews do not count

    # The stored photo has no EXIF at all, GPS included.
    [photo] = {Path(i.path or "") for o in sent if isinstance(o, Album) for i in o.images}
    cleaned = PILImage.open(photo)
    assert not cleaned.getexif() and b"Exif" not in photo.read_bytes()

    queue = await r(command("queue", actor=MOD, chat=group()))
    assert "1 review waits" in plain(queue) and "Roomy and light." in plain(queue)
    approved = await r(action(tokens(queue)["Approve"], actor=MOD, chat=group()))
    assert "Approved by Olivia" in plain(approved)
    assert await rating(app) == (1, 4)
    # The author is told privately, once the decision is committed (the outbox).
    async with app.db.read() as session:
        waiting = (await session.exec(select(OutboxMessage))).all()
    assert [(m.chat_id, m.chat_kind) for m in waiting] == [("sam", ChatKind.PERSON.value)]

    card = await r(command("product", SKU))
    assert "★ 4.0 · 1 review" in plain(card)
    shown = await r(command("reviews", SKU, actor=user("tara")))
    assert "Roomy and light." in plain(shown) and "How reviews are checked" in plain(shown)
    assert any(isinstance(o, Album) for o in shown)


async def test_each_refusal_changes_nothing(app: App) -> None:
    r = app.router.dispatch
    six = await r(
        Event(
            "console",
            "six",
            EventKind.COMMAND,
            SHOPPER,
            dm("sam"),
            command="review",
            args=f"{SKU} 5 Great",
            attachments=tuple(Attachment("photo", "gps.jpg") for _ in range(6)),
        )
    )
    assert "at most 5 photos" in plain(six)
    pdf = Attachment("file", "doc.pdf", "application/pdf")
    refused = await r(
        Event(
            "console",
            "pdf",
            EventKind.COMMAND,
            SHOPPER,
            dm("sam"),
            command="review",
            args=f"{SKU} 5 Great",
            attachments=(pdf,),
        )
    )
    assert "not a photo" in plain(refused)
    long = await r(command("review", f"{SKU} 5 " + "x" * 2001, actor=SHOPPER))
    assert "at most 2000 characters" in plain(long) or "at most 2,000" in plain(long)
    stars = await r(command("review", f"{SKU} 6 Too good", actor=SHOPPER))
    assert "Usage" in plain(stars)
    unknown = await r(command("review", "NOPE-404 5 hm", actor=SHOPPER))
    assert "No product has the SKU NOPE-404" in plain(unknown)
    assert await stored(app) == []


async def test_an_edit_goes_back_to_moderation_and_leaves_the_rating(app: App) -> None:
    r = app.router.dispatch
    await r(command("review", f"{SKU} 2 Strap broke", actor=SHOPPER))
    queue = await r(command("queue", actor=MOD, chat=group()))
    await r(action(tokens(queue)["Approve"], actor=MOD, chat=group()))
    assert await rating(app) == (1, 2)
    edited = await r(command("review", f"{SKU} 5 They replaced it", actor=SHOPPER))
    assert "updated" in plain(edited)
    assert await rating(app) == (0, 0)
    [review] = await stored(app)
    assert (review.status, review.revision, review.rating) == ("pending", 2, 5)
    # The old queue item's button names revision 1: it cannot publish the new text.
    stale = await r(action(tokens(queue)["Approve"], actor=MOD, chat=group()))
    assert "decided on this review already" in plain(stale)


async def test_two_moderators_approving_at_once_publish_once(
    app: App, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    await app.router.dispatch(command("review", f"{SKU} 3 Fine", actor=SHOPPER))
    [review] = await stored(app)
    token = encode(APPROVE, str(review.id), "1")
    other = build_app(settings.model_copy(update={"media_dir": tmp_path / "media"}), clock)
    try:
        answers = await asyncio.gather(
            app.router.dispatch(action(token, actor=MOD, chat=group())),
            other.router.dispatch(action(token, actor=user("mo", admin=True), chat=group())),
        )
    finally:
        await other.close()
    texts = [plain(a) for a in answers]
    assert sum("Approved by" in t for t in texts) == 1, texts
    assert await rating(app) == (1, 3)


async def test_the_queue_offers_no_rating_filter_or_order(app: App, clock: Clock) -> None:
    r = app.router.dispatch
    for n, stars in enumerate([5, 1, 4, 2]):
        await r(command("review", f"{SKU} {stars} Review {n}", actor=user(f"buyer{n}")))
        clock.advance(minutes=1)
    queue = await r(command("queue", actor=MOD, chat=group()))
    order = [line for line in plain(queue).splitlines() if line.startswith("Review ")]
    assert order == ["Review 0", "Review 1", "Review 2", "Review 3"]  # oldest first
    command_ = next(c for c in reviews_feature.feature.commands if c.name == "queue")
    assert command_.params == ()  # nothing to filter or sort by
    kinds = {a.kind for a in reviews_feature.feature.actions}
    assert not any("rating" in k or "star" in k for k in kinds)
    async with app.db.read() as session:
        waiting, total = await reviews.queue(session, 0, 10)
    assert [w.rating for w in waiting] == [5, 1, 4, 2] and total == 4


async def test_helpful_once_not_own_and_three_reports_send_it_back(app: App) -> None:
    r = app.router.dispatch
    await r(command("review", f"{SKU} 1 Terrible", actor=SHOPPER))
    queue = await r(command("queue", actor=MOD, chat=group()))
    await r(action(tokens(queue)["Approve"], actor=MOD, chat=group()))
    shown = await r(command("reviews", SKU, actor=user("tara")))
    helpful, report = tokens(shown)["Helpful (0)"], tokens(shown)["Report"]
    assert "Noted" in plain(await r(action(helpful, actor=user("tara"))))
    assert "already" in plain(await r(action(helpful, actor=user("tara"))))
    assert "own review" in plain(await r(action(helpful, actor=SHOPPER)))
    for name in ("a", "b", "c"):
        assert "Moderators will look" in plain(await r(action(report, actor=user(name))))
    assert await rating(app) == (0, 0)
    again = await r(command("queue", actor=MOD, chat=group()))
    assert "reported" in plain(again)
    assert "no longer shown" in plain(await r(action(report, actor=user("d"))))


async def test_rejecting_names_a_reason_from_the_list(app: App) -> None:
    r = app.router.dispatch
    await r(command("review", f"{SKU} 4 Buy at spam.example", actor=SHOPPER))
    [review] = await stored(app)
    reasons = await r(action(encode("rvx", str(review.id), "1"), actor=MOD, chat=group()))
    assert "spam" in plain(reasons)
    done = await r(action(encode(REASON, str(review.id), "1", "spam"), actor=MOD, chat=group()))
    assert "Rejected by Olivia: spam" in plain(done)
    bad = await r(
        action(encode(REASON, str(review.id), "1", "low-rating"), actor=MOD, chat=group())
    )
    assert "no longer works" in plain(bad)
    [review] = await stored(app)
    assert (review.status, review.reason) == ("rejected", "spam")


async def test_a_card_button_in_a_group_goes_on_in_private_after_a_restart(
    app: App, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    async with app.db.read() as session:
        product = await product_by_sku(session, SKU)
    assert product is not None
    card = await app.router.dispatch(command("product", SKU, chat=group()))
    assert encode(WRITE_REVIEW, str(product.id)) in tokens_of_cards(card)
    assert encode(REVIEWS, str(product.id)) in tokens_of_cards(card)
    pressed = await app.router.dispatch(
        action(encode(WRITE_REVIEW, str(product.id)), actor=SHOPPER, chat=group())
    )
    assert isinstance(pressed[0], Direct) and "How many stars" in plain(pressed)
    # A restart: another process on the same database takes the private answer.
    await app.close()
    again = build_app(settings.model_copy(update={"media_dir": tmp_path / "media"}), clock)
    try:
        r = again.router.dispatch
        asked = await r(action(encode("conv", "5"), actor=SHOPPER, chat=dm("sam")))
        assert "Tell other shoppers" in plain(asked)
        await r(action(encode("conv", "skip"), actor=SHOPPER, chat=dm("sam")))
        await r(action(encode("conv", "done"), actor=SHOPPER, chat=dm("sam")))
        await r(action(encode("conv", "send"), actor=SHOPPER, chat=dm("sam")))
    finally:
        await again.close()
    [review] = await stored_on(settings)
    assert (review.rating, review.body) == (5, "")


def tokens_of_cards(outs: list[Out]) -> set[str]:
    return {b.action or "" for o in outs if isinstance(o, Card) for row in o.buttons for b in row}


async def stored_on(settings: Settings) -> list[Review]:
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            return list((await session.exec(select(Review))).all())
    finally:
        await db.dispose()


async def test_ratings_check_finds_and_fixes_a_drifted_aggregate(app: App) -> None:
    await write(app, 4, "Good")
    queue = await app.router.dispatch(command("queue", actor=MOD, chat=group()))
    await app.router.dispatch(action(tokens(queue)["Approve"], actor=MOD, chat=group()))
    async with app.db.session() as session:
        assert await reviews.check_ratings(session) == []
        product = await product_by_sku(session, SKU)
        assert product is not None
        await reviews._count(session, product.id, 2, 9)  # drift, as a bug would
    async with app.db.session() as session:
        [wrong] = await reviews.check_ratings(session, fix=True)
        assert (wrong.stored, wrong.actual) == ((3, 13), (1, 4))
    async with app.db.session() as session:
        assert await reviews.check_ratings(session) == []


async def test_linked_accounts_keep_the_newer_review_and_count_helpful_once(
    app: App, clock: Clock
) -> None:
    r = app.router.dispatch
    telegram, discord = user("anna"), UserRef("discord", "44", "Anna D", "annad", "en")
    dc_dm = ChatRef("discord", "d44", ChatKind.DM)
    await r(command("review", f"{SKU} 2 First thoughts", actor=telegram, chat=dm("anna")))
    await r(command("review", "BAG-002 4 City bag", actor=user("zed")))
    clock.advance(minutes=5)
    await r(command("review", f"{SKU} 5 After a month", actor=discord, chat=dc_dm))
    queue = await r(command("queue", actor=MOD, chat=group()))
    for token in [t for label, t in tokens_all(queue) if label == "Approve"]:
        await r(action(token, actor=MOD, chat=group()))
    assert await rating(app) == (2, 7)
    # Both accounts found Zed's review helpful: after linking, it counts once.
    shown = await r(command("reviews", "BAG-002", actor=telegram))
    helpful = tokens(shown)["Helpful (0)"]
    await r(action(helpful, actor=telegram))
    await r(action(helpful, actor=discord, chat=dc_dm))
    issued = plain(await r(command("linkme", actor=telegram, chat=dm("anna"))))
    code = re.search(r"\b([A-Z2-9]{6})\b", issued)
    assert code is not None
    linked = await r(command("linkme", code.group(1), actor=discord, chat=dc_dm))
    assert "linked" in plain(linked).lower()
    kept = [(rv.body, rv.rating) for rv in await stored(app) if rv.body != "City bag"]
    assert kept == [("After a month", 5)]
    assert await rating(app) == (1, 5)
    [zed] = [rv for rv in await stored(app) if rv.body == "City bag"]
    assert zed.helpful_count == 1


def tokens_all(outs: list[Out]) -> list[tuple[str, str]]:
    """Every (label, token) of every answer, in order (several items share labels)."""
    return [
        (b.label, b.action or "")
        for o in outs
        if isinstance(o, Buttons)
        for row in o.rows
        for b in row
    ]


async def test_photos_no_review_holds_are_swept_after_a_day(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    r = app.router.dispatch
    await r(
        Event(
            "console",
            "kept",
            EventKind.COMMAND,
            SHOPPER,
            dm("sam"),
            command="review",
            args=f"{SKU} 5 Great",
            attachments=(Attachment("photo", "gps.jpg"),),
        )
    )
    other = io.BytesIO()
    PILImage.new("RGB", (50, 50), "navy").save(other, "JPEG")
    FILES["other.jpg"] = other.getvalue()
    await r(command("review", "BAG-002", actor=user("zoe"), chat=dm("zoe")))
    await r(action(encode("conv", "3"), actor=user("zoe"), chat=dm("zoe")))
    await r(action(encode("conv", "skip"), actor=user("zoe"), chat=dm("zoe")))
    await r(photos("other.jpg", who="zoe"))
    media = tmp_path / "media"
    assert len(list(media.glob("*.jpg"))) == 2
    for path in media.glob("*.jpg"):
        os.utime(path, (1_600_000_000, 1_600_000_000))  # written long ago
    assert await reviews_feature.sweep_media(app.services) == 0  # the draft holds its photo
    await r(command("cancel", actor=user("zoe"), chat=dm("zoe")))
    assert await reviews_feature.sweep_media(app.services) == 1
    [left] = media.glob("*.jpg")
    [review] = await stored(app)
    async with app.db.read() as session:
        found = await reviews.review(session, review.id or 0)
    assert found is not None and [p.file for p in found.photos] == [left.name]


async def test_a_chat_admin_moderates_only_their_own_communitys_reviews(app: App) -> None:
    r = app.router.dispatch
    ours, theirs = group("our-shop"), group("another-shop")
    admin, stranger = user("ada", admin=True), user("eve", admin=True)
    async with app.db.read() as session:
        product = await product_by_sku(session, SKU)
    assert product is not None
    # Begun from our group's card: our admins decide on it, even though it is written
    # in private.
    await r(action(encode(WRITE_REVIEW, str(product.id)), actor=SHOPPER, chat=ours))
    for step in ("2", "skip", "done", "send"):
        await r(action(encode("conv", step), actor=SHOPPER, chat=dm("sam")))
    [review] = await stored(app)
    assert plain(await r(command("queue", actor=stranger, chat=theirs))).startswith("No reviews")
    token = encode(APPROVE, str(review.id), str(review.revision))
    refused = await r(action(token, actor=stranger, chat=theirs))
    assert "another community" in plain(refused)
    assert await rating(app) == (0, 0)
    queue = await r(command("queue", actor=admin, chat=ours))
    assert "1 review waits" in plain(queue)
    assert "Approved by Ada" in plain(await r(action(token, actor=admin, chat=ours)))
