"""Polls, votes and closing. Every vote write is idempotent (primary key + ON CONFLICT DO
NOTHING), and closing is claimed by one UPDATE, so duplicates, retries and several
processes on one database leave an exact tally."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identity import ChatRecord
from storage.models import Account, Chat, Member, PollOptionRow, PollPost, PollRow, PollVoteRow
from storage.sql import dialect_of, insert_for, table_of


@dataclass(frozen=True)
class PollRecord:
    """A poll as stored; `closed_at` stays None while it is open."""

    id: int
    number: int  # what people type: counts per community (storage/numbering.py)
    chat_id: int
    community_id: int | None  # set when it runs in every chat of the community
    question: str
    multiple: bool
    hide_results: bool
    closes_at: datetime
    closed_at: datetime | None
    created_by: int  # the moderator: the poll's announcements speak their language

    @classmethod
    def of(cls, row: PollRow) -> PollRecord:
        """The record of a stored poll row."""
        assert row.id is not None
        return cls(
            row.id,
            row.number,
            row.chat_id,
            row.community_id,
            row.question,
            row.multiple,
            row.hide_results,
            row.closes_at,
            row.closed_at,
            row.created_by,
        )


@dataclass(frozen=True)
class OptionRecord:
    """One answer of a poll: `position` orders them from 0; `product_id` if it is a product."""

    id: int
    position: int
    text: str
    product_id: int | None

    @classmethod
    def of(cls, row: PollOptionRow) -> OptionRecord:
        """The record of a stored option row."""
        assert row.id is not None
        return cls(row.id, row.position, row.text, row.product_id)


@dataclass(frozen=True)
class PollView:
    """A poll with its options, in order."""

    poll: PollRecord
    options: tuple[OptionRecord, ...]

    @property
    def id(self) -> int:
        """The poll's id."""
        return self.poll.id


@dataclass(frozen=True)
class PostRecord:
    """Where a poll runs: its message in one chat (`native_ref`: how the platform names
    the poll in vote updates; None for a button poll)."""

    id: int
    poll_id: int
    chat: ChatRecord
    message_id: str | None
    native_ref: str | None
    live_digest: str | None

    @classmethod
    def of(cls, row: PollPost, chat: Chat) -> PostRecord:
        """The record of a poll's post, with the chat it is in."""
        assert row.id is not None
        return cls(
            row.id,
            row.poll_id,
            ChatRecord.of(chat),
            row.message_id,
            row.native_ref,
            row.live_digest,
        )


async def create(
    session: AsyncSession,
    *,
    number: int,
    chat_id: int,
    community_id: int | None,
    created_by: int,
    question: str,
    multiple: bool,
    hide_results: bool,
    closes_at: datetime,
    created_at: datetime,
    options: Sequence[tuple[str, int | None]],
) -> PollView:
    """A new poll with its options (text, product id)."""
    poll = PollRow(
        number=number,
        chat_id=chat_id,
        community_id=community_id,
        created_by=created_by,
        question=question,
        multiple=multiple,
        hide_results=hide_results,
        closes_at=closes_at,
        created_at=created_at,
    )
    session.add(poll)
    await session.flush()
    assert poll.id is not None
    rows = [
        PollOptionRow(poll_id=poll.id, position=i, text=text, product_id=product_id)
        for i, (text, product_id) in enumerate(options)
    ]
    session.add_all(rows)
    await session.flush()
    return PollView(PollRecord.of(poll), tuple(OptionRecord.of(row) for row in rows))


async def get(session: AsyncSession, poll_id: int) -> PollView | None:
    """The poll with its options, or None if there is no such poll."""
    return (await get_many(session, [poll_id])).get(poll_id)


async def get_many(session: AsyncSession, poll_ids: Collection[int]) -> dict[int, PollView]:
    """The polls with their options by id, in one query; unknown ids are left out."""
    views, _ = await with_posts_in(session, poll_ids, ())
    return views


