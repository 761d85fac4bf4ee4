"""Writing a review: guided, one step at a time in private (product, stars, text,
photos, preview), or in one line (`/review SKU 4 text`, photos attached to it where the
platform allows). One review per person and product: sending another edits it, and the
edit waits for a moderator again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handlers.core.context import Context
from handlers.core.conversations import Answer, Ask, Flow, Next, Typed, start
from handlers.core.errors import UserError
from handlers.core.features import Role
from handlers.core.i18n import N_, Nn_
from handlers.core.model import ChatKind, Ephemeral, Out, Span, Text, bold
from handlers.reviews.media import MAX_PHOTOS, pictures, take_photos
from handlers.reviews.rewarding import reward
from storage import linking, reviews
from storage.catalog import ProductRecord, product_by_sku, products_by_ids
from storage.numbering import scope_of
from storage.reviews import Draft, PhotoFile
from storage.search import SearchFilters, SearchTerm, search_products
from storage.text import words

MAX_TEXT = 2000
PRODUCT, STARS, BODY, PHOTOS, CONFIRM = "product", "stars", "text", "photos", "confirm"
PRODUCT_CHOICES = 5
SEND_PHOTOS = Nn_(
    "Send up to {n} photo of it, then press Done (or press Done right away).",
    "Send up to {n} photos of it, then press Done (or press Done right away).",
)
GOT_PHOTOS = Nn_("Got it: {n} photo.", "Got it: {n} photos.")
PHOTO_COUNT = Nn_("{n} photo", "{n} photos")


def stars(rating: int) -> str:
    """★★★★☆ for 4."""
    return "★" * rating + "☆" * (5 - rating)


async def begin(ctx: Context, product: ProductRecord | None) -> list[Out]:
    """Start writing (in private: from a group the questions go to the person's private
    chat), at the stars when the product is known."""
    data: dict[str, Any] = {}
    if product is not None:
        existing = await reviews.member_review(ctx.session, product.id, ctx.member.member_id)
        data = {"sku": product.sku, "name": product.name, "editing": existing is not None}
    origin = await linking.chat(ctx.session, ctx.chat_id)
    # Where it was begun decides who moderates it and whether it is staff's.
    data["scope"] = scope_of(origin)
    data["origin"] = ctx.chat_id
    data["staff"] = Role.MODERATOR in ctx.roles
    outs = await start(ctx, FLOW, data, private=True)
    if ctx.event.chat.kind is not ChatKind.DM:
        outs.append(Ephemeral(Text.of(ctx.t(N_("I've written to you privately.")))))
    return outs


async def ask(ctx: Context, step: str, data: dict[str, Any]) -> Ask:
    t = ctx.t
    if step == PRODUCT and "sku" in data:
        step = STARS  # chosen already (from a card's button)
    match step:
        case "product" if data.get("choices"):
            prompt = N_("Which one? Press it, or type other words.")
            rows = tuple(((name, sku),) for name, sku in data["choices"])
            return Ask(Text.of(t(prompt)), rows)
        case "product":
            form = Typed(t(N_("Write a review")), t(N_("Product name or SKU")), max_length=200)
            prompt = N_("Which product would you like to review? Type its name or SKU.")
            return Ask(Text.of(t(prompt)), typed=form)
        case "stars":
            question = ctx.rich(
                N_("How many stars do you give {product}?"), product=bold(data["name"])
            )
            row = tuple((stars(n), str(n)) for n in range(1, 6))
            return Ask(question, (row[:3], row[3:]))
        case "text":
            prompt = N_(
                "Tell other shoppers about it: type your review (at most 2,000 characters), "
                "or press Skip."
            )
            return Ask(Text.of(t(prompt)), (((t(N_("Skip")), "skip"),),))
        case "photos":
            return Ask(ctx.rich_n(SEND_PHOTOS, MAX_PHOTOS), (((t(N_("Done")), "done"),),))
    buttons = (((t(N_("Send")), "send"), (t(N_("Cancel")), "cancel")),)
    return Ask(preview(ctx, data), buttons)


async def answer(ctx: Context, step: str, data: dict[str, Any], given: Answer) -> Next:
    if step == PRODUCT and "sku" in data:
        step = STARS
    match step:
        case "product":
            return await _product(ctx, data, given)
        case "stars":
            if given.choice not in {"1", "2", "3", "4", "5"}:
                raise UserError(N_("Please press one of the buttons."))
            return Next(BODY, {**data, "rating": int(given.choice or 0)})
        case "text":
            body = "" if given.choice == "skip" else check_text(given.text)
            return Next(PHOTOS, {**data, "text": body})
        case "photos":
            had = list(data.get("photos", []))
            if given.photos:
                taken = await take_photos(ctx, given.photos, already=len(had))
                had += [[p.file, p.width, p.height] for p in taken]
                got = ctx.tn(GOT_PHOTOS, len(had))
                return Next(PHOTOS, {**data, "photos": had}, outs=[Text.of(got)])
            if given.choice != "done":
                raise UserError(N_("Please send photos, or press Done."))
            return Next(CONFIRM, data)
    if given.choice == "send":
        return Next(None, outs=await _send(ctx, data))
    if given.choice == "cancel":
        return Next(None, outs=[Text.of(ctx.t(N_("Cancelled. Nothing was sent.")))])
    raise UserError(N_("Please press one of the buttons."))


async def _product(ctx: Context, data: dict[str, Any], given: Answer) -> Next:
    """A typed name or SKU, or a pressed choice among several matches."""
    if given.choice is not None:
        found = await product_by_sku(ctx.session, given.choice)
        if found is None:
            raise UserError(N_("That product is no longer in the catalog."))
        return await _chosen(ctx, data, found)
    typed = given.text.strip()
    if not typed:
        raise UserError(N_("Please type your answer."))
    exact = await product_by_sku(ctx.session, typed.upper()) or await product_by_sku(
        ctx.session, typed
    )
    if exact is not None:
        return await _chosen(ctx, data, exact)
    matches = await find(ctx, typed)
    if not matches:
        raise UserError(N_("I found no product called that. Try other words or the SKU."))
    if len(matches) == 1:
        return await _chosen(ctx, data, matches[0])
    choices = [[p.name[:40], p.sku] for p in matches]
    return Next(PRODUCT, {**data, "choices": choices}, outs=[])


async def _chosen(ctx: Context, data: dict[str, Any], product: ProductRecord) -> Next:
    existing = await reviews.member_review(ctx.session, product.id, ctx.member.member_id)
    chosen = {**data, "sku": product.sku, "name": product.name, "editing": existing is not None}
    chosen.pop("choices", None)
    return Next(STARS, chosen)


async def find(ctx: Context, typed: str) -> list[ProductRecord]:
    """Products whose name holds every word typed (by prefix), a few."""
    terms = [SearchTerm((word,), prefix=True) for word in words(typed)[:8]]
    if not terms:
        return []
    ids = await search_products(
        ctx.session, terms, match_all=True, filters=SearchFilters(), limit=PRODUCT_CHOICES
    )
    return await products_by_ids(ctx.session, ids)


def check_text(text: str) -> str:
    """The review's text, refused when too long."""
    body = text.strip()
    if len(body) > MAX_TEXT:
        raise UserError(
            N_("A review has at most {limit} characters; yours has {count}."),
            limit=MAX_TEXT,
            count=len(body),
        )
    return body


