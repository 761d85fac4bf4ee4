"""Orders shops told us about, who placed them, refunds, claims, and members' codes.

An order is keyed by (source, the shop's id): delivered again (webhook retries, a file
imported twice) it is recorded once, and a refund by its own id applies once. E-mails
are never stored, only a salted hash that a claim's address is compared with.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    MemberCode,
    Meta,
    OrderClaim,
    OrderLine,
    OrderRefund,
    Product,
    ShopOrder,
)
from storage.sql import insert_for, table_of

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/I/L)
CODE_LENGTH = 8
SALT_KEY = "order_email_salt"


@dataclass(frozen=True)
class NewOrder:
    """An order as a shop reports it, e-mail already hashed."""

    source: str
    external_id: str
    number: str
    email_hash: str | None
    member_code: str | None
    ordered_at: datetime
    currency: str | None
    total_minor: int | None
    lines: tuple[tuple[str, str, int], ...]  # (line key, SKU, quantity)
    referrer_code: str | None = None  # the sharer whose link led to it
    promotion_id: int | None = None  # the promotion whose link led to it
    discount_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recorded:
    """What recording an order did: its id, whether it is new, its buyer if known, and
    the member whose share link led to it."""

    order_id: int
    created: bool
    member_id: int | None
    sharer_id: int | None = None


@dataclass(frozen=True)
class Purchase:
    """Something a member bought: for review requests."""

    order_id: int
    number: str
    member_id: int
    products: tuple[tuple[int, str, str], ...]  # (product id, SKU, name)


def number_key(number: str) -> str:
    """An order number as people type it: no '#', no spaces, case-insensitive."""
    return number.strip().lstrip("#").replace(" ", "").upper()[:64]


async def email_salt(session: AsyncSession) -> str:
    """This installation's salt for e-mail hashes, made once (the first process to
    store one wins; the others read it)."""
    table = table_of(Meta)
    fresh = secrets.token_hex(16)
    stmt = insert_for(session, table).values(key=SALT_KEY, value=fresh).on_conflict_do_nothing()
    await session.exec(stmt)
    found = await session.get(Meta, SALT_KEY)
    assert found is not None
    return found.value


async def code_of(session: AsyncSession, member_id: int) -> str:
    """The member's attribution code, made on first use."""
    params = {"member_id": member_id}
    found = (await session.exec(_CODE_OF, params=params)).first()
    if found is not None:
        return found
    table = table_of(MemberCode)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    insert = insert_for(session, table).values(code=code, member_id=member_id)
    await session.exec(insert.on_conflict_do_nothing())
    # A racing unit of work of the same member may have stored its code first.
    return (await session.exec(_CODE_OF, params=params)).first() or code


# Built once: every card in a private chat asks it (for its Buy link).
_CODE_OF = (
    select(MemberCode.code)
    .where(MemberCode.member_id == bindparam("member_id"))
    .order_by(col(MemberCode.code))
)


async def member_by_code(session: AsyncSession, code: str) -> int | None:
    """Whose code this is."""
    found = await session.get(MemberCode, code.upper())
    return found.member_id if found is not None else None