async def by_number(
    session: AsyncSession, number: int, chat_id: int, scope_chat_ids: Collection[int]
) -> PollView | None:
    """The poll numbered `number` as seen from a chat: made in one of the chats sharing
    its numbers, or posted to it. Numbers repeat across communities (and, after a link,
    may repeat within one): the poll made or posted here wins, then the newest."""
    posted_here = (
        select(PollPost.poll_id)
        .where(col(PollPost.poll_id) == col(PollRow.id), PollPost.chat_id == chat_id)
        .exists()
    )
    here = (col(PollRow.chat_id) == chat_id) | posted_here
    stmt = (
        select(PollRow.id)
        .where(
            PollRow.number == number,
            col(PollRow.chat_id).in_(set(scope_chat_ids)) | posted_here,
        )
        .order_by(case((here, 0), else_=1), col(PollRow.id).desc())
        .limit(1)
    )
    poll_id = (await session.exec(stmt)).first()
    return await get(session, poll_id) if poll_id is not None else None


async def with_posts_in(
    session: AsyncSession, poll_ids: Collection[int], chat_ids: Collection[int]
) -> tuple[dict[int, PollView], set[tuple[int, int]]]:
    """`get_many`, and which of these chats each poll runs in, in one query (the votes'
    hot path: a statement less per batch)."""
    wanted = set(poll_ids)
    if not wanted:
        return {}, set()
    posted = (col(PollPost.poll_id) == col(PollRow.id)) & col(PollPost.chat_id).in_(set(chat_ids))
    stmt = (
        select(PollRow, PollOptionRow, PollPost.chat_id)
        .join(PollOptionRow, col(PollOptionRow.poll_id) == col(PollRow.id))
        .outerjoin(PollPost, posted)
        .where(col(PollRow.id).in_(wanted))
        .order_by(col(PollOptionRow.poll_id), col(PollOptionRow.position))
    )
    polls: dict[int, PollRow] = {}
    options: dict[int, list[OptionRecord]] = {}
    running: set[tuple[int, int]] = set()
    for poll, option, chat_id in (await session.exec(stmt)).all():
        polls[option.poll_id] = poll
        shown = options.setdefault(option.poll_id, [])
        if not shown or shown[-1].id != option.id:  # once per chat it runs in
            shown.append(OptionRecord.of(option))
        if chat_id is not None:
            running.add((option.poll_id, chat_id))
    views = {
        poll_id: PollView(PollRecord.of(poll), tuple(options[poll_id]))
        for poll_id, poll in polls.items()
    }
    return views, running


async def latest_in_chat(session: AsyncSession, chat_id: int) -> PollView | None:
    """The newest poll running in (or posted to) this chat."""
    stmt = (
        select(PollRow.id)
        .join(PollPost, col(PollPost.poll_id) == col(PollRow.id))
        .where(PollPost.chat_id == chat_id)
        .order_by(col(PollRow.id).desc())
        .limit(1)
    )
    poll_id = (await session.exec(stmt)).first()
    if poll_id is None:
        stmt = (
            select(PollRow.id)
            .where(PollRow.chat_id == chat_id)
            .order_by(col(PollRow.id).desc())
            .limit(1)
        )
        poll_id = (await session.exec(stmt)).first()
    return await get(session, poll_id) if poll_id is not None else None


async def add_post(session: AsyncSession, poll_id: int, chat_id: int, platform: str) -> None:
    """Note that the poll runs in this chat (not yet sent); a second call changes nothing."""
    stmt = (
        insert_for(session, table_of(PollPost))
        .values(poll_id=poll_id, chat_id=chat_id, platform=platform)
        .on_conflict_do_nothing(index_elements=["poll_id", "chat_id"])
    )
    await session.exec(stmt)


async def record_post(
    session: AsyncSession,
    poll_id: int,
    platform: str,
    platform_chat_id: str,
    message_id: str,
    native_ref: str | None,
) -> None:
    """Remember the message a poll was posted as, so native votes find their poll."""
    chat_id = (
        await session.exec(
            select(Chat.id).where(
                Chat.platform == platform, Chat.platform_chat_id == platform_chat_id
            )
        )
    ).first()
    if chat_id is None:
        return
    await add_post(session, poll_id, chat_id, platform)
    await session.exec(
        update(PollPost)
        .where(col(PollPost.poll_id) == poll_id, col(PollPost.chat_id) == chat_id)
        .values(message_id=message_id, native_ref=native_ref)
    )