def preview(ctx: Context, data: dict[str, Any]) -> Text:
    """The review as it will be sent."""
    parts: list[str | Span] = [
        ctx.t(N_("Here is your review:")),
        "\n\n",
        bold(data["name"]),
        "\n" + stars(int(data["rating"])),
    ]
    if data.get("text"):
        parts.append("\n" + data["text"])
    count = len(data.get("photos", []))
    if count:
        parts.append("\n" + ctx.tn(PHOTO_COUNT, count))
    if data.get("editing"):
        parts.append("\n\n" + ctx.t(N_("It replaces your earlier review of this product.")))
    return Text.of(*parts)


async def _send(ctx: Context, data: dict[str, Any]) -> list[Out]:
    product = await product_by_sku(ctx.session, data["sku"])
    if product is None:
        raise UserError(N_("That product is no longer in the catalog."))
    photos = tuple(PhotoFile(f, w, h) for f, w, h in data.get("photos", []))
    begun = Begun(data.get("origin"), data.get("scope"), bool(data.get("staff")))
    return await submit(ctx, product, int(data["rating"]), data.get("text", ""), photos, begun)


@dataclass(frozen=True)
class Begun:
    """Where a guided review was begun (a group's card): that chat's community
    moderates it, and a moderator there writes as staff."""

    chat_id: int | None
    scope: str | None
    staff: bool


async def submit(
    ctx: Context,
    product: ProductRecord,
    rating: int,
    body: str,
    photos: Sequence[PhotoFile],
    begun: Begun | None = None,
) -> list[Out]:
    """Store the review (an edit replaces the earlier one) and say what happens next.
    Published at once only where the community chose so, whatever the rating."""
    origin = begun.chat_id if begun is not None and begun.chat_id else ctx.chat_id
    scope = begun.scope if begun is not None and begun.scope else None
    if scope is None:
        scope = scope_of(await linking.chat(ctx.session, origin))
    instant = await reviews.is_instant(ctx.session, scope)
    was_staff = begun is not None and begun.staff
    staff = (
        was_staff
        or Role.MODERATOR in ctx.roles
        or await reviews.is_vendor_of(ctx.session, product.id, ctx.member.member_id)
    )
    actor = ctx.event.actor
    draft = Draft(
        product_id=product.id,
        member_id=ctx.member.member_id,
        chat_id=origin,
        platform=actor.platform,
        platform_user_id=actor.id,
        author_name=ctx.member.display_name,
        rating=rating,
        body=body,
        language=ctx.i18n.language,
        staff=staff,
        photos=tuple(photos),
    )
    done = await reviews.submit(ctx.session, draft, ctx.now(), publish=instant)
    if done.published:
        await reward(
            ctx, done.review_id, product.id, ctx.member.member_id, bool(photos), origin, staff
        )
    name = bold(product.name)
    if done.published:
        message = N_("Thank you! Your review of {product} is published.")
    elif done.edited:
        message = N_("Your review of {product} is updated. A moderator will read it again.")
    else:
        message = N_(
            "Thank you! A moderator will read your review of {product} (for content only, "
            "never for its rating); I'll tell you when it is published."
        )
    outs: list[Out] = [ctx.rich(message, product=name)]
    album = pictures(ctx, photos)
    if album is not None:
        outs.append(album)
    return outs


FLOW = Flow("reviews.write", PRODUCT, ask, answer)
