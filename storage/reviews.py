"""Reviews: one per member and product, moderated, counted on the product.

Every change of status is one conditional `UPDATE … RETURNING` (publish only what is
pending at the revision the moderator saw, withdraw only what is published), and the
product's rating aggregate moves in the same unit of work by exactly what that UPDATE
returned, so two moderators pressing Approve at once publish it and count it once.

Nothing here orders or filters by rating: the queue is oldest first, lists are newest
or most helpful first (US FTC 16 CFR 465.7 treats holding back low ratings as review
suppression).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, exists, func, or_, union, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Conversation,
    OrderLine,
    Product,
    Review,
    ReviewHelpful,
    ReviewPhoto,
    ReviewPolicy,
    ReviewReply,
    ReviewReport,
    ShopOrder,
    Vendor,
)
from storage.sql import insert_for, move_marks, table_of

REPORTS_TO_QUEUE = 3  # reports that send a published review back to the queue
FIX_BATCH = 10_000  # products set right per statement by `check_ratings`


class Status(StrEnum):
    """Where a review stands."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class Order(StrEnum):
    """How a product's reviews are listed (never by rating)."""

    NEWEST = "newest"
    HELPFUL = "helpful"


@dataclass(frozen=True)
class PhotoFile:
    """A stored review photo: its file in `media_dir`, and its size."""

    file: str
    width: int
    height: int


@dataclass(frozen=True)
class Draft:
    """A review as its author sends it."""

    product_id: int
    member_id: int
    chat_id: int | None
    platform: str
    platform_user_id: str
    author_name: str
    rating: int
    body: str
    language: str
    staff: bool
    photos: tuple[PhotoFile, ...]


@dataclass(frozen=True)
class Submitted:
    """What sending a review did: its id, whether it replaced an earlier one, and
    whether it is published already (a community that publishes at once)."""

    review_id: int
    edited: bool
    published: bool


@dataclass(frozen=True)
class ReplyRecord:
    """The public reply to a review."""

    author_name: str
    body: str
    at: datetime


@dataclass(frozen=True)
class ReviewRecord:
    """A review with what showing it needs."""

    id: int
    product_id: int
    sku: str
    product_name: str
    member_id: int
    chat_id: int | None  # where it was written: whose moderators decide on it
    author_name: str
    platform: str
    platform_user_id: str
    rating: int
    body: str
    language: str
    status: Status
    reason: str | None
    revision: int
    staff: bool
    rewarded: bool
    verified: bool
    helpful_count: int
    report_count: int
    updated_at: datetime
    published_at: datetime | None
    photos: tuple[PhotoFile, ...]
    reply: ReplyRecord | None


@dataclass(frozen=True)
class Decided:
    """A moderator's decision that took effect: the review and its author's account."""

    review_id: int
    product_id: int
    member_id: int
    platform: str
    platform_user_id: str
    language: str


@dataclass(frozen=True)
class Mismatch:
    """A product whose stored rating disagrees with its published reviews."""

    product_id: int
    sku: str
    stored: tuple[int, int]  # (count, sum)
    actual: tuple[int, int]


async def submit(session: AsyncSession, draft: Draft, now: datetime, publish: bool) -> Submitted:
    """Store the member's review of the product, replacing theirs if they wrote one
    (the edit waits for moderation again unless `publish`)."""
    table = table_of(Review)
    status = Status.PUBLISHED if publish else Status.PENDING
    values: dict[str, Any] = {
        "chat_id": draft.chat_id,
        "platform": draft.platform,
        "platform_user_id": draft.platform_user_id,
        "author_name": draft.author_name[:128],
        "rating": draft.rating,
        "body": draft.body,
        "language": draft.language,
        "staff": draft.staff,
        "status": status.value,
        "reason": None,
        "updated_at": now,
        "published_at": now if publish else None,
        "decided_by": None,
        "report_count": 0,
    }
    insert = (
        insert_for(session, table)
        .values(
            product_id=draft.product_id,
            member_id=draft.member_id,
            revision=1,
            rewarded=False,
            helpful_count=0,
            created_at=now,
            **values,
        )
        .on_conflict_do_nothing(index_elements=["product_id", "member_id"])
        .returning(table.c.id)
    )
    created = (await session.exec(insert)).first()
    edited = created is None
    if created is not None:
        review_id = int(created[0])
    else:
        # The earlier review: withdrawn from the rating first if it was published.
        found = await _locked(session, draft.product_id, draft.member_id)
        review_id = found.id or 0
        await _withdraw(session, review_id)
        await session.exec(
            update(table)
            .where(table.c.id == review_id)
            .values(revision=table.c.revision + 1, **values)
        )
        await session.exec(delete(ReviewPhoto).where(col(ReviewPhoto.review_id) == review_id))
        await session.exec(delete(ReviewReport).where(col(ReviewReport.review_id) == review_id))
    if draft.photos:
        photos = [
            {
                "review_id": review_id,
                "position": n,
                "file": p.file,
                "width": p.width,
                "height": p.height,
            }
            for n, p in enumerate(draft.photos)
        ]
        await session.exec(table_of(ReviewPhoto).insert(), params=photos)
    if publish:
        await _count(session, draft.product_id, 1, draft.rating)
    return Submitted(review_id, edited, publish)