async def by_native_refs(
    session: AsyncSession, platform: str, native_refs: Collection[str]
) -> dict[str, int]:
    """Poll ids by the platform's names for them, for the ones that are ours."""
    stmt = select(PollPost.native_ref, PollPost.poll_id).where(
        PollPost.platform == platform, col(PollPost.native_ref).in_(set(native_refs))
    )
    return {ref: poll_id for ref, poll_id in (await session.exec(stmt)).all() if ref is not None}


async def posts(session: AsyncSession, poll_id: int) -> list[PostRecord]:
    """Every chat the poll runs in, sent or not, in the order they were added."""
    stmt = (
        select(PollPost, Chat)
        .join(Chat, col(Chat.id) == col(PollPost.chat_id))
        .where(PollPost.poll_id == poll_id)
        .order_by(col(PollPost.id))
    )
    return [PostRecord.of(post, chat) for post, chat in (await session.exec(stmt)).all()]


async def open_native_posts(session: AsyncSession, platform: str) -> list[PostRecord]:
    """Where open polls run as the platform's own polls."""
    stmt = (
        select(PollPost, Chat)
        .join(Chat, col(Chat.id) == col(PollPost.chat_id))
        .join(PollRow, col(PollRow.id) == col(PollPost.poll_id))
        .where(
            PollPost.platform == platform,
            col(PollPost.native_ref).is_not(None),
            col(PollRow.closed_at).is_(None),
        )
        .order_by(col(PollPost.poll_id), col(PollPost.id))
    )
    return [PostRecord.of(post, chat) for post, chat in (await session.exec(stmt)).all()]


async def open_button_posts(session: AsyncSession) -> list[PostRecord]:
    """The posted button copies (not native polls) of open polls."""
    stmt = (
        select(PollPost, Chat)
        .join(Chat, col(Chat.id) == col(PollPost.chat_id))
        .join(PollRow, col(PollRow.id) == col(PollPost.poll_id))
        .where(
            col(PollRow.closed_at).is_(None),
            col(PollPost.message_id).is_not(None),
            col(PollPost.native_ref).is_(None),
        )
        .order_by(col(PollPost.id))
    )
    return [PostRecord.of(post, chat) for post, chat in (await session.exec(stmt)).all()]


async def claim_live(session: AsyncSession, post_id: int, digest: str) -> bool:
    """Note that the copy now shows `digest`; False when it did already (one process
    edits a copy once per change)."""
    stmt = (
        update(PollPost)
        .where(
            col(PollPost.id) == post_id,
            col(PollPost.live_digest).is_(None) | (col(PollPost.live_digest) != digest),
        )
        .values(live_digest=digest)
        .returning(col(PollPost.id))
    )
    return (await session.exec(stmt)).first() is not None


async def voters_only_on(session: AsyncSession, poll_id: int, platform: str) -> set[int]:
    """Members with a ballot in the poll whose every account is on `platform`: the ones
    that platform's own poll speaks for entirely."""
    elsewhere = select(Account.member_id).where(Account.platform != platform)
    stmt = select(PollVoteRow.member_id).where(
        PollVoteRow.poll_id == poll_id, col(PollVoteRow.member_id).not_in(elsewhere)
    )
    return set((await session.exec(stmt)).all())


# --- votes ------------------------------------------------------------------------------


Ballot = tuple[int, int]  # (poll id, member id)


