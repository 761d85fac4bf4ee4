"""What earns points, shared by the features that pay them (reviews, orders) and the
one that shows and spends them (features do not import each other).

Every credit is keyed by the event that paid it, so a retried event pays once; none
depends on what someone said (a review's stars play no part: FTC 16 CFR 465.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from handlers.core.i18n import N_
from handlers.core.model import ChatKind
from storage import badges, linking, points
from storage.identity import accounts_of
from storage.numbering import scope_of

DAYS_PER_MONTH = 30.44


class Earning(StrEnum):
    """Why points were credited (the ledger's `reason`)."""

    REVIEW = "review"
    REVIEW_PHOTO = "review_photo"
    FIRST_PURCHASE = "first_purchase"
    ARRIVAL = "arrival"  # a newcomer opened the bot through one's share link
    REFERRAL = "referral"  # a purchase through one's share link (the sharer)
    REFERRED = "referred"  # a purchase through a friend's share link (the buyer)
    VOTE = "vote"  # a first vote in a poll
    HELPFUL = "helpful"  # an answer of one's that someone marked helpful


@dataclass(frozen=True)
class Rule:
    """How many points, and at most how many such credits a member gets a day."""

    points: int
    daily_cap: int


RULES = {
    Earning.REVIEW: Rule(20, daily_cap=3),
    Earning.REVIEW_PHOTO: Rule(10, daily_cap=3),
    Earning.FIRST_PURCHASE: Rule(30, daily_cap=1),
    Earning.ARRIVAL: Rule(15, daily_cap=5),
    Earning.REFERRAL: Rule(50, daily_cap=10),
    Earning.REFERRED: Rule(25, daily_cap=5),
    Earning.VOTE: Rule(2, daily_cap=10),
    Earning.HELPFUL: Rule(5, daily_cap=10),
}


# What a community may set for itself (/earning): the ways of earning that happen in
# one. Purchases and share-link arrivals happen outside any community (a shop, a
# private chat), so they earn the defaults above wherever the member is.
COMMUNITY_RULES = (
    Earning.REVIEW,
    Earning.REVIEW_PHOTO,
    Earning.VOTE,
    Earning.HELPFUL,
    Earning.ARRIVAL,  # a join through a personal invite link to one of its groups
)
# A referral pays a sharer at most this many times a day for the same buyer (and the
# buyer for the same sharer): friends ordering together count, a farm of orders does not.
PAIR_DAILY_CAP = 2


async def community_of(session: AsyncSession, chat_id: int | None) -> str | None:
    """The community (scope) a chat belongs to; a private chat has none."""
    if chat_id is None:
        return None
    chat = await linking.chat(session, chat_id)
    return None if chat.kind == ChatKind.DM else scope_of(chat)


async def rule_for(session: AsyncSession, kind: Earning, scope: str | None) -> Rule:
    """The rule that applies in `scope` (a community): its own if it set one."""
    if scope is not None and kind in COMMUNITY_RULES:
        own = await points.rule(session, scope, kind.value)
        if own is not None:
            return Rule(*own)
    return RULES[kind]


# The default tiers' names, translated where shown; names an operator sets show as set.
TIER_NAMES = (N_("Bronze"), N_("Silver"), N_("Gold"))
TIER_WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class Tier:
    """A tier: its name, the points earned in 12 months it takes, what it multiplies."""

    name: str
    threshold: int
    multiplier: float


def tiers(settings: Settings) -> list[Tier]:
    """The configured tiers, lowest first (`tiers`, checked when settings load)."""
    found = []
    for entry in settings.tiers.split(","):
        name, threshold, multiplier = entry.strip().split(":")
        found.append(Tier(name.strip(), int(threshold), float(multiplier)))
    return found


async def standing(
    session: AsyncSession, settings: Settings, member_id: int, now: datetime
) -> tuple[Tier, int, Tier | None]:
    """The member's tier, what they earned in the last 12 months, and the next tier."""
    earned = await badges.earned_since(session, member_id, now - TIER_WINDOW)
    ladder = tiers(settings)
    current = next(t for t in reversed(ladder) if earned >= t.threshold) if ladder else None
    assert current is not None
    above = [t for t in ladder if t.threshold > earned]
    return current, earned, above[0] if above else None


def expiry(settings: Settings, now: datetime) -> datetime | None:
    """When points earned now expire (`points_expire_months`; 0: never)."""
    months = settings.points_expire_months
    return now + timedelta(days=months * DAYS_PER_MONTH) if months else None


async def earn(
    session: AsyncSession,
    settings: Settings,
    member_id: int,
    kind: Earning,
    source: str,
    now: datetime,
    scope: str | None = None,
    peer: int | None = None,
) -> int:
    """Credit the rule's points for `source` (times the member's tier's multiplier),
    once and within the daily cap, using the rule of the community `scope` it was
    earned in; with a `peer` (the other side of a referral), within the pair's cap."""
    rule = await rule_for(session, kind, scope)
    if rule.points <= 0:
        return 0  # the community turned it off
    tier, _, _ = await standing(session, settings, member_id, now)
    return await points.earn(
        session,
        member_id,
        round(rule.points * tier.multiplier),
        kind.value,
        source,
        now,
        scope=scope,
        expires_at=expiry(settings, now),
        daily_cap=rule.daily_cap,
        peer=peer,
        pair_cap=None if peer is None else PAIR_DAILY_CAP,
    )


async def for_review(
    session: AsyncSession,
    settings: Settings,
    member_id: int,
    review_id: int,
    photos: bool,
    now: datetime,
    scope: str | None,
) -> int:
    """A published review's points (more with photos): once per review, edits included;
    by the rules of the community it was written in."""
    source = f"review:{review_id}"
    earned = await earn(session, settings, member_id, Earning.REVIEW, source, now, scope)
    if photos:
        source = f"review-photo:{review_id}"
        earned += await earn(session, settings, member_id, Earning.REVIEW_PHOTO, source, now, scope)
    return earned


async def for_first_purchase(
    session: AsyncSession, settings: Settings, member_id: int, order_id: int, now: datetime
) -> int:
    """A member's first purchase on record pays once (keyed by its order, so a refund of
    that order takes it back)."""
    await points.lock(session, member_id)  # two orders at once: one is the first
    if await points.earned_before(session, member_id, Earning.FIRST_PURCHASE.value):
        return 0
    source = f"order:{order_id}:first"
    return await earn(session, settings, member_id, Earning.FIRST_PURCHASE, source, now)


async def for_arrival(
    session: AsyncSession,
    settings: Settings,
    sharer: int,
    newcomer: int,
    now: datetime,
    scope: str | None = None,
) -> int:
    """A verified arrival pays its sharer, once per pair (by the rules of the community
    `scope` they joined, if any)."""
    source = f"arrival:{sharer}:{newcomer}"
    return await earn(session, settings, sharer, Earning.ARRIVAL, source, now, scope)


async def for_order(
    session: AsyncSession,
    settings: Settings,
    order_id: int,
    buyer: int | None,
    sharer: int | None,
    now: datetime,
) -> int:
    """What an order pays once its buyer or sharer is known: the buyer's first purchase;
    through a share link, the sharer and the buyer both. Never oneself: a sharer buying
    through their own link (linked accounts are one member) earns no referral. Each
    credit is keyed by the order, so it pays once and a refund takes it back."""
    paid = 0
    if buyer is not None:
        paid += await for_first_purchase(session, settings, buyer, order_id, now)
    if sharer is None or sharer == buyer:
        return paid
    if buyer is not None and await _fresh_discord_only(session, settings, buyer, now):
        return paid
    source = f"order:{order_id}:referrer"
    paid += await earn(session, settings, sharer, Earning.REFERRAL, source, now, peer=buyer)
    if buyer is not None:
        source = f"order:{order_id}:referred"
        paid += await earn(session, settings, buyer, Earning.REFERRED, source, now, peer=sharer)
    return paid


DISCORD_EPOCH_MS = 1_420_070_400_000  # Discord ids count milliseconds from 2015


def discord_created(user_id: str) -> datetime | None:
    """When a Discord account was made: its id (a snowflake) says so."""
    if not user_id.isdigit():
        return None
    return datetime.fromtimestamp(((int(user_id) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


async def _fresh_discord_only(
    session: AsyncSession, settings: Settings, member_id: int, now: datetime
) -> bool:
    """Whether the member is known only by Discord accounts younger than
    `discord_min_account_days`: such a buyer makes no referral pay."""
    accounts = await accounts_of(session, member_id)
    if not accounts or any(platform != "discord" for platform, _ in accounts):
        return False
    oldest = min(
        (made for _, user_id in accounts if (made := discord_created(user_id)) is not None),
        default=None,
    )
    return oldest is None or now - oldest < timedelta(days=settings.discord_min_account_days)


async def refunded(session: AsyncSession, order_id: int, now: datetime) -> int:
    """A wholly refunded order takes back what it earned, from everyone it paid."""
    taken = 0
    for part in ("first", "referrer", "referred"):
        taken += await points.reverse(session, f"order:{order_id}:{part}", now)
    return taken
