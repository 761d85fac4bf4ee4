"""The points ledger and rewards.

Append-only entries keyed by their source (the event that paid: a review, an order), so
a retried event never pays twice; a balance per member kept in step with every entry.
Everything that changes a member's points first takes their balance row (`lock`: a row
lock on PostgreSQL; SQLite has one writer), so concurrent units of work of one member
(two presses of Redeem through two processes) take turns, and a daily cap or a
per-member limit cannot be overrun. Spending takes the oldest credits first (`left`);
expiry turns what is left of an old credit into an entry of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    ActivityDay,
    EarningRule,
    Member,
    MemberPreference,
    PointsBalance,
    PointsEntry,
    Reward,
    RewardCode,
)
from storage.sql import dialect_of, insert_for, table_of


@dataclass(frozen=True)
class Entry:
    """A ledger line as shown."""

    points: int
    reason: str
    at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class RewardRecord:
    """A reward as a member sees it: price, codes left, and how many they have."""

    id: int
    name: str
    price: int
    per_member: int
    left: int
    mine: int


class Refused(StrEnum):
    """Why a redemption did not happen."""

    UNKNOWN = "unknown"
    TOO_FEW_POINTS = "too_few_points"
    LIMIT = "limit"
    SOLD_OUT = "sold_out"


@dataclass(frozen=True)
class Redeemed:
    """A code delivered, and the balance left."""

    code: str
    reward: str
    balance: int


async def lock(session: AsyncSession, member_id: int) -> int:
    """The member's balance, its row made if need be and locked until commit, in one
    statement: an upsert that updates takes the row lock on PostgreSQL (SQLite has one
    writer anyway)."""
    table = table_of(PointsBalance)
    insert = insert_for(session, table).values(member_id=member_id, balance=0)
    stmt = insert.on_conflict_do_update(
        index_elements=["member_id"], set_={"balance": table.c.balance}
    ).returning(table.c.balance)
    return int((await session.exec(stmt)).one()[0])


async def _add(session: AsyncSession, member_id: int, points: int) -> None:
    """Move the balance (made if need be) by `points`, in one statement."""
    table = table_of(PointsBalance)
    insert = insert_for(session, table).values(member_id=member_id, balance=points)
    await session.exec(
        insert.on_conflict_do_update(
            index_elements=["member_id"], set_={"balance": table.c.balance + points}
        )
    )


async def earn(
    session: AsyncSession,
    member_id: int,
    points: int,
    reason: str,
    source: str,
    now: datetime,
    *,
    scope: str | None = None,
    expires_at: datetime | None = None,
    daily_cap: int | None = None,
    peer: int | None = None,
    pair_cap: int | None = None,
) -> int:
    """Credit `points` for `source`, once: what was credited (0 when this source paid
    already, or the member reached today's cap of `daily_cap` credits for `reason`, or
    of `pair_cap` such credits involving `peer`)."""
    if points <= 0:
        return 0
    if daily_cap is not None or pair_cap is not None:
        # Counting today's credits and adding one must not interleave with another
        # unit of work of this member's; without a cap the keyed insert and the
        # balance's own increment need no lock.
        await lock(session, member_id)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        today = select(func.count()).where(
            PointsEntry.member_id == member_id,
            PointsEntry.reason == reason,
            PointsEntry.at >= day,
            col(PointsEntry.points) > 0,
        )
        if daily_cap is not None and int((await session.exec(today)).one()) >= daily_cap:
            return 0
        pair = today.where(PointsEntry.peer_id == peer)
        if pair_cap is not None and int((await session.exec(pair)).one()) >= pair_cap:
            return 0
    table = table_of(PointsEntry)
    stmt = (
        insert_for(session, table)
        .values(
            member_id=member_id,
            points=points,
            reason=reason,
            source=source,
            scope=scope,
            peer_id=peer,
            left=points,
            at=now,
            expires_at=expires_at,
        )
        .on_conflict_do_nothing(index_elements=["source"])
        .returning(table.c.id)
    )
    if (await session.exec(stmt)).first() is None:
        return 0
    await _add(session, member_id, points)
    return points


async def rules(session: AsyncSession, scope: str) -> dict[str, tuple[int, int]]:
    """The community's own earning rules: reason -> (points, daily cap)."""
    stmt = select(EarningRule).where(EarningRule.scope == scope)
    return {r.reason: (r.points, r.daily_cap) for r in (await session.exec(stmt)).all()}