async def choices(session: AsyncSession, ballots: Collection[Ballot]) -> dict[Ballot, set[int]]:
    """The chosen option ids of each (poll, member) that has voted, in one query, read
    for changing them."""
    wanted = set(ballots)
    if not wanted:
        return {}
    if dialect_of(session) == "postgresql":
        # One person voting through two processes at once: the batches take turns on the
        # member rows (locked in id order, so they cannot deadlock), and the second reads
        # the first one's choice. On SQLite the batch holds the write lock already.
        members = sorted({member for _, member in wanted})
        lock = select(Member.id).where(col(Member.id).in_(members)).order_by(col(Member.id))
        await session.exec(lock.with_for_update())
    stmt = select(PollVoteRow.poll_id, PollVoteRow.member_id, PollVoteRow.option_id).where(
        col(PollVoteRow.poll_id).in_({poll for poll, _ in wanted}),
        col(PollVoteRow.member_id).in_({member for _, member in wanted}),
    )
    found: dict[Ballot, set[int]] = {}
    for poll_id, member_id, option_id in (await session.exec(stmt)).all():
        if (poll_id, member_id) in wanted:
            found.setdefault((poll_id, member_id), set()).add(option_id)
    return found


async def save_choices(
    session: AsyncSession,
    changes: Mapping[Ballot, tuple[set[int], set[int]]],
    single_choice: Collection[int],
) -> None:
    """Store many members' new choices ((poll, member) -> (before, after)) with at most
    three statements. In single-choice polls, everything but the new choice goes, so a
    vote recorded meanwhile by another process cannot leave two choices behind."""
    exact: list[dict[str, int]] = []
    all_but: list[dict[str, int]] = []
    added: list[dict[str, int]] = []
    # In key order, so concurrent batches of other processes lock rows in one order.
    for (poll_id, member_id), (before, after) in sorted(changes.items()):
        key = {"poll_id": poll_id, "member_id": member_id}
        if poll_id in single_choice:
            # Option ids start at 1, so keeping 0 keeps nothing (a withdrawn vote).
            all_but.append({**key, "keep": next(iter(after), 0)})
        else:
            exact.extend({**key, "option_id": gone} for gone in sorted(before - after))
        added.extend({**key, "option_id": new} for new in sorted(after - before))
    table = table_of(PollVoteRow)
    mine = (table.c.poll_id == bindparam("poll_id")) & (table.c.member_id == bindparam("member_id"))
    if exact:
        stmt = delete(table).where(mine, table.c.option_id == bindparam("option_id"))
        await session.exec(stmt, params=exact)
    if all_but:
        stmt = delete(table).where(mine, table.c.option_id != bindparam("keep"))
        await session.exec(stmt, params=all_but)
    if added:
        stmt = insert_for(session, table).on_conflict_do_nothing(
            index_elements=["poll_id", "member_id", "option_id"]
        )
        await session.exec(stmt, params=added)


async def tally(session: AsyncSession, poll_id: int) -> tuple[dict[int, int], int]:
    """Votes per option id, and how many people voted."""
    stmt = (
        select(PollVoteRow.option_id, func.count())
        .where(PollVoteRow.poll_id == poll_id)
        .group_by(col(PollVoteRow.option_id))
    )
    counts = {option_id: int(n) for option_id, n in (await session.exec(stmt)).all()}
    voters = (
        await session.exec(
            select(func.count(func.distinct(PollVoteRow.member_id))).where(
                PollVoteRow.poll_id == poll_id
            )
        )
    ).one()
    return counts, int(voters)


async def ballots(session: AsyncSession, poll_id: int) -> list[tuple[str, int]]:
    """(member display name, option id) for every vote, for exports."""
    stmt = (
        select(Member.display_name, PollVoteRow.option_id)
        .join(Member, col(Member.id) == col(PollVoteRow.member_id))
        .where(PollVoteRow.poll_id == poll_id)
        .order_by(col(Member.display_name), col(PollVoteRow.option_id))
    )
    return [(name, option_id) for name, option_id in (await session.exec(stmt)).all()]