async def _locked(session: AsyncSession, product_id: int, member_id: int) -> Review:
    stmt = (
        select(Review)
        .where(Review.product_id == product_id, Review.member_id == member_id)
        .with_for_update()
    )
    return (await session.exec(stmt)).one()


async def publish(
    session: AsyncSession,
    review_id: int,
    revision: int,
    moderator_id: int,
    now: datetime,
    reach: Sequence[int] | None = None,
) -> Decided | None:
    """Publish a pending review as the moderator saw it; None if someone decided first,
    the author has edited it since, or it was written outside `reach` (the chats the
    moderator moderates; None: everywhere)."""
    table = table_of(Review)
    stmt = (
        update(table)
        .where(
            table.c.id == review_id,
            table.c.status == Status.PENDING.value,
            table.c.revision == revision,
            *_within(reach),
        )
        .values(
            status=Status.PUBLISHED.value,
            published_at=func.coalesce(table.c.published_at, now),
            decided_by=moderator_id,
            report_count=0,
        )
        .returning(*_decided_columns(), table.c.rating)
    )
    row = (await session.exec(stmt)).first()
    if row is None:
        return None
    await session.exec(delete(ReviewReport).where(col(ReviewReport.review_id) == review_id))
    await _count(session, row[1], 1, row[-1])
    return Decided(*row[:6])


async def reject(
    session: AsyncSession,
    review_id: int,
    revision: int,
    moderator_id: int,
    reason: str,
    reach: Sequence[int] | None = None,
) -> Decided | None:
    """Reject a pending review (with a reason from the fixed list); None if someone
    decided first, it was edited since, or it is outside `reach` (as in `publish`)."""
    table = table_of(Review)
    stmt = (
        update(table)
        .where(
            table.c.id == review_id,
            table.c.status == Status.PENDING.value,
            table.c.revision == revision,
            *_within(reach),
        )
        .values(status=Status.REJECTED.value, reason=reason, decided_by=moderator_id)
        .returning(*_decided_columns())
    )
    row = (await session.exec(stmt)).first()
    return Decided(*row) if row is not None else None


def _within(reach: Sequence[int] | None) -> list[Any]:
    """The condition that a review was written in one of the `reach` chats."""
    return [] if reach is None else [table_of(Review).c.chat_id.in_(list(reach))]


def _decided_columns() -> tuple[Any, ...]:
    table = table_of(Review)
    return (
        table.c.id,
        table.c.product_id,
        table.c.member_id,
        table.c.platform,
        table.c.platform_user_id,
        table.c.language,
    )


async def _withdraw(session: AsyncSession, review_id: int) -> bool:
    """A published review back to pending, its stars out of the product's rating."""
    table = table_of(Review)
    stmt = (
        update(table)
        .where(table.c.id == review_id, table.c.status == Status.PUBLISHED.value)
        .values(status=Status.PENDING.value)
        .returning(table.c.product_id, table.c.rating)
    )
    row = (await session.exec(stmt)).first()
    if row is None:
        return False
    await _count(session, row[0], -1, -row[1])
    return True


async def _count(session: AsyncSession, product_id: int, count: int, stars: int) -> None:
    table = table_of(Product)
    await session.exec(
        update(table)
        .where(table.c.id == product_id)
        .values(rating_count=table.c.rating_count + count, rating_sum=table.c.rating_sum + stars)
    )


