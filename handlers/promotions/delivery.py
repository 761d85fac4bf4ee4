"""Posting promotions when they fall due, each chat's post of each occurrence once.

The job claims a post (a unique row per promotion, occurrence and chat) and queues its
messages in the outbox in the same unit of work, so two processes, a restart or a
crash can neither double it nor lose it; the outbox sends it within the platform's
limits. A post due in the community's quiet hours waits for their end. One missed by
more than the grace window (downtime) is not posted late: it is marked late, with one
log line per occurrence, never a flood. A community takes at most its daily cap of
promotions a day; what is over it is marked capped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import codec
from handlers.core.actions import encode
from handlers.core.context import SEND_JOB, Services
from handlers.core.i18n import I18n
from handlers.core.model import Edit, Out, Pin, SentRef
from handlers.promotions.posts import SHARE_ACTION, Links, card, direct, ended_card, post
from storage import outbox, promotions
from storage.catalog import ProductRecord, product_by_sku
from storage.promotions import CAPPED, LATE, QUEUED, Due, Policy
from storage.sql import write_first

log = logging.getLogger(__name__)
GRACE = timedelta(hours=1)
DRAFT_LIFETIME = timedelta(days=1)  # a preview nobody submitted or discarded
BATCH = 200
JOB = "promotions.post"
END_JOB = "promotions.end"


def scope_for(item: Due) -> str:
    """The community a chat belongs to (scope as in storage/numbering.py)."""
    if item.community_id:
        return f"community:{item.community_id}"
    return f"chat:{item.chat_id}"


def quiet_until(due_at: datetime, policy: Policy) -> datetime:
    """When a post due at `due_at` may go out: then, or at the end of the quiet hours
    it falls in (local time of the community)."""
    if policy.quiet_from is None or policy.quiet_to is None:
        return due_at
    zone = ZoneInfo(policy.timezone)
    local = due_at.astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = policy.quiet_from, policy.quiet_to
    inside = start <= minute < end if start < end else minute >= start or minute < end
    if not inside:
        return due_at
    until = datetime.combine(local.date(), time(end // 60, end % 60), zone)
    if until <= local:
        until += timedelta(days=1)
    return until


async def post_due(services: Services) -> int:
    """Claim and queue what is due; returns how many posts were queued."""
    now = services.clock()
    queued = 0
    skipped: Counter[tuple[int, int]] = Counter()
    async with services.db.read() as session:
        if not await promotions.due(session, now, 1):
            return 0  # nearly always: no write lock taken
    async with services.db.session() as session:
        await write_first(session)
        i18n = I18n(services.settings.default_locale)
        policies: dict[str, Policy] = {}
        posted: dict[tuple[str, date], set[int]] = {}  # promotions per community and day
        products: Shown = {}
        for item in await promotions.due(session, now, BATCH):
            scope = scope_for(item)
            if scope not in policies:
                # Locked until commit: the cap holds across processes.
                policies[scope] = await promotions.lock_community(session, scope)
            policy = policies[scope]
            ready_at = quiet_until(item.due_at, policy)
            if ready_at > now:
                continue  # quiet hours: it goes when they end
            day = now.astimezone(ZoneInfo(policy.timezone)).date()
            if now - ready_at > GRACE:
                if await promotions.claim(session, item, scope, day, LATE, now) is not None:
                    skipped[item.promotion_id, item.number] += 1
                continue
            if (scope, day) not in posted:
                posted[scope, day] = await promotions.posted_on(session, scope, day)
            today = posted[scope, day]
            if item.promotion_id not in today and len(today) >= policy.daily_cap:
                await promotions.claim(session, item, scope, day, CAPPED, now)
                continue
            post_id = await promotions.claim(session, item, scope, day, QUEUED, now)
            if post_id is None:
                continue  # another process claimed it
            today.add(item.promotion_id)
            await _queue(session, services, item, post_id, products, i18n, now)
            queued += 1
    for (promotion_id, number), chats in skipped.items():
        log.warning(
            "promotion %d, post %d: more than %s late (the bot was down, or the chat "
            "approved it later); not posted late in %d chat(s)",
            promotion_id,
            number,
            GRACE,
            chats,
        )
    if queued:
        services.jobs.wake(SEND_JOB)
    return queued


Shown = dict[int, tuple[promotions.PromotionRecord, list[ProductRecord]]]


async def _queue(
    session: AsyncSession,
    services: Services,
    item: Due,
    post_id: int,
    shown: Shown,
    i18n: I18n,
    now: datetime,
) -> None:
    """Queue a claimed post's messages in the outbox (`shown`: promotions loaded so far)."""
    if item.promotion_id not in shown:
        shown[item.promotion_id] = await _shown(session, item.promotion_id)
    record, products = shown[item.promotion_id]
    links = _counted(services, post_id)
    share = encode(SHARE_ACTION, str(item.promotion_id))
    outs = post(record.plan, record.vendor, products, i18n, links, share)
    key = f"promo:{post_id}"
    payload = codec.dumps(outs)
    await outbox.put(session, key, item.platform, item.platform_chat_id, item.kind, payload, now)