async def rule(session: AsyncSession, scope: str, reason: str) -> tuple[int, int] | None:
    """The community's own rule for `reason`: (points, daily cap), if it set one."""
    found = await session.get(EarningRule, (scope, reason))
    return None if found is None else (found.points, found.daily_cap)


async def set_rule(
    session: AsyncSession, scope: str, reason: str, points: int, daily_cap: int
) -> None:
    """Set (or replace) the community's rule for `reason`."""
    table = table_of(EarningRule)
    values = {"points": points, "daily_cap": daily_cap}
    stmt = insert_for(session, table).values(scope=scope, reason=reason, **values)
    await session.exec(stmt.on_conflict_do_update(index_elements=["scope", "reason"], set_=values))


async def clear_rule(session: AsyncSession, scope: str, reason: str) -> None:
    """The community goes back to the default for `reason`."""
    await session.exec(
        delete(EarningRule).where(
            col(EarningRule.scope) == scope, col(EarningRule.reason) == reason
        )
    )


async def spend(
    session: AsyncSession, member_id: int, points: int, reason: str, source: str, now: datetime
) -> bool:
    """Spend `points` from the oldest credits first, once for `source`; False when the
    balance is too low. The caller holds the member's lock (`earn`, `redeem`) or not:
    it is taken here either way."""
    balance = await lock(session, member_id)
    if balance < points:
        return False
    table = table_of(PointsEntry)
    stmt = (
        insert_for(session, table)
        .values(member_id=member_id, points=-points, reason=reason, source=source, left=0, at=now)
        .on_conflict_do_nothing(index_elements=["source"])
        .returning(table.c.id)
    )
    if (await session.exec(stmt)).first() is None:
        return True  # spent already for this source
    due = points
    open_credits = (
        select(PointsEntry.id, PointsEntry.left)
        .where(PointsEntry.member_id == member_id, col(PointsEntry.left) > 0)
        .order_by(col(PointsEntry.at), col(PointsEntry.id))
    )
    for entry_id, left in (await session.exec(open_credits)).all():
        taken = min(left, due)
        await session.exec(
            update(table).where(table.c.id == entry_id).values(left=table.c.left - taken)
        )
        due -= taken
        if due == 0:
            break
    await _add(session, member_id, -points)
    return True


async def reverse(session: AsyncSession, source: str, now: datetime) -> int:
    """Take back what `source` earned (a refunded order), once: the points reversed."""
    found = (await session.exec(select(PointsEntry).where(PointsEntry.source == source))).first()
    if found is None or found.points <= 0:
        return 0
    await lock(session, found.member_id)
    table = table_of(PointsEntry)
    stmt = (
        insert_for(session, table)
        .values(
            member_id=found.member_id,
            points=-found.points,
            reason="reversed",
            source=f"reverse:{source}"[:160],
            left=0,
            at=now,
        )
        .on_conflict_do_nothing(index_elements=["source"])
        .returning(table.c.id)
    )
    if (await session.exec(stmt)).first() is None:
        return 0
    await session.exec(update(table).where(table.c.id == found.id).values(left=0))
    await _add(session, found.member_id, -found.points)
    return found.points


async def expire(session: AsyncSession, now: datetime, limit: int) -> int:
    """What is left of credits past their expiry becomes an "expired" entry each (once:
    keyed by the credit). How many credits expired."""
    stmt = (
        select(PointsEntry.id, PointsEntry.member_id, PointsEntry.left)
        .where(col(PointsEntry.left) > 0, col(PointsEntry.expires_at) <= now)
        .order_by(col(PointsEntry.id))
        .limit(limit)
    )
    table = table_of(PointsEntry)
    done = 0
    for entry_id, member_id, _ in (await session.exec(stmt)).all():
        await lock(session, member_id)
        # Read again under the lock: a spend may have taken some meanwhile.
        left = (
            await session.exec(select(PointsEntry.left).where(PointsEntry.id == entry_id))
        ).one()
        if left <= 0:
            continue
        await session.exec(
            insert_for(session, table)
            .values(
                member_id=member_id,
                points=-left,
                reason="expired",
                source=f"expired:{entry_id}",
                left=0,
                at=now,
            )
            .on_conflict_do_nothing(index_elements=["source"])
        )
        await session.exec(update(table).where(table.c.id == entry_id).values(left=0))
        await _add(session, member_id, -left)
        done += 1
    return done


