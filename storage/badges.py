"""What a member's badges and tier are read from: counts over their reviews, votes,
arrivals and points, and whether they are a mayor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Mayor, PointsEntry, PollVoteRow, Referral, Review, ReviewPhoto


@dataclass(frozen=True)
class Facts:
    """Counts about one member."""

    reviews: int  # published
    photo_reviews: int  # published, with photos
    polls: int  # polls voted in
    arrivals: int  # newcomers they brought
    mayor: bool  # of any community, now
    winners: int  # closed polls in which they voted for the winning option


async def facts(session: AsyncSession, member_id: int) -> Facts:
    """The member's counts, one small query each (indexed by member)."""
    published = (Review.member_id == member_id, Review.status == "published")
    reviews = select(func.count()).select_from(Review).where(*published)
    with_photos = (
        select(func.count(func.distinct(col(Review.id))))
        .select_from(Review)
        .join(ReviewPhoto, col(ReviewPhoto.review_id) == col(Review.id))
        .where(*published)
    )
    polls = select(func.count(func.distinct(col(PollVoteRow.poll_id)))).where(
        PollVoteRow.member_id == member_id
    )
    arrivals = select(func.count()).select_from(Referral).where(Referral.sharer_id == member_id)
    mayor = select(func.count()).select_from(Mayor).where(Mayor.member_id == member_id)
    one = session.exec
    winners = await (await session.connection()).execute(_WINNERS, {"member": member_id})
    return Facts(
        reviews=int((await one(reviews)).one()),
        photo_reviews=int((await one(with_photos)).one()),
        polls=int((await one(polls)).one()),
        arrivals=int((await one(arrivals)).one()),
        mayor=int((await one(mayor)).one()) > 0,
        winners=int(winners.scalar_one()),
    )


# Closed polls the member voted in, where one of their options got the most votes (a
# tie counts as winning). Only the polls they voted in are counted over.
_WINNERS = text(
    """
    WITH mine AS (SELECT DISTINCT poll_id FROM poll_vote WHERE member_id = :member),
    counts AS (
        SELECT v.poll_id, v.option_id, COUNT(*) AS n FROM poll_vote v
        JOIN mine ON mine.poll_id = v.poll_id GROUP BY v.poll_id, v.option_id
    ),
    best AS (SELECT poll_id, MAX(n) AS top FROM counts GROUP BY poll_id)
    SELECT COUNT(DISTINCT v.poll_id) FROM poll_vote v
    JOIN counts c ON c.poll_id = v.poll_id AND c.option_id = v.option_id
    JOIN best b ON b.poll_id = c.poll_id AND c.n = b.top
    JOIN poll p ON p.id = v.poll_id
    WHERE v.member_id = :member AND p.closed_at IS NOT NULL
    """
)


async def earned_since(session: AsyncSession, member_id: int, since: datetime) -> int:
    """Points the member earned since `since` (what their tier is measured by)."""
    stmt = select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.member_id == member_id, col(PointsEntry.points) > 0, PointsEntry.at >= since
    )
    return int((await session.exec(stmt)).one())
