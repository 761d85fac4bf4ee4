"""Product signals: what members do with products in each chat, append-only and keyed,
rolled up into daily and all-time counts per chat that pick lists and trends read.

A community's popularity is the sum over its chats, so linking chats needs no move.
Staff are left out when counting: moderators are marked when they act, and a product's
vendor is recognised by the product's `vendor_id` (so a vendor made later is left out
of the days counted after that).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    tuple_,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import meta
from storage.models import (
    ActivityDay,
    AnswerMemory,
    Chat,
    OrderLine,
    Product,
    ProductSignal,
    RankedProduct,
    ShopOrder,
    SignalDay,
    SignalTotal,
    Vendor,
)
from storage.picks import forget_pick_votes
from storage.sql import built_once, dialect_of, insert_for, insert_of, table_of, write_first


class Kind(StrEnum):
    """What a member did with a product."""

    VIEW = "view"  # saw its card in an answer
    QUESTION = "question"  # asked the community about it (/ask)
    CLICK = "click"  # followed a link to the shop
    SHARE = "share"  # took their share link
    ARRIVAL = "arrival"  # someone new came through their share link
    VOTE = "vote"  # voted for it in a style poll
    REVIEW = "review"  # a review of it was published
    ORDER = "order"  # bought it


# How much each kind says about interest: buying and reviewing weigh most, a glance least.
WEIGHTS = {
    Kind.VIEW: 1,
    Kind.QUESTION: 2,
    Kind.CLICK: 2,
    Kind.SHARE: 3,
    Kind.ARRIVAL: 4,
    Kind.VOTE: 3,
    Kind.REVIEW: 4,
    Kind.ORDER: 5,
}
COLUMNS = {kind: f"{kind.value}s" for kind in Kind}  # Kind.VIEW -> signal_day.views
SIGNAL_DAYS = 60  # detail kept this long; the daily counts stay
ROLLED = "signals.rolled"  # meta: when the last roll-up started
ROLLED_ID = "signals.rolled_id"  # meta: the newest signal it had seen
MARGIN = timedelta(minutes=10)  # a unit of work that began before a roll-up may commit after
CHUNK = 400


@dataclass(frozen=True)
class SignalFact:
    """One signal to record. `key` names the fact (`view:<chat>:<member>:<product>:<day>`):
    recording it twice records it once."""

    key: str
    chat_id: int
    product_id: int
    member_id: int | None
    kind: Kind
    at: datetime
    staff: bool = False
    color: str | None = None
    size: str | None = None


@dataclass(frozen=True)
class Counts:
    """A product's signals by kind, and their weighted score."""

    product_id: int
    views: int = 0
    questions: int = 0
    clicks: int = 0
    shares: int = 0
    arrivals: int = 0
    votes: int = 0
    reviews: int = 0
    orders: int = 0
    score: int = 0


async def record(session: AsyncSession, facts: Sequence[SignalFact]) -> int:
    """Record `facts` in one statement; those already recorded (by key) are skipped.
    Returns how many were new."""
    if not facts:
        return 0
    rows = [{**vars(fact), "kind": fact.kind.value} for fact in facts]  # asdict deep-copies
    connection = await session.connection()
    return len((await connection.execute(_record_new(session), rows)).all())


@built_once
def _record_new(dialect: str) -> Any:
    # The rows are its parameters (SQLAlchemy sends them as one multi-row INSERT);
    # RETURNING tells which were new.
    table = table_of(ProductSignal)
    stmt = insert_of(dialect, table).on_conflict_do_nothing(index_elements=["key"])
    return stmt.returning(table.c.id)


async def arrived(
    session: AsyncSession, sharer_id: int, newcomer_id: int, product_id: int, at: datetime
) -> None:
    """Someone new came through the sharer's link for the product: an arrival in the
    chat the sharer last took their link in (none when they took it in no chat we
    know)."""
    signals = table_of(ProductSignal)
    stmt = (
        sa_select(signals.c.chat_id)
        .where(
            signals.c.member_id == sharer_id,
            signals.c.product_id == product_id,
            signals.c.kind == Kind.SHARE.value,
        )
        .order_by(signals.c.at.desc())
        .limit(1)
    )
    found = await _rows(session, stmt)
    if found:
        key = f"arrival:{newcomer_id}:{product_id}"
        await record(
            session, [SignalFact(key, found[0][0], product_id, sharer_id, Kind.ARRIVAL, at)]
        )