def _counted(services: Services, post_id: int) -> Links:
    """The post's links through the click-counting redirect (bot/promo_links.py), where
    the HTTP server has a public address; else the products' own pages."""
    public = services.settings.public_url
    if not public:
        return direct

    def link(index: int, product: ProductRecord) -> str | None:
        return f"{public.rstrip('/')}/c/{post_id}/{index}" if product.url else None

    return link


async def delivered(
    session: AsyncSession, key: str, refs: Sequence[SentRef], now: datetime
) -> None:
    """A post reached its chat: note its card's message (to edit it when it ends), and
    pin it where the promotion asks to (the outbox sends that within seconds)."""
    post_id = int(key.partition(":")[2])
    message = refs[-1].message_id if refs else None
    await promotions.sent(session, post_id, message, now)
    place = await promotions.pinned_place(session, post_id) if message else None
    if place is not None and message is not None:
        platform, chat_id, kind = place
        pin = Pin(SentRef(chat_id, message))
        await outbox.put(
            session, f"promo-pin:{post_id}", platform, chat_id, kind, codec.dumps([pin]), now
        )


async def end_posts(services: Services) -> int:
    """Promotions past their end stop; their posts are edited to say so (stopped ones'
    too), each once; drafts left for a day go. Returns how many posts were queued for
    editing."""
    now = services.clock()
    i18n = I18n(services.settings.default_locale)
    async with services.db.session() as session:
        await write_first(session)
        await promotions.ended(session, now)
        await promotions.forget_drafts(session, now - DRAFT_LIFETIME)
        posts = await promotions.to_end(session, BATCH)
        shown: Shown = {}
        for post_id, promotion_id, platform, chat_id, kind, message_id in posts:
            if promotion_id not in shown:
                shown[promotion_id] = await _shown(session, promotion_id)
            record, products = shown[promotion_id]
            ended = ended_card(record.plan, record.vendor, products, i18n)
            ref = SentRef(chat_id, message_id)
            outs: list[Out] = [Edit(ref, ended)]
            if record.plan.pin:
                outs.append(Pin(ref, on=False))
            await outbox.put(
                session, f"promo-end:{post_id}", platform, chat_id, kind, codec.dumps(outs), now
            )
        await promotions.mark_ended(session, [p[0] for p in posts])
    if posts:
        services.jobs.wake(SEND_JOB)
    return len(posts)


async def edit_posts(
    session: AsyncSession, services: Services, promotion_id: int, revision: int, now: datetime
) -> int:
    """Queue an edit of every post the promotion has made, to its current words (once
    per revision); returns how many."""
    record, products = await _shown(session, promotion_id)
    i18n = I18n(services.settings.default_locale)
    posts = await promotions.sent_posts(session, promotion_id)
    for post_id, platform, chat_id, kind, message_id in posts:
        shown = card(
            record.plan,
            record.vendor,
            products,
            i18n,
            links=_counted(services, post_id),
            share=encode(SHARE_ACTION, str(promotion_id)),
        )
        edit = Edit(SentRef(chat_id, message_id), shown)
        key = f"promo-edit:{post_id}:{revision}"
        await outbox.put(session, key, platform, chat_id, kind, codec.dumps([edit]), now)
    return len(posts)


async def due_times(services: Services) -> Sequence[datetime]:
    """When occurrences fall due (the job also sweeps every minute)."""
    async with services.db.read() as session:
        return await promotions.next_due(session, services.clock())


async def _shown(
    session: AsyncSession, promotion_id: int
) -> tuple[promotions.PromotionRecord, list[ProductRecord]]:
    record = await promotions.promotion(session, promotion_id)
    assert record is not None
    found = [await product_by_sku(session, sku) for sku in record.plan.skus]
    return record, [p for p in found if p is not None]
