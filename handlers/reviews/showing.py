"""Showing reviews: `/reviews <product>`, newest or most helpful first (never by
rating), a page at a time, each with its labels, photos, reply and buttons; and a
line on how reviews are checked (EU Directive 2019/2161 requires telling shoppers)."""

from __future__ import annotations

from handlers.core.actions import REVIEWS, encode
from handlers.core.context import Context
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Button, Buttons, Out, Span, Text, bold
from handlers.core.ratings import rating_line
from handlers.reviews.media import pictures
from handlers.reviews.writing import stars
from storage import reviews
from storage.catalog import ProductRecord
from storage.reviews import Order, ReviewRecord

PAGE = 5
HELPFUL = "rvh"  # rvh:<review id>
REPORT = "rvr"  # rvr:<review id>
REPLY = "rvp"  # rvp:<review id>
HELPFUL_COUNT = Nn_("Helpful ({n})", "Helpful ({n})")
HOW_CHECKED = N_(
    "How reviews are checked: moderators read each review for its content only (spam, "
    "abuse, personal data, off-topic), never for its rating, and ratings never decide the "
    "order. Verified buyer: we have an order of this product from the reviewer. Staff: "
    "written by the product's vendor or a moderator. Rewarded: the reviewer got points "
    "for it."
)


async def show(ctx: Context, product: ProductRecord, order: Order, page: int) -> list[Out]:
    """A page of the product's published reviews, with the pager under it."""
    found = await reviews.published(ctx.session, product.id, order, page * PAGE, PAGE)
    total = product.rating_count
    rating = rating_line(ctx.i18n, product.rating_count, product.rating_sum)
    header = Text.of(bold(product.name), "\n" + rating)
    outs: list[Out] = [header]
    if not found and page == 0:
        invite = N_("Be the first to review it: /review {sku}")
        outs = [header + Text.of("\n\n" + ctx.t(invite, sku=product.sku))]
    for review in found:
        outs.extend(review_messages(ctx, review, buttons=True))
    outs.append(_pager(ctx, product.id, order, page, total))
    return outs


def review_text(ctx: Context, review: ReviewRecord) -> Text:
    """One review: stars, author, labels, date, text, and the reply under it."""
    labels = []
    if review.verified:
        labels.append(ctx.t(N_("Verified buyer")))
    if review.staff:
        labels.append(ctx.t(N_("Staff")))
    if review.rewarded:
        labels.append(ctx.t(N_("Rewarded")))
    when = review.published_at or review.updated_at
    head = " · ".join([review.author_name, *labels, ctx.i18n.date(when)])
    parts: list[str | Span] = [bold(stars(review.rating)), " " + head]
    if review.body:
        parts.append("\n" + review.body)
    if review.reply is not None:
        reply = ctx.t(N_("Reply from {name}:"), name=review.reply.author_name)
        parts += ["\n\n", bold(reply), " " + review.reply.body]
    return Text.of(*parts)


def review_messages(ctx: Context, review: ReviewRecord, buttons: bool) -> list[Out]:
    """The review's text (with Helpful, Report and Reply under it) and its photos."""
    text = review_text(ctx, review)
    outs: list[Out] = [text]
    if buttons:
        row = (
            Button(ctx.tn(HELPFUL_COUNT, review.helpful_count), encode(HELPFUL, str(review.id))),
            Button(ctx.t(N_("Report")), encode(REPORT, str(review.id))),
            Button(ctx.t(N_("Reply")), encode(REPLY, str(review.id))),
        )
        outs = [Buttons(text, (row,))]
    album = pictures(ctx, review.photos)
    if album is not None:
        outs.append(album)
    return outs


def _pager(ctx: Context, product_id: int, order: Order, page: int, total: int) -> Buttons:
    pages = max(1, -(-total // PAGE))
    line = ctx.t(N_("Page {page} of {pages}"), page=page + 1, pages=pages)
    ref = str(product_id)
    sort = [
        Button(ctx.t(N_("Newest")), encode(REVIEWS, ref, Order.NEWEST.value, "0")),
        Button(ctx.t(N_("Most helpful")), encode(REVIEWS, ref, Order.HELPFUL.value, "0")),
    ]
    moves = []
    if page > 0:
        moves.append(Button("◀", encode(REVIEWS, ref, order.value, str(page - 1))))
    if page + 1 < pages:
        moves.append(Button("▶", encode(REVIEWS, ref, order.value, str(page + 1))))
    rows = (tuple(sort), tuple(moves)) if moves else (tuple(sort),)
    return Buttons(Text.of(line + "\n\n" + ctx.t(HOW_CHECKED)), rows)