async def mark_helpful(session: AsyncSession, review_id: int, member_id: int) -> bool:
    """Count the member's Helpful once; False if they had pressed it already."""
    table = table_of(ReviewHelpful)
    stmt = (
        insert_for(session, table)
        .values(review_id=review_id, member_id=member_id)
        .on_conflict_do_nothing()
        .returning(table.c.review_id)
    )
    if (await session.exec(stmt)).first() is None:
        return False
    reviews = table_of(Review)
    await session.exec(
        update(reviews)
        .where(reviews.c.id == review_id)
        .values(helpful_count=reviews.c.helpful_count + 1)
    )
    return True


async def report(session: AsyncSession, review_id: int, member_id: int, now: datetime) -> bool:
    """Count the member's report once; the third sends a published review back to the
    queue. False if they had reported it already."""
    table = table_of(ReviewReport)
    stmt = (
        insert_for(session, table)
        .values(review_id=review_id, member_id=member_id, at=now)
        .on_conflict_do_nothing()
        .returning(table.c.review_id)
    )
    if (await session.exec(stmt)).first() is None:
        return False
    reviews = table_of(Review)
    counted = await session.exec(
        update(reviews)
        .where(reviews.c.id == review_id)
        .values(report_count=reviews.c.report_count + 1, updated_at=now)
        .returning(reviews.c.report_count)
    )
    if counted.one()[0] >= REPORTS_TO_QUEUE:
        await _withdraw(session, review_id)
    return True


async def set_reply(
    session: AsyncSession, review_id: int, member_id: int, name: str, body: str, now: datetime
) -> bool:
    """Set the review's one public reply (a second one replaces it); True if new."""
    table = table_of(ReviewReply)
    had = await session.get(ReviewReply, review_id)
    values = {"member_id": member_id, "author_name": name[:128], "body": body, "at": now}
    stmt = insert_for(session, table).values(review_id=review_id, **values)
    await session.exec(stmt.on_conflict_do_update(index_elements=["review_id"], set_=values))
    return had is None


async def review(session: AsyncSession, review_id: int) -> ReviewRecord | None:
    """One review by id, whatever its status."""
    found = await _records(session, [Review.id == review_id], None, 0, 1)
    return found[0] if found else None


async def member_review(
    session: AsyncSession, product_id: int, member_id: int
) -> ReviewRecord | None:
    """The member's review of the product, if they wrote one."""
    clauses = [Review.product_id == product_id, Review.member_id == member_id]
    found = await _records(session, clauses, None, 0, 1)
    return found[0] if found else None


async def queue(
    session: AsyncSession, offset: int, limit: int, reach: Sequence[int] | None = None
) -> tuple[list[ReviewRecord], int]:
    """Reviews waiting for a moderator, oldest first, and how many wait: those written
    in the `reach` chats (None: everywhere). No rating filter or order exists, by
    design."""
    waiting = [Review.status == Status.PENDING.value, *_within(reach)]
    total = await _count_where(session, waiting)
    return await _records(session, waiting, "queue", offset, limit), total


async def published(
    session: AsyncSession, product_id: int, order: Order, offset: int, limit: int
) -> list[ReviewRecord]:
    """A page of a product's published reviews, newest or most helpful first (how many
    there are is the product's `rating_count`)."""
    clauses = [Review.product_id == product_id, Review.status == Status.PUBLISHED.value]
    return await _records(session, clauses, order.value, offset, limit)


async def _count_where(session: AsyncSession, clauses: Sequence[Any]) -> int:
    stmt = select(func.count()).select_from(Review).where(*clauses)
    return int((await session.exec(stmt)).one())


