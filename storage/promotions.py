"""Promotions: what a vendor posts, where (each chat approved by its moderators), and
when (one row per occurrence). Each chat's post of an occurrence is claimed once by
a unique key, whichever process gets there first, and says what became of it:
queued for the outbox, or not posted because it was too late or over the community's
daily cap."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import delete, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Chat,
    Meta,
    PromoPolicy,
    Promotion,
    PromotionClick,
    PromotionOccurrence,
    PromotionPost,
    PromotionReaction,
    PromotionShare,
    PromotionTarget,
    Referral,
    ShopOrder,
    Vendor,
)
from storage.sql import insert_for, table_of

DRAFT, RUNNING, STOPPED, ENDED = "draft", "running", "stopped", "ended"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
QUEUED, LATE, CAPPED = "queued", "late", "capped"
POSTED = (QUEUED,)  # what counts towards a community's daily cap
VISITOR_SALT = "promotion_visitor_salt"


@dataclass(frozen=True)
class Plan:
    """A promotion as written, before it is stored."""

    title: str
    body: str
    skus: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    every_days: int = 0
    times: int | None = None
    code: str | None = None
    terms: str | None = None
    image_url: str | None = None
    pin: bool = False


@dataclass(frozen=True)
class PromotionRecord:
    """A stored promotion: whose, what, and whether it runs."""

    id: int
    vendor_id: int
    vendor: str
    plan: Plan
    status: str


@dataclass(frozen=True)
class Due:
    """One chat's post of one occurrence, due and not yet claimed."""

    promotion_id: int
    number: int
    due_at: datetime
    chat_id: int
    platform: str
    platform_chat_id: str
    kind: str
    community_id: int | None


@dataclass(frozen=True)
class Policy:
    """A community's rules for promotions (see `PromoPolicy`)."""

    daily_cap: int = 2
    quiet_from: int | None = None  # minutes after midnight, local time
    quiet_to: int | None = None
    timezone: str = "UTC"