async def balance(session: AsyncSession, member_id: int) -> int:
    """The member's points."""
    found = await session.get(PointsBalance, member_id)
    return found.balance if found is not None else 0


async def recent(session: AsyncSession, member_id: int, limit: int) -> list[Entry]:
    """The member's latest ledger lines."""
    stmt = (
        select(PointsEntry)
        .where(PointsEntry.member_id == member_id)
        .order_by(col(PointsEntry.at).desc(), col(PointsEntry.id).desc())
        .limit(limit)
    )
    return [Entry(e.points, e.reason, e.at, e.expires_at) for e in (await session.exec(stmt)).all()]


async def expiring(session: AsyncSession, member_id: int, before: datetime) -> int:
    """Points of the member that expire before `before` unless spent first."""
    stmt = select(func.coalesce(func.sum(PointsEntry.left), 0)).where(
        PointsEntry.member_id == member_id,
        col(PointsEntry.left) > 0,
        col(PointsEntry.expires_at) <= before,
    )
    return int((await session.exec(stmt)).one())


async def earned_before(session: AsyncSession, member_id: int, reason: str) -> bool:
    """Whether the member was ever credited for `reason` (a first purchase pays once)."""
    stmt = select(PointsEntry.id).where(
        PointsEntry.member_id == member_id, PointsEntry.reason == reason
    )
    return (await session.exec(stmt.limit(1))).first() is not None