async def _records(
    session: AsyncSession, clauses: Sequence[Any], order: str | None, offset: int, limit: int
) -> list[ReviewRecord]:
    # The reply and the "Verified buyer" fact come with each row: two statements a page
    # (this one and the photos), whatever the page holds.
    bought = (
        select(OrderLine.order_id)
        .join(ShopOrder, col(ShopOrder.id) == col(OrderLine.order_id))
        .where(
            col(OrderLine.product_id) == col(Review.product_id),
            col(ShopOrder.member_id) == col(Review.member_id),
            col(OrderLine.refunded) < col(OrderLine.quantity),
        )
        .exists()
    )
    stmt = (
        select(Review, Product, ReviewReply, bought)
        .join(Product, col(Product.id) == col(Review.product_id))
        .outerjoin(ReviewReply, col(ReviewReply.review_id) == col(Review.id))
        .where(*clauses)
    )
    if order == "queue":
        stmt = stmt.order_by(col(Review.updated_at), col(Review.id))
    elif order == Order.HELPFUL.value:
        stmt = stmt.order_by(
            col(Review.helpful_count).desc(),
            col(Review.published_at).desc(),
            col(Review.id).desc(),  # ties: pages neither repeat nor skip a review
        )
    elif order == Order.NEWEST.value:
        stmt = stmt.order_by(col(Review.published_at).desc(), col(Review.id).desc())
    rows = (await session.exec(stmt.offset(offset).limit(limit))).all()
    photos = await _photos(session, [r.id for r, *_ in rows if r.id is not None])
    return [
        ReviewRecord(
            id=r.id or 0,
            product_id=r.product_id,
            sku=product.sku,
            product_name=product.name,
            member_id=r.member_id,
            chat_id=r.chat_id,
            author_name=r.author_name,
            platform=r.platform,
            platform_user_id=r.platform_user_id,
            rating=r.rating,
            body=r.body,
            language=r.language,
            status=Status(r.status),
            reason=r.reason,
            revision=r.revision,
            staff=r.staff,
            rewarded=r.rewarded,
            verified=bool(verified),
            helpful_count=r.helpful_count,
            report_count=r.report_count,
            updated_at=r.updated_at,
            published_at=r.published_at,
            photos=photos.get(r.id or 0, ()),
            reply=ReplyRecord(reply.author_name, reply.body, reply.at) if reply else None,
        )
        for r, product, reply, verified in rows
    ]


async def _photos(session: AsyncSession, ids: list[int]) -> dict[int, tuple[PhotoFile, ...]]:
    if not ids:
        return {}
    stmt = (
        select(ReviewPhoto)
        .where(col(ReviewPhoto.review_id).in_(ids))
        .order_by(col(ReviewPhoto.review_id), col(ReviewPhoto.position))
    )
    found: dict[int, list[PhotoFile]] = {}
    for photo in (await session.exec(stmt)).all():
        found.setdefault(photo.review_id, []).append(
            PhotoFile(photo.file, photo.width, photo.height)
        )
    return {review_id: tuple(files) for review_id, files in found.items()}


async def is_instant(session: AsyncSession, scope: str) -> bool:
    """Whether the community publishes every review at once, unmoderated."""
    policy = await session.get(ReviewPolicy, scope)
    return policy is not None and policy.instant


async def set_instant(session: AsyncSession, scope: str, instant: bool) -> None:
    """Publish every review at once (True), or moderate them first."""
    table = table_of(ReviewPolicy)
    stmt = insert_for(session, table).values(scope=scope, instant=instant)
    await session.exec(
        stmt.on_conflict_do_update(index_elements=["scope"], set_={"instant": instant})
    )