async def create(
    session: AsyncSession,
    plan: Plan,
    vendor_id: int,
    by: int | None,
    targets: dict[int, bool],
    occurrences: Sequence[datetime],
    now: datetime,
    status: str = RUNNING,
) -> int:
    """Store the promotion, its chats (chat id -> approved already) and occurrences:
    running, or a draft its vendor submits after seeing it."""
    row = Promotion(
        vendor_id=vendor_id,
        created_by=by,
        title=plan.title,
        body=plan.body,
        skus="|".join(plan.skus),
        code=plan.code,
        terms=plan.terms,
        image_url=plan.image_url,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        every_days=plan.every_days,
        times=plan.times,
        pin=plan.pin,
        status=status,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    for chat_id, approved in targets.items():
        session.add(
            PromotionTarget(
                promotion_id=row.id,
                chat_id=chat_id,
                status=APPROVED if approved else PENDING,
                decided_at=now if approved else None,
            )
        )
    for number, due in enumerate(occurrences, start=1):
        session.add(PromotionOccurrence(promotion_id=row.id, number=number, due_at=due))
    await session.flush()
    return row.id


async def promotion(session: AsyncSession, promotion_id: int) -> PromotionRecord | None:
    """The promotion with this id, if any."""
    stmt = (
        select(Promotion, Vendor.name)
        .join(Vendor, col(Vendor.id) == col(Promotion.vendor_id))
        .where(Promotion.id == promotion_id)
    )
    found = (await session.exec(stmt)).first()
    return None if found is None else _record(*found)


async def of_vendor(session: AsyncSession, vendor_id: int) -> list[PromotionRecord]:
    """The vendor's promotions, newest first."""
    stmt = (
        select(Promotion, Vendor.name)
        .join(Vendor, col(Vendor.id) == col(Promotion.vendor_id))
        .where(Promotion.vendor_id == vendor_id)
        .order_by(col(Promotion.id).desc())
    )
    return [_record(*row) for row in (await session.exec(stmt)).all()]


async def targets(session: AsyncSession, promotion_id: int) -> dict[int, str]:
    """The promotion's chats and their decisions."""
    stmt = select(PromotionTarget.chat_id, PromotionTarget.status).where(
        PromotionTarget.promotion_id == promotion_id
    )
    return dict((await session.exec(stmt)).all())


async def waiting_in(
    session: AsyncSession, chat_ids: Sequence[int]
) -> list[tuple[PromotionRecord, list[int]]]:
    """Running promotions waiting for a decision in these chats, oldest first, with the
    chats (of these) they wait in."""
    stmt = (
        select(Promotion, Vendor.name, PromotionTarget.chat_id)
        .join(Vendor, col(Vendor.id) == col(Promotion.vendor_id))
        .join(PromotionTarget, col(PromotionTarget.promotion_id) == col(Promotion.id))
        .where(
            PromotionTarget.status == PENDING,
            Promotion.status == RUNNING,
            col(PromotionTarget.chat_id).in_(list(chat_ids)),
        )
        .order_by(col(Promotion.id), col(PromotionTarget.chat_id))
    )
    found: dict[int, tuple[PromotionRecord, list[int]]] = {}
    for row, vendor, chat_id in (await session.exec(stmt)).all():
        record = _record(row, vendor)
        found.setdefault(record.id, (record, []))[1].append(chat_id)
    return list(found.values())


async def decide(
    session: AsyncSession,
    promotion_id: int,
    chat_ids: Sequence[int],
    approve: bool,
    by: int,
    now: datetime,
) -> int:
    """Approve or reject the promotion in these chats where it still waits: how many
    were decided now (0: someone decided first)."""
    table = table_of(PromotionTarget)
    result = await session.exec(
        update(table)
        .where(
            table.c.promotion_id == promotion_id,
            table.c.chat_id.in_(list(chat_ids)),
            table.c.status == PENDING,
        )
        .values(status=APPROVED if approve else REJECTED, decided_by=by, decided_at=now)
    )
    return int(result.rowcount or 0)


async def due(session: AsyncSession, now: datetime, limit: int) -> list[Due]:
    """Posts due by `now` in approved chats of running promotions, not yet claimed,
    oldest first."""
    post = table_of(PromotionPost)
    unclaimed = (
        sa_select(post.c.id)
        .where(
            post.c.promotion_id == PromotionOccurrence.promotion_id,
            post.c.number == PromotionOccurrence.number,
            post.c.chat_id == PromotionTarget.chat_id,
        )
        .exists()
    )
    stmt = (
        sa_select(
            col(PromotionOccurrence.promotion_id),
            col(PromotionOccurrence.number),
            col(PromotionOccurrence.due_at),
            col(Chat.id),
            col(Chat.platform),
            col(Chat.platform_chat_id),
            col(Chat.kind),
            col(Chat.community_id),
        )
        .join(Promotion, col(Promotion.id) == col(PromotionOccurrence.promotion_id))
        .join(PromotionTarget, col(PromotionTarget.promotion_id) == col(Promotion.id))
        .join(Chat, col(Chat.id) == col(PromotionTarget.chat_id))
        .where(
            col(PromotionOccurrence.due_at) <= now,
            col(Promotion.status) == RUNNING,
            col(PromotionTarget.status) == APPROVED,
            ~unclaimed,
        )
        .order_by(col(PromotionOccurrence.due_at), col(Chat.id))
        .limit(limit)
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [
        Due(promotion, number, due_at, chat_id or 0, platform, chat, kind, community)
        for promotion, number, due_at, chat_id, platform, chat, kind, community in rows
    ]


async def claim(
    session: AsyncSession,
    item: Due,
    scope: str,
    day: date,
    status: str,
    now: datetime,
) -> int | None:
    """Claim one chat's post of an occurrence, once across processes: its id, or None
    when another unit of work claimed it first."""
    table = table_of(PromotionPost)
    stmt = (
        insert_for(session, table)
        .values(
            promotion_id=item.promotion_id,
            number=item.number,
            chat_id=item.chat_id,
            scope=scope,
            day=day,
            status=status,
            at=now,
            ended=False,
        )
        .on_conflict_do_nothing(index_elements=["promotion_id", "number", "chat_id"])
        .returning(table.c.id)
    )
    found = (await session.exec(stmt)).first()
    return None if found is None else int(found[0])


async def sent(session: AsyncSession, post_id: int, message_id: str | None, now: datetime) -> None:
    """The post reached its chat (as the message `message_id`, where the platform says)."""
    table = table_of(PromotionPost)
    await session.exec(
        update(table).where(table.c.id == post_id).values(sent_at=now, message_id=message_id)
    )


async def pinned_place(session: AsyncSession, post_id: int) -> tuple[str, str, str] | None:
    """Where a post of a promotion that pins its posts went: (platform, chat id, kind);
    None when it does not pin."""
    stmt = (
        select(Chat.platform, Chat.platform_chat_id, Chat.kind)
        .join(PromotionPost, col(PromotionPost.chat_id) == col(Chat.id))
        .join(Promotion, col(Promotion.id) == col(PromotionPost.promotion_id))
        .where(PromotionPost.id == post_id, col(Promotion.pin).is_(True))
    )
    found = (await session.exec(stmt)).first()
    return None if found is None else (found[0], found[1], found[2])


async def edit(
    session: AsyncSession, promotion_id: int, vendor_id: int, title: str, body: str
) -> int | None:
    """New words for the vendor's running promotion: its revision, or None when it is
    not theirs or not running."""
    table = table_of(Promotion)
    result = await session.exec(
        update(table)
        .where(
            table.c.id == promotion_id,
            table.c.vendor_id == vendor_id,
            table.c.status == RUNNING,
        )
        .values(title=title, body=body, revision=table.c.revision + 1)
        .returning(table.c.revision)
    )
    found = result.first()
    return None if found is None else int(found[0])


async def sent_posts(
    session: AsyncSession, promotion_id: int
) -> list[tuple[int, str, str, str, str]]:
    """The promotion's posts that reached their chats: (post id, platform, chat id, chat
    kind, message id)."""
    stmt = (
        sa_select(
            col(PromotionPost.id),
            col(Chat.platform),
            col(Chat.platform_chat_id),
            col(Chat.kind),
            col(PromotionPost.message_id),
        )
        .join(Chat, col(Chat.id) == col(PromotionPost.chat_id))
        .where(
            col(PromotionPost.promotion_id) == promotion_id,
            col(PromotionPost.message_id).is_not(None),
        )
        .order_by(col(PromotionPost.id))
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [(int(a or 0), b, c, d, str(e)) for a, b, c, d, e in rows]


async def to_end(session: AsyncSession, limit: int) -> list[tuple[int, int, str, str, str, str]]:
    """Sent posts of promotions no longer running, not yet marked ended: (post id,
    promotion id, platform, chat id, chat kind, message id)."""
    stmt = (
        sa_select(
            col(PromotionPost.id),
            col(PromotionPost.promotion_id),
            col(Chat.platform),
            col(Chat.platform_chat_id),
            col(Chat.kind),
            col(PromotionPost.message_id),
        )
        .join(Promotion, col(Promotion.id) == col(PromotionPost.promotion_id))
        .join(Chat, col(Chat.id) == col(PromotionPost.chat_id))
        .where(
            col(Promotion.status).in_([STOPPED, ENDED]),
            col(PromotionPost.message_id).is_not(None),
            col(PromotionPost.ended).is_(False),
        )
        .order_by(col(PromotionPost.id))
        .limit(limit)
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [(int(a or 0), int(b), c, d, e, str(f)) for a, b, c, d, e, f in rows]


async def mark_ended(session: AsyncSession, post_ids: Sequence[int]) -> None:
    """These posts have been queued for their edit saying the promotion ended."""
    table = table_of(PromotionPost)
    await session.exec(update(table).where(table.c.id.in_(list(post_ids))).values(ended=True))


async def share(
    session: AsyncSession, promotion_id: int, member_id: int, chat_id: int | None, now: datetime
) -> None:
    """The member took their share link from the promotion's post in a chat (counted
    once per member)."""
    table = table_of(PromotionShare)
    await session.exec(
        insert_for(session, table)
        .values(promotion_id=promotion_id, member_id=member_id, chat_id=chat_id, at=now)
        .on_conflict_do_nothing()
    )


async def react(
    session: AsyncSession,
    platform: str,
    chat_id: str,
    message_id: str,
    total: int | None,
    who: tuple[str, str, bool] | None = None,
) -> bool:
    """Reactions on a message, if it is a promotion's post: its total as the platform
    counts it, or one person's reaction (user id, emoji, added) counted here. Whether
    the message was a post."""
    post = (
        select(PromotionPost.id)
        .join(Chat, col(Chat.id) == col(PromotionPost.chat_id))
        .where(
            Chat.platform == platform,
            Chat.platform_chat_id == chat_id,
            PromotionPost.message_id == message_id,
        )
    )
    post_id = (await session.exec(post)).first()
    if post_id is None:
        return False
    if who is not None:
        user_id, emoji, added = who
        reactions = table_of(PromotionReaction)
        if added:
            await session.exec(
                insert_for(session, reactions)
                .values(post_id=post_id, user_id=user_id, emoji=emoji[:64])
                .on_conflict_do_nothing()
            )
        else:
            await session.exec(
                delete(reactions).where(
                    reactions.c.post_id == post_id,
                    reactions.c.user_id == user_id,
                    reactions.c.emoji == emoji[:64],
                )
            )
        counted = select(func.count()).where(PromotionReaction.post_id == post_id)
        total = int((await session.exec(counted)).one())
    table = table_of(PromotionPost)
    await session.exec(update(table).where(table.c.id == post_id).values(reactions=total or 0))
    return True


async def link_target(
    session: AsyncSession, post_id: int
) -> tuple[int, int, tuple[str, ...]] | None:
    """What a post's links lead to: (promotion id, chat id, the promotion's SKUs)."""
    stmt = (
        select(PromotionPost.promotion_id, PromotionPost.chat_id, Promotion.skus)
        .join(Promotion, col(Promotion.id) == col(PromotionPost.promotion_id))
        .where(PromotionPost.id == post_id)
    )
    found = (await session.exec(stmt)).first()
    if found is None:
        return None
    promotion_id, chat_id, skus = found
    return promotion_id, chat_id, tuple(s for s in skus.split("|") if s)


async def click(
    session: AsyncSession, promotion_id: int, chat_id: int | None, visitor: str, now: datetime
) -> bool:
    """Count a visit through a promotion's link, once per visitor: whether it counted."""
    table = table_of(PromotionClick)
    stmt = (
        insert_for(session, table)
        .values(promotion_id=promotion_id, chat_id=chat_id, visitor=visitor, at=now)
        .on_conflict_do_nothing(index_elements=["promotion_id", "visitor"])
        .returning(table.c.id)
    )
    return (await session.exec(stmt)).first() is not None


async def visitor_salt(session: AsyncSession) -> str:
    """This installation's salt for telling visitors apart without keeping addresses."""
    table = table_of(Meta)
    fresh = secrets.token_hex(16)
    await session.exec(
        insert_for(session, table).values(key=VISITOR_SALT, value=fresh).on_conflict_do_nothing()
    )
    found = await session.get(Meta, VISITOR_SALT)
    assert found is not None
    return found.value


@dataclass(frozen=True)
class Numbers:
    """A promotion's figures per chat (title) and per day: posts delivered, people who
    followed a link."""

    posts: dict[tuple[str, date], int]
    clicks: dict[tuple[str, date], int]
    late: int
    capped: int
    # Orders carrying its link or its discount code, per day, and their totals per
    # currency (as ordered, refunds not taken off) in minor units.
    orders: dict[date, int] = field(default_factory=dict)
    revenue: dict[tuple[date, str], int] = field(default_factory=dict)
    reactions: dict[str, int] = field(default_factory=dict)  # per chat, on its posts
    # Members who took their share link from its posts (per chat and day), and the
    # newcomers who came through those links (per day: a link does not name a chat).
    shares: dict[tuple[str, date], int] = field(default_factory=dict)
    arrivals: dict[date, int] = field(default_factory=dict)


async def numbers(session: AsyncSession, record: PromotionRecord) -> Numbers:
    """The promotion's campaign numbers (days in UTC)."""
    promotion_id = record.id
    sent = (
        select(Chat.title, Chat.platform_chat_id, PromotionPost.sent_at, PromotionPost.reactions)
        .join(Chat, col(Chat.id) == col(PromotionPost.chat_id))
        .where(PromotionPost.promotion_id == promotion_id, col(PromotionPost.sent_at).is_not(None))
    )
    delivered = (await session.exec(sent)).all()
    reactions: Counter[str] = Counter()
    for title, chat, _, reacted in delivered:
        reactions[title or chat] += reacted
    followed = (
        select(Chat.title, Chat.platform_chat_id, PromotionClick.at)
        .outerjoin(Chat, col(Chat.id) == col(PromotionClick.chat_id))
        .where(PromotionClick.promotion_id == promotion_id)
    )
    shared = (
        select(Chat.title, Chat.platform_chat_id, PromotionShare.at)
        .outerjoin(Chat, col(Chat.id) == col(PromotionShare.chat_id))
        .where(PromotionShare.promotion_id == promotion_id)
    )
    arrived = select(Referral.at).where(Referral.promotion_id == promotion_id)
    counts = await posts_by_status(session, promotion_id)
    orders, revenue = await _orders(session, promotion_id, record.plan.code)
    return Numbers(
        _per_chat_day((title, chat, at) for title, chat, at, _ in delivered),
        _per_chat_day((await session.exec(followed)).all()),
        counts.get(LATE, 0),
        counts.get(CAPPED, 0),
        orders=orders,
        revenue=revenue,
        reactions=dict(reactions),
        shares=_per_chat_day((await session.exec(shared)).all()),
        arrivals=dict(Counter(_day(at) for at in (await session.exec(arrived)).all())),
    )


def _per_chat_day(
    rows: Iterable[tuple[str | None, str | None, datetime | None]],
) -> dict[tuple[str, date], int]:
    """How many rows of (chat title, platform chat id, time) fall on each chat and day."""
    return dict(Counter((title or chat or "?", _day(at)) for title, chat, at in rows if at))


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


async def _orders(
    session: AsyncSession, promotion_id: int, code: str | None
) -> tuple[dict[date, int], dict[tuple[date, str], int]]:
    """Orders carrying the promotion's link or its discount code, per day, and their
    totals per day and currency."""
    code = code.upper() if code else None
    carrying = col(ShopOrder.promotion_id) == promotion_id
    if code:
        carrying = or_(carrying, col(ShopOrder.discount_codes).contains(code))
    ordered = sa_select(
        col(ShopOrder.ordered_at),
        col(ShopOrder.currency),
        col(ShopOrder.total_minor),
        col(ShopOrder.promotion_id),
        col(ShopOrder.discount_codes),
    ).where(carrying)
    orders: Counter[date] = Counter()
    revenue: Counter[tuple[date, str]] = Counter()
    for at, currency, total, linked, codes in (
        await (await session.connection()).execute(ordered)
    ).all():
        if linked != promotion_id and code not in (codes or "").split("|"):
            continue  # the code inside a longer one
        orders[_day(at)] += 1
        if currency and total is not None:
            revenue[_day(at), currency] += total
    return dict(orders), dict(revenue)


async def posted_on(session: AsyncSession, scope: str, day: date) -> set[int]:
    """The promotions posted in the community on its local `day`."""
    stmt = select(PromotionPost.promotion_id).where(
        PromotionPost.scope == scope,
        PromotionPost.day == day,
        col(PromotionPost.status).in_(POSTED),
    )
    return set((await session.exec(stmt)).all())


async def next_due(session: AsyncSession, after: datetime, limit: int = 50) -> list[datetime]:
    """The next times occurrences of running promotions fall due."""
    stmt = (
        select(func.distinct(PromotionOccurrence.due_at))
        .join(Promotion, col(Promotion.id) == col(PromotionOccurrence.promotion_id))
        .where(Promotion.status == RUNNING, PromotionOccurrence.due_at > after)
        .order_by(col(PromotionOccurrence.due_at))
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def posts_by_status(session: AsyncSession, promotion_id: int) -> dict[str, int]:
    """How the promotion's posts went: status -> count."""
    stmt = (
        select(PromotionPost.status, func.count())
        .where(PromotionPost.promotion_id == promotion_id)
        .group_by(col(PromotionPost.status))
    )
    return {status: int(n) for status, n in (await session.exec(stmt)).all()}


async def submit(session: AsyncSession, promotion_id: int, by: int) -> bool:
    """The vendor's draft starts running; False if it is no draft of theirs (any more)."""
    table = table_of(Promotion)
    result = await session.exec(
        update(table)
        .where(table.c.id == promotion_id, table.c.status == DRAFT, table.c.created_by == by)
        .values(status=RUNNING)
    )
    return bool(result.rowcount)


async def finish(
    session: AsyncSession, promotion_id: int, status: str, now: datetime, was: str = RUNNING
) -> bool:
    """Stop or end a running promotion (or discard a draft: `was`); False if it was not
    in that state."""
    table = table_of(Promotion)
    result = await session.exec(
        update(table)
        .where(table.c.id == promotion_id, table.c.status == was)
        .values(status=status, finished_at=now)
    )
    return bool(result.rowcount)


async def forget_drafts(session: AsyncSession, before: datetime) -> int:
    """Drafts never submitted nor discarded, written before `before`: deleted."""
    result = await session.exec(
        delete(Promotion).where(col(Promotion.status) == DRAFT, col(Promotion.created_at) < before)
    )
    return int(result.rowcount or 0)


async def ended(session: AsyncSession, now: datetime) -> list[int]:
    """Running promotions past their end: marked ended, once."""
    table = table_of(Promotion)
    result = await session.exec(
        update(table)
        .where(table.c.status == RUNNING, table.c.ends_at <= now)
        .values(status=ENDED, finished_at=now)
        .returning(table.c.id)
    )
    return [int(row[0]) for row in result.all()]


async def lock_community(session: AsyncSession, scope: str) -> Policy:
    """The community's rules, its row made if need be and locked until commit (a row
    lock on PostgreSQL; SQLite has one writer): two processes counting the day's posts
    against the cap take turns."""
    table = table_of(PromoPolicy)
    defaults = Policy()
    insert = insert_for(session, table).values(
        scope=scope, daily_cap=defaults.daily_cap, timezone=defaults.timezone
    )
    await session.exec(
        insert.on_conflict_do_update(
            index_elements=["scope"], set_={"daily_cap": table.c.daily_cap}
        )
    )
    return await policy(session, scope)


async def policy(session: AsyncSession, scope: str) -> Policy:
    """The community's rules for promotions (the defaults until it sets its own)."""
    found = await session.get(PromoPolicy, scope)
    if found is None:
        return Policy()
    return Policy(found.daily_cap, found.quiet_from, found.quiet_to, found.timezone)


async def set_policy(session: AsyncSession, scope: str, policy: Policy) -> None:
    """Store the community's rules for promotions."""
    table = table_of(PromoPolicy)
    values = {
        "daily_cap": policy.daily_cap,
        "quiet_from": policy.quiet_from,
        "quiet_to": policy.quiet_to,
        "timezone": policy.timezone,
    }
    stmt = insert_for(session, table).values(scope=scope, **values)
    await session.exec(stmt.on_conflict_do_update(index_elements=["scope"], set_=values))


def _record(row: Promotion, vendor: str) -> PromotionRecord:
    assert row.id is not None
    plan = Plan(
        title=row.title,
        body=row.body,
        skus=tuple(s for s in row.skus.split("|") if s),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        every_days=row.every_days,
        times=row.times,
        code=row.code,
        terms=row.terms,
        image_url=row.image_url,
        pin=row.pin,
    )
    return PromotionRecord(row.id, row.vendor_id, vendor, plan, row.status)