ORDER_REACH = timedelta(days=60)


async def ordered(session: AsyncSession, order_id: int, member_id: int, at: datetime) -> None:
    """A member's order: a signal for each product on it in each community the member
    was active in over the last 60 days, in the chat of it they were last active in
    (orders happen in the shop, not in a chat; the buyer's communities are where it
    says something, once each). Staff there (anyone who acted as staff in that
    community) buy without ranking."""
    days, chats, lines = table_of(ActivityDay), table_of(Chat), table_of(OrderLine)
    active = (
        sa_select(days.c.chat_id, chats.c.community_id, func.max(days.c.day))
        .join(chats, chats.c.id == days.c.chat_id)
        .where(days.c.member_id == member_id, days.c.day >= (at - ORDER_REACH).date())
        .group_by(days.c.chat_id, chats.c.community_id)
    )
    staff = sa_select(days.c.chat_id).where(days.c.member_id == member_id, days.c.staff)
    products = sa_select(lines.c.product_id).where(
        lines.c.order_id == order_id, lines.c.product_id.is_not(None)
    )
    staff_chats = {row[0] for row in await _rows(session, staff)}
    latest: dict[str, tuple[date, int]] = {}  # community scope -> (last day, chat)
    staff_scopes: set[str] = set()
    for chat, community, last in await _rows(session, active):
        scope = f"community:{community}" if community else f"chat:{chat}"
        if chat in staff_chats:
            staff_scopes.add(scope)
        if scope not in latest or (last, chat) > latest[scope]:
            latest[scope] = (last, chat)
    product_ids = sorted({row[0] for row in await _rows(session, products)})
    facts = [
        SignalFact(
            f"order:{order_id}:{scope}:{product}",
            chat,
            product,
            member_id,
            Kind.ORDER,
            at,
            scope in staff_scopes,
        )
        for scope, (_, chat) in sorted(latest.items())
        for product in product_ids
    ]
    await record(session, facts)


def _counted(table: Any) -> Any:
    """Signals that rank: not staff's, and not by the product's own vendor."""
    vendors = table_of(Vendor)
    products = table_of(Product)
    by_vendor = (
        sa_select(vendors.c.id)
        .where(vendors.c.id == products.c.vendor_id, vendors.c.member_id == table.c.member_id)
        .exists()
    )
    return and_(~table.c.staff, ~by_vendor)


async def roll_up(session: AsyncSession, now: datetime) -> None:
    """Count the days that may have new detail into `signal_day`, and move
    `signal_total` by what changed: the days of every row recorded since the last
    roll-up, whatever time it names, and the last minutes again (a unit of work that
    began before the last roll-up may commit after it). Roll-ups take turns (SQLite's
    write lock, a PostgreSQL advisory lock), so each starts from the last one's counts
    and two processes never add the same change twice."""
    await _take_turn(session)
    signals = table_of(ProductSignal)
    last_id = int(await meta.get_value(session, ROLLED_ID) or 0)
    newest = (await _rows(session, sa_select(func.max(signals.c.id))))[0][0] or 0
    recorded = sa_select(func.min(signals.c.at)).where(signals.c.id > last_id)
    earliest: datetime | None = (await _rows(session, recorded))[0][0]
    since = earliest if earliest is not None else now
    last = await meta.get_value(session, ROLLED)
    if last is not None:
        since = min(since, datetime.fromisoformat(last) - MARGIN)
    day = max(since, now - timedelta(days=SIGNAL_DAYS)).astimezone(UTC).date()
    while day <= now.astimezone(UTC).date():
        await _count_day(session, day)
        day += timedelta(days=1)
    await meta.set_value(session, ROLLED, now.isoformat())
    await meta.set_value(session, ROLLED_ID, str(newest))


ROLL_UP_LOCK = 0x5349474E  # any fixed number: PostgreSQL's advisory lock for roll-ups


async def _take_turn(session: AsyncSession) -> None:
    if dialect_of(session) == "postgresql":
        await _rows(session, sa_select(func.pg_advisory_xact_lock(ROLL_UP_LOCK)))
    else:
        await write_first(session)


async def _rows(session: AsyncSession, stmt: Any, params: Any = None) -> list[Any]:
    return list((await (await session.connection()).execute(stmt, params)).all())


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


NAMES = [*COLUMNS.values(), "score"]