async def move_votes(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """When two accounts become one person, that person has one ballot per poll: the
    kept member's where both voted, else the dropped member's, moved over."""
    voted = select(PollVoteRow.poll_id).where(PollVoteRow.member_id == keep_id)
    moved = (
        await session.exec(
            select(PollVoteRow.poll_id, PollVoteRow.option_id).where(
                PollVoteRow.member_id == drop_id, col(PollVoteRow.poll_id).not_in(voted)
            )
        )
    ).all()
    if moved:
        rows = [{"poll_id": p, "member_id": keep_id, "option_id": o} for p, o in moved]
        stmt = insert_for(session, table_of(PollVoteRow)).on_conflict_do_nothing(
            index_elements=["poll_id", "member_id", "option_id"]
        )
        await session.exec(stmt, params=rows)
    await session.exec(delete(PollVoteRow).where(col(PollVoteRow.member_id) == drop_id))


# --- closing ----------------------------------------------------------------------------


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Ids of the open polls whose deadline has passed, to be closed."""
    stmt = (
        select(PollRow.id)
        .where(col(PollRow.closed_at).is_(None), col(PollRow.closes_at) <= now)
        .order_by(col(PollRow.id))
    )
    return [poll_id for poll_id in (await session.exec(stmt)).all() if poll_id is not None]


async def open_deadlines(session: AsyncSession) -> list[datetime]:
    """When each open poll closes (past ones included), for scheduling the close job."""
    stmt = select(PollRow.closes_at).where(col(PollRow.closed_at).is_(None))
    return list((await session.exec(stmt)).all())


async def lease_ends(session: AsyncSession, lease: timedelta) -> list[datetime]:
    """When the claims on result posts that are not sent yet run out."""
    stmt = select(PollPost.results_claimed_at).where(
        col(PollPost.results_claimed_at).is_not(None), col(PollPost.results_sent_at).is_(None)
    )
    return [claimed + lease for claimed in (await session.exec(stmt)).all() if claimed]


async def claim_close(session: AsyncSession, poll_id: int, now: datetime) -> bool:
    """Close the poll; True for the one caller that did it (other processes get False)."""
    stmt = (
        update(PollRow)
        .where(col(PollRow.id) == poll_id, col(PollRow.closed_at).is_(None))
        .values(closed_at=now)
        .returning(col(PollRow.id))
    )
    return (await session.exec(stmt)).first() is not None


def _unclaimed(now: datetime, lease: timedelta, attempts: int) -> Any:
    return (
        col(PollPost.results_sent_at).is_(None)
        & (col(PollPost.results_attempts) < attempts)
        & (
            col(PollPost.results_claimed_at).is_(None)
            | (col(PollPost.results_claimed_at) <= now - lease)
        )
    )


async def unsent_results(
    session: AsyncSession, now: datetime, lease: timedelta, attempts: int
) -> list[PostRecord]:
    """Posts of closed polls whose results nobody has sent or is sending (also after a
    restart, and once the lease of a process that died while sending runs out)."""
    stmt = (
        select(PollPost, Chat)
        .join(Chat, col(Chat.id) == col(PollPost.chat_id))
        .join(PollRow, col(PollRow.id) == col(PollPost.poll_id))
        .where(col(PollRow.closed_at).is_not(None), _unclaimed(now, lease, attempts))
        .order_by(col(PollPost.id))
    )
    return [PostRecord.of(post, chat) for post, chat in (await session.exec(stmt)).all()]


async def claim_results(
    session: AsyncSession, post_id: int, now: datetime, lease: timedelta, attempts: int
) -> int | None:
    """Take the job of posting one chat's results: exactly one process gets it, and
    learns how many tries this is (None: someone else has it, or tries are used up)."""
    stmt = (
        update(PollPost)
        .where(col(PollPost.id) == post_id, _unclaimed(now, lease, attempts))
        .values(results_claimed_at=now, results_attempts=col(PollPost.results_attempts) + 1)
        .returning(col(PollPost.results_attempts))
    )
    row = (await session.exec(stmt)).first()
    return None if row is None else int(row[0])


async def finish_results(session: AsyncSession, post_id: int, sent_at: datetime | None) -> None:
    """The claimed post went out (`sent_at`), or failed and is free for a retry (None)."""
    values = {"results_sent_at": sent_at} if sent_at else {"results_claimed_at": None}
    await session.exec(update(PollPost).where(col(PollPost.id) == post_id).values(**values))
