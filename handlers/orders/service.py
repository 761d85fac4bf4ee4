"""Recording what shops report: orders (once each, whoever delivers them how often),
refunds (once each), and order files. E-mails are kept only as a keyed hash
(HMAC-SHA256 with this installation's salt), enough to check a claim."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from config import Settings
from handlers.core import earning
from handlers.orders.feeds import OrderFeed, RefundFeed, read_orders
from storage import orders, referrals, signals
from storage.db import Database
from storage.orders import NewOrder


def email_hash(salt: str, email: str) -> str:
    """The keyed hash an order keeps instead of its e-mail address."""
    normalised = email.strip().casefold()
    return hmac.new(salt.encode(), normalised.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What recording a batch of orders did."""

    new: int
    known: int  # delivered before: nothing changed
    with_buyer: int  # tied to a member by their code


async def record_orders(
    db: Database, settings: Settings, feeds: Iterable[OrderFeed], now: datetime
) -> Outcome:
    """Store the orders in one unit of work: all or none. A buyer's first order on
    record earns its points."""
    new = known = with_buyer = 0
    async with db.session() as session:
        salt = await orders.email_salt(session)
        for feed in feeds:
            found = await orders.record(session, _new_order(feed, salt, now), now)
            new += found.created
            known += not found.created
            if not found.created:
                continue
            with_buyer += found.member_id is not None
            if found.member_id is not None:
                await signals.ordered(session, found.order_id, found.member_id, now)
            # A share link's code on the order, else whoever brought the buyer here.
            sharer = found.sharer_id
            if sharer is None and found.member_id is not None:
                sharer = await referrals.sharer_of(session, found.member_id)
            await earning.for_order(session, settings, found.order_id, found.member_id, sharer, now)
    return Outcome(new, known, with_buyer)


def _new_order(feed: OrderFeed, salt: str, now: datetime) -> NewOrder:
    return NewOrder(
        source=feed.source,
        external_id=feed.external_id,
        number=feed.number,
        email_hash=email_hash(salt, feed.email) if feed.email else None,
        member_code=feed.member_code,
        ordered_at=feed.ordered_at or now,
        currency=feed.currency,
        total_minor=feed.total_minor,
        lines=tuple((line.key, line.sku, line.quantity) for line in feed.lines),
        referrer_code=feed.referrer_code,
        promotion_id=feed.promotion_id,
        discount_codes=feed.discount_codes,
    )


async def record_refunds(db: Database, refunds: Iterable[RefundFeed], now: datetime) -> int:
    """Apply refunds, each once; how many were new. A refund of an order not on record
    (yet) is refused with LookupError, so the shop delivers it again later."""
    applied = 0
    async with db.session() as session:
        for refund in refunds:
            done = await orders.refund(
                session,
                refund.source,
                refund.refund_id,
                refund.order_external_id,
                refund.lines,
                now,
            )
            if done is None:
                raise LookupError(f"refund {refund.refund_id}: order {refund.order_external_id}")
            applied += done
            whole = await orders.wholly_refunded(session, refund.source, refund.order_external_id)
            if done and whole is not None:  # what the order earned goes back
                await earning.refunded(session, whole, now)
    return applied


async def import_file(db: Database, settings: Settings, path: Path, now: datetime) -> Outcome:
    """`shopbot orders import FILE`: CSV or JSON by the file's suffix. The whole file is
    read and checked first (FeedError names the line), then stored in one unit of work."""
    fmt: Literal["csv", "json"] = "json" if path.suffix.lower() == ".json" else "csv"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        feeds = list(read_orders(stream, fmt))
    return await record_orders(db, settings, feeds, now)