async def check(session: AsyncSession) -> list[tuple[int, int, int]]:
    """Members whose balance differs from their ledger's sum: (member, stored, sum)."""
    sums = (
        sa_select(col(PointsEntry.member_id), func.sum(PointsEntry.points).label("total"))
        .group_by(col(PointsEntry.member_id))
        .subquery()
    )
    stmt = (
        sa_select(col(PointsBalance.member_id), col(PointsBalance.balance), sums.c.total)
        .outerjoin(sums, sums.c.member_id == col(PointsBalance.member_id))
        .where(col(PointsBalance.balance) != func.coalesce(sums.c.total, 0))
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [(int(m), int(b), int(t or 0)) for m, b, t in rows]


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: one ledger, one balance."""
    await lock(session, keep_id)
    moved = await balance(session, drop_id)
    entries = table_of(PointsEntry)
    await session.exec(
        update(entries).where(entries.c.member_id == drop_id).values(member_id=keep_id)
    )
    await session.exec(delete(PointsBalance).where(col(PointsBalance.member_id) == drop_id))
    await _add(session, keep_id, moved)
    codes = table_of(RewardCode)
    await session.exec(update(codes).where(codes.c.member_id == drop_id).values(member_id=keep_id))
    await session.exec(update(entries).where(entries.c.peer_id == drop_id).values(peer_id=keep_id))


# --- rewards -----------------------------------------------------------------------


async def load_reward(
    session: AsyncSession,
    name: str,
    price: int,
    per_member: int,
    codes: Sequence[str],
    now: datetime,
) -> tuple[int, int]:
    """Make or update a reward and add its codes (a code already loaded is skipped):
    (reward id, codes added)."""
    table = table_of(Reward)
    values = {"price": price, "per_member": per_member}
    stmt = (
        insert_for(session, table)
        .values(name=name, created_at=now, **values)
        .on_conflict_do_update(index_elements=["name"], set_=values)
        .returning(table.c.id)
    )
    reward_id = int((await session.exec(stmt)).one()[0])
    added = 0
    if codes:
        code_table = table_of(RewardCode)
        rows = [{"reward_id": reward_id, "code": code} for code in dict.fromkeys(codes)]
        inserted = await session.exec(
            insert_for(session, code_table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["reward_id", "code"])
            .returning(code_table.c.id)
        )
        added = len(inserted.all())
    return reward_id, added


async def rewards(session: AsyncSession, member_id: int) -> list[RewardRecord]:
    """Every reward with codes left, cheapest first, with what the member has of it."""
    codes = table_of(RewardCode)
    left = func.count(codes.c.id).filter(codes.c.member_id.is_(None))
    mine = func.count(codes.c.id).filter(codes.c.member_id == member_id)
    stmt = (
        sa_select(col(Reward.id), col(Reward.name), col(Reward.price), col(Reward.per_member))
        .add_columns(left, mine)
        .join(codes, codes.c.reward_id == col(Reward.id))
        .group_by(col(Reward.id), col(Reward.name), col(Reward.price), col(Reward.per_member))
        .order_by(col(Reward.price), col(Reward.id))
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return [
        RewardRecord(int(rid), str(name), int(price), int(per), int(n_left), int(n_mine))
        for rid, name, price, per, n_left, n_mine in rows
        if n_left > 0
    ]


async def redeem(
    session: AsyncSession, reward_id: int, member_id: int, now: datetime
) -> Redeemed | Refused:
    """Deliver one code of the reward to the member and spend its price, in this unit of
    work: exactly one code per successful press, however many presses and processes."""
    balance_now = await lock(session, member_id)  # the member's presses take turns
    reward = await session.get(Reward, reward_id)
    if reward is None:
        return Refused.UNKNOWN
    mine = select(func.count()).where(
        RewardCode.reward_id == reward_id, RewardCode.member_id == member_id
    )
    if int((await session.exec(mine)).one()) >= reward.per_member:
        return Refused.LIMIT
    if balance_now < reward.price:
        return Refused.TOO_FEW_POINTS
    free = (
        sa_select(table_of(RewardCode).c.id)
        .where(
            table_of(RewardCode).c.reward_id == reward_id,
            table_of(RewardCode).c.member_id.is_(None),
        )
        .order_by(table_of(RewardCode).c.id)
        .limit(1)
    )
    if dialect_of(session) == "postgresql":
        free = free.with_for_update(skip_locked=True)  # other members' presses skip it
    codes = table_of(RewardCode)
    claimed = (
        await session.exec(
            update(codes)
            .where(codes.c.id == free.scalar_subquery(), codes.c.member_id.is_(None))
            .values(member_id=member_id, claimed_at=now)
            .returning(codes.c.id, codes.c.code)
        )
    ).first()
    if claimed is None:
        return Refused.SOLD_OUT
    code_id, code = int(claimed[0]), str(claimed[1])
    spent = await spend(session, member_id, reward.price, "redeem", f"redeem:{code_id}", now)
    assert spent  # the balance was checked under the same lock
    return Redeemed(code, reward.name, balance_now - reward.price)


async def leaderboard(
    session: AsyncSession, chat_ids: Sequence[int], since: datetime, limit: int
) -> list[tuple[str, int]]:
    """(name, points earned since `since`) of the members active in these chats, most
    first, leaving out those who chose not to be listed."""
    active = (
        select(ActivityDay.member_id).where(col(ActivityDay.chat_id).in_(list(chat_ids))).distinct()
    )
    hidden = select(MemberPreference.member_id).where(
        col(MemberPreference.hide_from_leaderboard).is_(True)
    )
    earned = func.sum(PointsEntry.points)
    stmt = (
        select(Member.display_name, earned)
        .join(Member, col(Member.id) == col(PointsEntry.member_id))
        .where(
            col(PointsEntry.points) > 0,
            PointsEntry.at >= since,
            col(PointsEntry.member_id).in_(active),
            col(PointsEntry.member_id).not_in(hidden),
        )
        .group_by(col(Member.id), col(Member.display_name))
        .order_by(earned.desc(), col(Member.id))
        .limit(limit)
    )
    return [(name, int(total)) for name, total in (await session.exec(stmt)).all()]


async def paid(session: AsyncSession, sources: Sequence[str]) -> set[str]:
    """Which of these sources paid already (one query for a batch of candidates)."""
    if not sources:
        return set()
    stmt = select(PointsEntry.source).where(col(PointsEntry.source).in_(list(sources)))
    return set((await session.exec(stmt)).all())