async def _count_day(session: AsyncSession, day: date) -> None:
    """Recount one UTC day from the detail, and move the totals by the difference."""
    signals = table_of(ProductSignal)
    products = table_of(Product)
    stmt = (
        sa_select(signals.c.chat_id, signals.c.product_id, signals.c.kind, func.count())
        .join(products, products.c.id == signals.c.product_id)
        .where(
            signals.c.at >= _start(day),
            signals.c.at < _start(day + timedelta(days=1)),
            _counted(signals),
        )
        .group_by(signals.c.chat_id, signals.c.product_id, signals.c.kind)
    )
    new: dict[tuple[int, int], dict[str, int]] = {}
    for chat_id, product_id, kind, count in await _rows(session, stmt):
        counts = new.setdefault((chat_id, product_id), dict.fromkeys(NAMES, 0))
        counts[COLUMNS[Kind(kind)]] = count
        counts["score"] += count * WEIGHTS[Kind(kind)]
    days = table_of(SignalDay)
    held = sa_select(days.c.chat_id, days.c.product_id, *(days.c[n] for n in NAMES)).where(
        days.c.day == day
    )
    old = {
        (row[0], row[1]): dict(zip(NAMES, row[2:], strict=True))
        for row in await _rows(session, held)
    }
    zero = dict.fromkeys(NAMES, 0)
    delta: dict[tuple[int, int], dict[str, int]] = {}
    for pair in new.keys() | old.keys():
        moved = {n: new.get(pair, zero)[n] - old.get(pair, zero)[n] for n in NAMES}
        if any(moved.values()):
            delta[pair] = moved
    if not delta:
        return
    gone = [pair for pair in old if pair not in new]
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start : start + CHUNK]
        await session.exec(
            delete(days).where(
                days.c.day == day, tuple_(days.c.chat_id, days.c.product_id).in_(chunk)
            )
        )
    fresh = [
        {"chat_id": chat, "day": day, "product_id": product, **new[chat, product]}
        for chat, product in delta
        if (chat, product) in new
    ]
    await _upsert(session, days, ["chat_id", "day", "product_id"], fresh, add=False)
    changes = [{"chat_id": c, "product_id": p, **d} for (c, p), d in delta.items()]
    await _upsert(session, table_of(SignalTotal), ["chat_id", "product_id"], changes, add=True)


async def _upsert(
    session: AsyncSession, table: Any, keys: list[str], rows: list[dict[str, Any]], add: bool
) -> None:
    """Insert `rows`, or on a key already there set (or, with `add`, add) the counts."""
    if not rows:
        return
    stmt = insert_for(session, table)
    values = {n: (table.c[n] + stmt.excluded[n]) if add else stmt.excluded[n] for n in NAMES}
    connection = await session.connection()
    await connection.execute(stmt.on_conflict_do_update(index_elements=keys, set_=values), rows)


async def forget_detail_before(session: AsyncSession, at: datetime) -> int:
    """Drop detail older than `at` (its days stay counted in `signal_day`)."""
    signals = table_of(ProductSignal)
    return (await session.exec(delete(signals).where(signals.c.at < at))).rowcount or 0


async def _sums(
    session: AsyncSession, chat_ids: Collection[int] | None, since: date | None
) -> list[tuple[Counts, str]]:
    """Every product's counts in these chats since `since`, with its category, best
    first (ties by id)."""
    table = table_of(SignalDay if since is not None else SignalTotal)
    products = table_of(Product)
    sums = [func.sum(table.c[name]).label(name) for name in NAMES]
    stmt = (
        sa_select(table.c.product_id, products.c.category, *sums)
        .join(products, products.c.id == table.c.product_id)
        .group_by(table.c.product_id, products.c.category)
        .having(sums[-1] > 0)
        .order_by(sums[-1].desc(), table.c.product_id)
    )
    if chat_ids is not None:
        stmt = stmt.where(table.c.chat_id.in_(list(chat_ids)))
    if since is not None:
        stmt = stmt.where(table.c.day >= since)
    return [
        (Counts(row[0], **{n: int(v) for n, v in zip(NAMES, row[2:], strict=True)}), row[1])
        for row in await _rows(session, stmt)
    ]


@dataclass(frozen=True)
class Trend:
    """A product's interest in the last `TREND_WINDOW` against its own baseline."""

    product_id: int
    recent: int  # weighted score in the window
    people: int  # distinct members in the window
    baseline: float  # the weighted score of an average window before it