async def record(session: AsyncSession, order: NewOrder, now: datetime) -> Recorded:
    """Store an order and its lines once; a second delivery changes nothing."""
    buyer = await member_by_code(session, order.member_code) if order.member_code else None
    table = table_of(ShopOrder)
    stmt = (
        insert_for(session, table)
        .values(
            source=order.source,
            external_id=order.external_id,
            number=order.number[:64],
            number_key=number_key(order.number),
            email_hash=order.email_hash,
            member_code=order.member_code,
            referrer_code=order.referrer_code,
            promotion_id=order.promotion_id,
            discount_codes="|".join(order.discount_codes)[:300] or None,
            member_id=buyer,
            currency=order.currency,
            total_minor=order.total_minor,
            ordered_at=order.ordered_at,
            recorded_at=now,
        )
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(table.c.id)
    )
    created = (await session.exec(stmt)).first()
    if created is None:
        existing = select(ShopOrder.id, ShopOrder.member_id).where(
            ShopOrder.source == order.source, ShopOrder.external_id == order.external_id
        )
        order_id, member_id = (await session.exec(existing)).one()
        return Recorded(order_id or 0, False, member_id)
    order_id = int(created[0])
    sharer = await member_by_code(session, order.referrer_code) if order.referrer_code else None
    skus = {sku for _, sku, _ in order.lines if sku}
    products = await _product_ids(session, skus)
    rows = [
        {
            "order_id": order_id,
            "line_key": key[:64],
            "sku": sku[:64],
            "product_id": products.get(sku),
            "quantity": quantity,
            "refunded": 0,
        }
        for key, sku, quantity in order.lines
    ]
    if rows:
        lines = table_of(OrderLine)
        await session.exec(insert_for(session, lines).on_conflict_do_nothing(), params=rows)
    return Recorded(order_id, True, buyer, sharer)


async def _product_ids(session: AsyncSession, skus: set[str]) -> dict[str, int]:
    if not skus:
        return {}
    # Shops send SKUs in any case; the catalog's are matched as a lookup would (the
    # lower(sku) index).
    lowered = {sku.lower() for sku in skus}
    stmt = select(Product.sku, Product.id).where(func.lower(col(Product.sku)).in_(lowered))
    found = {sku.lower(): pid for sku, pid in (await session.exec(stmt)).all() if pid is not None}
    return {sku: found[sku.lower()] for sku in skus if sku.lower() in found}


async def refund(
    session: AsyncSession,
    source: str,
    refund_id: str,
    order_external_id: str,
    lines: Sequence[tuple[str, int]],
    now: datetime,
) -> bool | None:
    """Mark the refunded quantities of an order's lines, once per refund id. None: no
    such order (yet); False: this refund was applied already."""
    order = select(ShopOrder.id).where(
        ShopOrder.source == source, ShopOrder.external_id == order_external_id
    )
    order_id = (await session.exec(order)).first()
    if order_id is None:
        return None
    table = table_of(OrderRefund)
    stmt = (
        insert_for(session, table)
        .values(source=source, refund_id=refund_id, at=now)
        .on_conflict_do_nothing()
        .returning(table.c.refund_id)
    )
    if (await session.exec(stmt)).first() is None:
        return False
    line_table = table_of(OrderLine)
    for key, quantity in lines:
        # Never more than was bought, however often a line is refunded.
        more = line_table.c.refunded + quantity
        refunded = case((more > line_table.c.quantity, line_table.c.quantity), else_=more)
        await session.exec(
            update(line_table)
            .where(line_table.c.order_id == order_id, line_table.c.line_key == key)
            .values(refunded=refunded)
        )
    return True


async def claim_failures(session: AsyncSession, member_id: int, since: datetime) -> int:
    """The member's wrong claims since `since` (five in an hour block claiming)."""
    stmt = select(func.count()).where(
        OrderClaim.member_id == member_id, col(OrderClaim.ok).is_(False), OrderClaim.at >= since
    )
    return int((await session.exec(stmt)).one())


async def record_claim(session: AsyncSession, member_id: int, ok: bool, now: datetime) -> None:
    """Note a claim attempt, right or wrong."""
    session.add(OrderClaim(member_id=member_id, ok=ok, at=now))
    await session.flush()


async def claim(
    session: AsyncSession, member_id: int, number: str, email_hash: str
) -> tuple[int, str] | None:
    """Tie the order with this number and e-mail to the member, unless it belongs to
    someone else: (order id, its number), or None when nothing matches."""
    table = table_of(ShopOrder)
    stmt = (
        update(table)
        .where(
            table.c.number_key == number_key(number),
            table.c.email_hash == email_hash,
            (table.c.member_id.is_(None)) | (table.c.member_id == member_id),
        )
        .values(member_id=member_id)
        .returning(table.c.id, table.c.number)
    )
    found = (await session.exec(stmt)).first()
    return (int(found[0]), str(found[1])) if found is not None else None


