"""The reviews feature: what it answers and when. Writing is in writing.py, showing in
showing.py, the queue in moderation.py, photos in media.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.actions import REVIEWS, WRITE_REVIEW
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context, Services
from handlers.core.conversations import Answer, Ask, Flow, Next, Typed, start
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role, Scope
from handlers.core.i18n import N_, I18n
from handlers.core.model import ChatKind, ChatRef, Ephemeral, Out, Text, ToChat, bold
from handlers.reviews import moderation, showing, writing
from handlers.reviews.media import MAX_PHOTOS, sweep, take_photos
from storage import reviews
from storage.catalog import ProductRecord, product_by_id, product_by_sku
from storage.reviews import Order

feature = Feature("reviews")
feature.flow(writing.FLOW)
PRODUCT = Param(
    "product", ParamKind.WORD, required=False, placeholder=N_("SKU"), completion="product"
)
STARS = Param(
    "stars", ParamKind.INT, required=False, placeholder=N_("stars"), min_value=1, max_value=5
)
TEXT = Param(
    "text", ParamKind.TEXT, required=False, placeholder=N_("text"), max_length=writing.MAX_TEXT
)
SHOWN = Param("product", ParamKind.TEXT, placeholder=N_("name or SKU"), completion="product")
MODE = Param(
    "mode",
    ParamKind.CHOICE,
    required=False,
    choices=("moderated", "instant"),
    placeholder=N_("mode"),
)
REPLY_LIMIT = 1000
SWEEP_AFTER = timedelta(days=1)
log = logging.getLogger(__name__)


# Discord's attachment options: up to five photos with the one-line form.
PHOTOS = [
    Param(f"photo{n}", ParamKind.PHOTO, required=False, placeholder=N_("photo"))
    for n in range(1, MAX_PHOTOS + 1)
]


@feature.command(
    "review",
    N_("Write or edit your review of a product"),
    params=[PRODUCT, STARS, TEXT, *PHOTOS],
)
async def review(ctx: Context, args: Args) -> Sequence[Out]:
    """`/review` alone or with a product: guided. With the stars too: at once (with the
    photos attached to the same message)."""
    typed = args.get("product")
    if args.get("stars") is not None:
        # At once only for the product named exactly: a near match is not what the
        # person rated.
        exact = await product_by_sku(ctx.session, str(typed).strip())
        if exact is None:
            raise UserError(N_("No product has the SKU {sku}."), sku=str(typed)[:64])
        body = writing.check_text(args.get("text") or "")
        photos = await take_photos(ctx, ctx.event.attachments)
        return await writing.submit(ctx, exact, int(args["stars"]), body, photos)
    return await writing.begin(ctx, await _product(ctx, typed) if typed else None)


@feature.action(WRITE_REVIEW)
async def write_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    return await writing.begin(ctx, await _by_id(ctx, args))


@feature.command("reviews", N_("Read a product's reviews"), params=[SHOWN])
async def reviews_command(ctx: Context, args: Args) -> Sequence[Out]:
    product = await _product(ctx, args["product"])
    return await showing.show(ctx, product, Order.NEWEST, 0)


@feature.action(REVIEWS)
async def reviews_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    product = await _by_id(ctx, args[:1])
    order = Order.HELPFUL if args[1:2] == (Order.HELPFUL.value,) else Order.NEWEST
    page = int(args[2]) if len(args) > 2 and args[2].isdigit() else 0
    return await showing.show(ctx, product, order, page)


@feature.action(showing.HELPFUL)
async def helpful(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _review(ctx, args)
    if found.member_id == ctx.member.member_id:
        raise UserError(N_("That is your own review."))
    if not await reviews.mark_helpful(ctx.session, found.id, ctx.member.member_id):
        raise UserError(N_("You found it helpful already."))
    return [Ephemeral(Text.of(ctx.t(N_("Thanks! Noted as helpful."))))]


@feature.action(showing.REPORT)
async def report(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _review(ctx, args)
    if found.member_id == ctx.member.member_id:
        raise UserError(N_("That is your own review."))
    if await reviews.is_vendor_of(ctx.session, found.product_id, ctx.member.member_id):
        # Three reports withdraw a review: a seller must not be one of the three.
        raise UserError(N_("As its vendor you can reply to a review, not report it."))
    if not await reviews.report(ctx.session, found.id, ctx.member.member_id, ctx.now()):
        raise UserError(N_("You reported it already."))
    thanks = N_("Thank you. Moderators will look at it again.")
    return [Ephemeral(Text.of(ctx.t(thanks)))]


@feature.action(showing.REPLY)
async def reply_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await _review(ctx, args)
    reachable = await moderation.reach(ctx)
    moderates = Role.MODERATOR in ctx.roles and (reachable is None or found.chat_id in reachable)
    allowed = moderates or await reviews.is_vendor_of(
        ctx.session, found.product_id, ctx.member.member_id
    )
    if not allowed:
        raise UserError(N_("Only the product's vendor or a moderator can reply to a review."))
    return await start(ctx, REPLY_FLOW, {"review": found.id})


async def _ask_reply(ctx: Context, step: str, data: dict[str, Any]) -> Ask:
    form = Typed(ctx.t(N_("Reply to a review")), ctx.t(N_("Your reply")), True, REPLY_LIMIT)
    prompt = N_("Type your public reply (at most 1,000 characters). It replaces an earlier one.")
    return Ask(Text.of(ctx.t(prompt)), typed=form)


async def _answer_reply(ctx: Context, step: str, data: dict[str, Any], given: Answer) -> Next:
    body = given.text.strip()
    if not body or given.choice is not None:
        raise UserError(N_("Please type your answer."))
    if len(body) > REPLY_LIMIT:
        raise UserError(N_("At most {limit} characters, please."), limit=REPLY_LIMIT)
    found = await reviews.review(ctx.session, int(data["review"]))
    if found is None:
        return Next(None, outs=[Text.of(ctx.t(N_("That review no longer exists.")))])
    name = ctx.member.display_name
    await reviews.set_reply(ctx.session, found.id, ctx.member.member_id, name, body, ctx.now())
    i18n = I18n(found.language)
    told = i18n.rich(
        N_("{name} replied to your review of {product}: {reply}"),
        name=bold(name),
        product=bold(found.product_name),
        reply=body,
    )
    person = ChatRef(found.platform, found.platform_user_id, ChatKind.PERSON)
    done = Text.of(ctx.t(N_("Your reply is published.")))
    return Next(None, outs=[ToChat(person, told), done])


REPLY_FLOW = feature.flow(Flow("reviews.reply", "text", _ask_reply, _answer_reply))


@feature.command("queue", N_("Reviews waiting for a moderator"), role=Role.MODERATOR)
async def queue(ctx: Context, args: Args) -> Sequence[Out]:
    return await moderation.queue(ctx, 0)


@feature.action(moderation.QUEUE_PAGE, role=Role.MODERATOR)
async def queue_page(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    page = int(args[0]) if args and args[0].isdigit() else 0
    return await moderation.queue(ctx, page)


feature.action(moderation.APPROVE, role=Role.MODERATOR)(moderation.approve)
feature.action(moderation.REJECT, role=Role.MODERATOR)(moderation.choose_reason)
feature.action(moderation.REASON, role=Role.MODERATOR)(moderation.reject)


@feature.command(
    "reviewmode",
    N_("Moderate reviews first, or publish them at once"),
    params=[MODE],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)
async def review_mode(ctx: Context, args: Args) -> Sequence[Out]:
    return await moderation.set_mode(ctx, args.get("mode"))


@feature.job("sweep_media", every=timedelta(hours=6))
async def sweep_media(services: Services) -> int:
    """Photos of drafts that were cancelled or forgotten, and of reviews edited since,
    leave the media folder (after a day, so nothing being written is touched)."""
    async with services.db.read() as session:
        in_use = await reviews.files_in_use(session, writing.FLOW.name)
    cutoff = (services.clock() - SWEEP_AFTER).timestamp()
    folder = Path(services.settings.media_dir)
    gone = await asyncio.to_thread(sweep, folder, in_use, cutoff)
    if gone:
        log.info("reviews: %d photo files no review holds were deleted", gone)
    return gone


@feature.on_merge
async def merge(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    await reviews.move_to(session, keep_id, drop_id)


async def _product(ctx: Context, typed: str) -> ProductRecord:
    found = await product_by_sku(ctx.session, typed.strip())
    if found is None:
        matches = await writing.find(ctx, typed)
        found = matches[0] if matches else None
    if found is None:
        raise UserError(N_("I found no product called that. Try other words or the SKU."))
    return found


async def _by_id(ctx: Context, args: tuple[str, ...]) -> ProductRecord:
    found = await product_by_id(ctx.session, int(args[0])) if args and args[0].isdigit() else None
    if found is None:
        raise UserError(N_("That product is no longer in the catalog."))
    return found


async def _review(ctx: Context, args: tuple[str, ...]) -> reviews.ReviewRecord:
    found = await reviews.review(ctx.session, int(args[0])) if args and args[0].isdigit() else None
    if found is None or found.status is not reviews.Status.PUBLISHED:
        raise UserError(N_("That review is no longer shown."))
    return found