TREND_WINDOW = timedelta(hours=48)
BASELINE_DAYS = 28
TREND_MIN_SCORE = 10  # so two clicks are not a trend
TREND_MIN_PEOPLE = 3
TREND_RISE = 3.0  # times the baseline
BASELINE_FLOOR = 2.0  # a product never seen before needs TREND_MIN_SCORE anyway


async def trending(
    session: AsyncSession, chat_ids: Collection[int] | None, now: datetime, limit: int
) -> list[Trend]:
    """Products whose interest in these chats over the last 48 hours stands well above
    their own baseline (the 28 days before), with enough people behind it; the
    strongest rise first."""
    signals = table_of(ProductSignal)
    products = table_of(Product)
    start = now - TREND_WINDOW
    weight = func.sum(_weight(signals.c.kind))
    people = func.count(func.distinct(signals.c.member_id))
    stmt = (
        sa_select(signals.c.product_id, weight, people)
        .join(products, products.c.id == signals.c.product_id)
        .where(signals.c.at >= start, signals.c.at <= now, _counted(signals))
        .group_by(signals.c.product_id)
        .having(and_(weight >= TREND_MIN_SCORE, people >= TREND_MIN_PEOPLE))
    )
    if chat_ids is not None:
        stmt = stmt.where(signals.c.chat_id.in_(list(chat_ids)))
    recent = {row[0]: (int(row[1]), int(row[2])) for row in await _rows(session, stmt)}
    if not recent:
        return []
    days = table_of(SignalDay)
    first = start.astimezone(UTC).date() - timedelta(days=BASELINE_DAYS)
    base = (
        sa_select(days.c.product_id, func.sum(days.c.score))
        .where(
            days.c.day >= first,
            days.c.day < start.astimezone(UTC).date(),
            days.c.product_id.in_(list(recent)),
        )
        .group_by(days.c.product_id)
    )
    if chat_ids is not None:
        base = base.where(days.c.chat_id.in_(list(chat_ids)))
    windows = BASELINE_DAYS / (TREND_WINDOW / timedelta(days=1))
    baseline = {row[0]: int(row[1]) / windows for row in await _rows(session, base)}
    found = [
        Trend(product, score, people, baseline.get(product, 0.0))
        for product, (score, people) in recent.items()
        if score >= TREND_RISE * max(baseline.get(product, 0.0), BASELINE_FLOOR)
    ]
    found.sort(key=lambda t: (-t.recent / max(t.baseline, BASELINE_FLOOR), t.product_id))
    return found[:limit]


def _weight(kind: Any) -> Any:
    return case(*((kind == k.value, w) for k, w in WEIGHTS.items()), else_=0)


ALSO_LIKED_PEOPLE = 2


@dataclass(frozen=True)
class Seen:
    """One of a member's own signals, for suggestions."""

    product_id: int
    kind: Kind
    color: str | None
    size: str | None
    at: datetime


async def history(session: AsyncSession, member_id: int, limit: int = 200) -> list[Seen]:
    """The member's own signals, newest first."""
    signals = table_of(ProductSignal)
    stmt = (
        sa_select(
            signals.c.product_id, signals.c.kind, signals.c.color, signals.c.size, signals.c.at
        )
        .where(signals.c.member_id == member_id)
        .order_by(signals.c.at.desc(), signals.c.id.desc())
        .limit(limit)
    )
    return [
        Seen(row[0], Kind(row[1]), row[2], row[3], row[4]) for row in await _rows(session, stmt)
    ]


async def also_liked(
    session: AsyncSession,
    member_id: int,
    product_ids: Collection[int],
    chat_ids: Collection[int] | None,
    limit: int,
) -> list[tuple[int, int, int]]:
    """ "People here who liked X also liked Y": (Y, X, how many people) for products
    other members in these chats showed interest in along with one of `product_ids`,
    most people first. Views are a glance, not a liking: they do not count."""
    if not product_ids:
        return []
    mine = table_of(ProductSignal).alias("mine")
    theirs = table_of(ProductSignal).alias("theirs")
    liked = [k.value for k in Kind if k is not Kind.VIEW]
    people = func.count(func.distinct(theirs.c.member_id))
    # Two people at least: one person's liking, named in a small group, would tell on them.
    stmt = (
        sa_select(theirs.c.product_id, func.min(mine.c.product_id), people)
        .join(theirs, theirs.c.member_id == mine.c.member_id)
        .where(
            mine.c.product_id.in_(list(product_ids)),
            mine.c.member_id != member_id,
            mine.c.kind.in_(liked),
            ~mine.c.staff,
            theirs.c.kind.in_(liked),
            ~theirs.c.staff,
            theirs.c.product_id.not_in(list(product_ids)),
        )
        .group_by(theirs.c.product_id)
        .having(people >= ALSO_LIKED_PEOPLE)
        .order_by(people.desc(), theirs.c.product_id)
        .limit(limit)
    )
    if chat_ids is not None:
        stmt = stmt.where(mine.c.chat_id.in_(list(chat_ids)), theirs.c.chat_id.in_(list(chat_ids)))
    return [(row[0], row[1], int(row[2])) for row in await _rows(session, stmt)]