async def review_requests_due(
    session: AsyncSession, placed_after: datetime, limit: int
) -> list[datetime]:
    """When the oldest orders placed after `placed_after` whose buyer was not asked for a
    review yet were placed (older orders, an imported history, are never asked about)."""
    stmt = (
        select(ShopOrder.ordered_at)
        .where(
            col(ShopOrder.review_asked_at).is_(None),
            col(ShopOrder.member_id).is_not(None),
            ShopOrder.ordered_at > placed_after,
        )
        .order_by(col(ShopOrder.ordered_at))
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def take_review_requests(
    session: AsyncSession, placed: tuple[datetime, datetime], now: datetime, limit: int
) -> list[Purchase]:
    """Claim orders placed between `placed` (after, before) whose buyer was not asked for
    a review yet: each is claimed by one process, once (its time set in one UPDATE)."""
    after, before = placed
    table = table_of(ShopOrder)
    waiting = (
        select(ShopOrder.id)
        .where(
            col(ShopOrder.review_asked_at).is_(None),
            col(ShopOrder.member_id).is_not(None),
            ShopOrder.ordered_at > after,
            ShopOrder.ordered_at <= before,
        )
        .order_by(col(ShopOrder.ordered_at))
        .limit(limit)
    )
    ids = list((await session.exec(waiting)).all())
    if not ids:
        return []
    claimed = (
        await session.exec(
            update(table)
            .where(table.c.id.in_(ids), table.c.review_asked_at.is_(None))
            .values(review_asked_at=now)
            .returning(table.c.id, table.c.number, table.c.member_id)
        )
    ).all()
    orders = {int(row[0]): (str(row[1]), int(row[2])) for row in claimed}
    if not orders:
        return []
    stmt = (
        select(OrderLine.order_id, Product.id, Product.sku, Product.name)
        .join(Product, col(Product.id) == col(OrderLine.product_id))
        .where(col(OrderLine.order_id).in_(orders), OrderLine.refunded < OrderLine.quantity)
        .order_by(col(OrderLine.order_id), col(OrderLine.line_key))
    )
    bought: dict[int, list[tuple[int, str, str]]] = {}
    for order_id, product_id, sku, name in (await session.exec(stmt)).all():
        bought.setdefault(order_id, []).append((product_id or 0, sku, name))
    return [
        Purchase(order_id, number, member_id, tuple(dict.fromkeys(bought[order_id])))
        for order_id, (number, member_id) in sorted(orders.items())
        if order_id in bought
    ]


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: the dropped one's orders and codes are the kept
    one's (links shared earlier keep counting)."""
    orders = table_of(ShopOrder)
    await session.exec(
        update(orders).where(orders.c.member_id == drop_id).values(member_id=keep_id)
    )
    codes = table_of(MemberCode)
    await session.exec(update(codes).where(codes.c.member_id == drop_id).values(member_id=keep_id))


async def wholly_refunded(session: AsyncSession, source: str, external_id: str) -> int | None:
    """The order's id when every line of it is refunded in full (else None)."""
    order = select(ShopOrder.id).where(
        ShopOrder.source == source, ShopOrder.external_id == external_id
    )
    order_id = (await session.exec(order)).first()
    if order_id is None:
        return None
    open_lines = select(func.count()).where(
        OrderLine.order_id == order_id, col(OrderLine.refunded) < col(OrderLine.quantity)
    )
    return order_id if int((await session.exec(open_lines)).one()) == 0 else None


async def sharer_of_order(session: AsyncSession, order_id: int) -> int | None:
    """The member whose share link the order came through (its `referrer_code`)."""
    order = await session.get(ShopOrder, order_id)
    if order is None or not order.referrer_code:
        return None
    return await member_by_code(session, order.referrer_code)