async def check_ratings(session: AsyncSession, fix: bool = False) -> list[Mismatch]:
    """Products whose stored rating differs from their published reviews (and, with
    `fix`, set it right)."""
    actual = (
        select(
            Review.product_id,
            func.count().label("n"),
            func.sum(Review.rating).label("stars"),
        )
        .where(Review.status == Status.PUBLISHED.value)
        .group_by(col(Review.product_id))
        .subquery()
    )
    n = func.coalesce(actual.c.n, 0)
    stars = func.coalesce(actual.c.stars, 0)
    stmt = (
        sa_select(
            col(Product.id),
            col(Product.sku),
            col(Product.rating_count),
            col(Product.rating_sum),
            n,
            stars,
        )
        .outerjoin(actual, actual.c.product_id == col(Product.id))
        .where(or_(col(Product.rating_count) != n, col(Product.rating_sum) != stars))
        .order_by(col(Product.id))
    )
    found = [
        Mismatch(pid or 0, sku, (count, total), (int(real_n), int(real_stars)))
        for pid, sku, count, total, real_n, real_stars in (
            await (await session.connection()).execute(stmt)
        ).all()
    ]
    if fix and found:
        # Recounted in the UPDATE itself, so a review published meanwhile is counted.
        products, reviews = table_of(Product), table_of(Review)
        published = (reviews.c.product_id == products.c.id) & (
            reviews.c.status == Status.PUBLISHED.value
        )
        recount = sa_select(func.count()).where(published).scalar_subquery()
        restar = sa_select(func.coalesce(func.sum(reviews.c.rating), 0)).where(published)
        ids = [wrong.product_id for wrong in found]
        for start in range(0, len(ids), FIX_BATCH):  # PostgreSQL takes 32,767 parameters
            await session.exec(
                update(products)
                .where(products.c.id.in_(ids[start : start + FIX_BATCH]))
                .values(rating_count=recount, rating_sum=restar.scalar_subquery())
            )
    return found


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: one review per product (the newer one), and each
    review they found helpful or reported counted once."""
    table = table_of(Review)
    kept, dropped = table.alias("kept"), table.alias("dropped")
    both = (
        sa_select(kept.c.id, dropped.c.id, kept.c.updated_at, dropped.c.updated_at)
        .join(dropped, dropped.c.product_id == kept.c.product_id)
        .where(kept.c.member_id == keep_id, dropped.c.member_id == drop_id)
    )
    for keep_review, drop_review, keep_at, drop_at in (
        await (await session.connection()).execute(both)
    ).all():
        older = drop_review if drop_at <= keep_at else keep_review
        await _withdraw(session, older)
        await session.exec(delete(Review).where(col(Review.id) == older))
    await session.exec(update(table).where(table.c.member_id == drop_id).values(member_id=keep_id))
    for model in (ReviewHelpful, ReviewReport):
        await move_marks(session, table_of(model), "review_id", keep_id, drop_id)
    # A person cannot find their own review helpful; and the counts follow the rows.
    await session.exec(
        delete(ReviewHelpful).where(
            col(ReviewHelpful.member_id) == keep_id,
            exists().where(
                col(Review.id) == col(ReviewHelpful.review_id), col(Review.member_id) == keep_id
            ),
        )
    )
    await _recount(session, keep_id)


async def _recount(session: AsyncSession, member_id: int) -> None:
    """Helpful and report counts of the reviews the member marked or wrote."""
    reviews = table_of(Review)
    helpful = table_of(ReviewHelpful)
    reports = table_of(ReviewReport)
    touched = union(
        sa_select(helpful.c.review_id).where(helpful.c.member_id == member_id),
        sa_select(reports.c.review_id).where(reports.c.member_id == member_id),
        sa_select(reviews.c.id).where(reviews.c.member_id == member_id),
    )
    helpful_n = select(func.count()).where(helpful.c.review_id == reviews.c.id).scalar_subquery()
    report_n = sa_select(func.count()).where(reports.c.review_id == reviews.c.id).scalar_subquery()
    await session.exec(
        update(reviews)
        .where(reviews.c.id.in_(touched))
        .values(helpful_count=helpful_n, report_count=report_n)
    )


async def is_vendor_of(session: AsyncSession, product_id: int, member_id: int) -> bool:
    """Whether the member sells this product (their vendor row is the product's)."""
    stmt = (
        select(Vendor.id)
        .join(Product, col(Product.vendor_id) == col(Vendor.id))
        .where(Product.id == product_id, Vendor.member_id == member_id)
    )
    return (await session.exec(stmt)).first() is not None


async def files_in_use(session: AsyncSession, flow: str) -> set[str]:
    """Photo files that reviews hold, or that conversations of `flow` (reviews being
    written) took already: everything else in the media folder may go."""
    stmt = select(ReviewPhoto.file).distinct()
    used = set((await session.exec(stmt)).all())
    drafts = select(Conversation.data).where(Conversation.flow == flow)
    for data in (await session.exec(drafts)).all():
        used.update(entry[0] for entry in json.loads(data).get("photos", []))
    return used


async def mark_rewarded(session: AsyncSession, review_id: int) -> None:
    """Points were given for the review: it says "Rewarded" (FTC 16 CFR 465.4, .5)."""
    table = table_of(Review)
    await session.exec(update(table).where(table.c.id == review_id).values(rewarded=True))