async def bought(session: AsyncSession, member_id: int) -> set[int]:
    """Products the member bought (lines not wholly refunded)."""
    lines, orders = table_of(OrderLine), table_of(ShopOrder)
    stmt = (
        sa_select(lines.c.product_id)
        .join(orders, orders.c.id == lines.c.order_id)
        .where(
            orders.c.member_id == member_id,
            lines.c.product_id.is_not(None),
            lines.c.refunded < lines.c.quantity,
        )
    )
    return {row[0] for row in await _rows(session, stmt)}


@dataclass(frozen=True)
class Forgotten:
    """What `/forgetme` deleted."""

    signals: int
    answers: int


async def forget_member(session: AsyncSession, member_id: int) -> Forgotten:
    """Forget the member's personal history: their signals lose every trace of them
    (who, the colour and size asked for, keys naming them) but still count, as the
    counts of days already rolled up do, so popular lists do not move; the answers kept
    for follow-ups and their pick votes are deleted. A signal that did not rank because
    they were the product's vendor stays out as staff."""
    signals, products, vendors = table_of(ProductSignal), table_of(Product), table_of(Vendor)
    theirs = or_(signals.c.member_id == member_id, signals.c.key.like(f"arrival:{member_id}:%"))
    own_product = (
        sa_select(vendors.c.id)
        .join(products, products.c.vendor_id == vendors.c.id)
        .where(products.c.id == signals.c.product_id, vendors.c.member_id == member_id)
        .exists()
    )
    anonymous = {
        "member_id": None,
        "color": None,
        "size": None,
        "key": literal("forgotten:") + cast(signals.c.id, String),
        "staff": or_(signals.c.staff, own_product),
    }
    gone = await session.exec(update(signals).where(theirs).values(**anonymous))
    memory = table_of(AnswerMemory)
    answers = await session.exec(delete(memory).where(memory.c.member_id == member_id))
    votes = await forget_pick_votes(session, member_id)
    return Forgotten((gone.rowcount or 0) + votes, answers.rowcount or 0)


async def move_to(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """Two members become one person: the dropped one's signals are the kept one's."""
    signals = table_of(ProductSignal)
    await session.exec(
        update(signals).where(signals.c.member_id == drop_id).values(member_id=keep_id)
    )


# What /top and the trend label read: kept ranked by the roll-up job per community.
PERIODS = {"week": 7, "month": 30, "all": None}
TREND = "trend"
EVERYWHERE = "*"  # the scope of every chat together (asked in a private chat)
RANKED = 10
RANKED_AT = "signals.ranked"  # meta: when ranks were last worked out
RANKED_ID = "signals.ranked_id"  # meta: the newest signal they had seen
RANKED_HOUR = "signals.ranked_hour"  # meta: the hour every community was last ranked


async def scopes(session: AsyncSession) -> dict[str, list[int]]:
    """Every community's chats by its numbering scope (storage/numbering.py)."""
    chats = table_of(Chat)
    stmt = sa_select(chats.c.id, chats.c.community_id).where(chats.c.kind != "dm")
    found: dict[str, list[int]] = {}
    for chat_id, community in await _rows(session, stmt):
        key = f"community:{community}" if community else f"chat:{chat_id}"
        found.setdefault(key, []).append(chat_id)
    return found


@dataclass(frozen=True)
class Due:
    """What a ranking pass works out: the communities (their chats; None for every
    chat), whether it is the hourly pass over all of them, and the newest signal seen."""

    scopes: dict[str, list[int] | None]
    hourly: bool
    newest: int


async def due_scopes(session: AsyncSession, now: datetime) -> Due:
    """The communities to rank again: those with signals recorded since the last
    ranking (by id: a signal whose id was taken before and committed after that ranking
    waits for the next signal there or the hourly pass), and every one once an hour (a
    week's window moves on, a trend fades, even where nothing happens)."""
    signals = table_of(ProductSignal)
    hour = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
    hourly = await meta.get_value(session, RANKED_HOUR) != hour
    newest = (await _rows(session, sa_select(func.max(signals.c.id))))[0][0] or 0
    changed: set[int] = set()
    if not hourly:
        last_id = int(await meta.get_value(session, RANKED_ID) or 0)
        stmt = sa_select(signals.c.chat_id).where(signals.c.id > last_id).distinct()
        changed = {row[0] for row in await _rows(session, stmt)}
    found: dict[str, list[int] | None] = {
        scope: chats
        for scope, chats in (await scopes(session)).items()
        if hourly or changed.intersection(chats)
    }
    if hourly or changed:
        found[EVERYWHERE] = None
    return Due(found, hourly, newest)


async def compute_ranks(
    session: AsyncSession, chat_ids: Collection[int] | None, now: datetime
) -> list[dict[str, Any]]:
    """The ranked rows of one community (chat_ids None: every chat): the top products
    per period, overall and per category, and its trends."""
    rows: list[dict[str, Any]] = []
    for period, days in PERIODS.items():
        since = (now.astimezone(UTC) - timedelta(days=days - 1)).date() if days else None
        best: dict[str, list[Counts]] = {"": []}
        for counts, category in await _sums(session, chat_ids, since):
            for key in ("", category):
                held = best.setdefault(key, [])
                if len(held) < RANKED:
                    held.append(counts)
        for category, top in best.items():
            rows += [
                {"period": period, "category": category, "rank": rank, **asdict(c), "people": 0}
                for rank, c in enumerate(top)
            ]
    for rank, trend in enumerate(await trending(session, chat_ids, now, RANKED)):
        zeros = dict.fromkeys(NAMES, 0) | {"score": trend.recent}
        rows.append(
            {
                "period": TREND,
                "category": "",
                "rank": rank,
                "product_id": trend.product_id,
                **zeros,
                "people": trend.people,
            }
        )
    return rows


async def store_ranks(
    session: AsyncSession, ranked: dict[str, list[dict[str, Any]]], now: datetime, due: Due
) -> None:
    """Replace these communities' ranked rows, taking turns with other processes; a
    community ranked since for a later time keeps that (newer) ranking."""
    await _take_turn(session)
    table = table_of(RankedProduct)
    held = sa_select(table.c.scope, func.max(table.c.ranked_at)).group_by(table.c.scope)
    newer = {scope for scope, at in await _rows(session, held) if at > now}
    for scope, rows in ranked.items():
        if scope in newer:
            continue
        await session.exec(delete(table).where(table.c.scope == scope))
        if rows:
            await (await session.connection()).execute(
                insert_for(session, table),
                [{"scope": scope, "ranked_at": now, **row} for row in rows],
            )
    last = await meta.get_value(session, RANKED_AT)
    if last is None or datetime.fromisoformat(last) < now:
        await meta.set_value(session, RANKED_AT, now.isoformat())
        await meta.set_value(session, RANKED_ID, str(due.newest))
        if due.hourly:
            hour = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
            await meta.set_value(session, RANKED_HOUR, hour)


async def ranked(
    session: AsyncSession, scope: str, period: str, category: str = "", limit: int = RANKED
) -> list[Counts]:
    """The community's top products for the period (and category), best first."""
    table = table_of(RankedProduct)
    stmt = (
        sa_select(table.c.product_id, *(table.c[n] for n in NAMES))
        .where(table.c.scope == scope, table.c.period == period, table.c.category == category)
        .order_by(table.c.rank)
        .limit(limit)
    )
    return [
        Counts(row[0], **dict(zip(NAMES, row[1:], strict=True)))
        for row in await _rows(session, stmt)
    ]


_RANKED = table_of(RankedProduct)
# Built once: every card a question shows asks it.
_TRENDS = (
    sa_select(_RANKED.c.product_id, _RANKED.c.score, _RANKED.c.people)
    .where(
        _RANKED.c.scope == bindparam("scope"),
        _RANKED.c.period == TREND,
        _RANKED.c.category == "",
    )
    .order_by(_RANKED.c.rank)
)


async def trends_of(session: AsyncSession, scope: str) -> list[Trend]:
    """What trends in the community, strongest first, as last ranked."""
    rows = await _rows(session, _TRENDS, {"scope": scope})
    return [Trend(row[0], row[1], row[2], 0.0) for row in rows]
