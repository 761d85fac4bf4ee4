"""Link codes, communities of chats, and merging accounts into one member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import numbering
from storage.identity import ChatRecord
from storage.models import Account, Chat, Community, LinkAttempt, LinkCode, Member, Vendor
from storage.sql import dialect_of


async def active_codes(session: AsyncSession, member_id: int, purpose: str, now: datetime) -> int:
    """How many of the member's codes for `purpose` are still unused and unexpired."""
    stmt = (
        select(func.count())
        .select_from(LinkCode)
        .where(
            LinkCode.member_id == member_id,
            LinkCode.purpose == purpose,
            col(LinkCode.used_at).is_(None),
            col(LinkCode.expires_at) > now,
        )
    )
    return (await session.exec(stmt)).one()


@dataclass(frozen=True)
class CodeRecord:
    """A link code: who made it, for which chat (chat codes), and whether it was used."""

    code: str
    purpose: str  # "chat" or "account"
    member_id: int
    chat_id: int | None
    used_at: datetime | None


async def add_code(
    session: AsyncSession,
    code: str,
    purpose: str,
    member_id: int,
    chat_id: int | None,
    now: datetime,
    lifetime: timedelta,
) -> None:
    """Store a new code that expires `lifetime` after `now`; `chat_id` only for chat codes."""
    session.add(
        LinkCode(
            code=code,
            purpose=purpose,
            member_id=member_id,
            chat_id=chat_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()


async def redeem(
    session: AsyncSession, code: str, purpose: str, now: datetime
) -> CodeRecord | None:
    """Use the code if it is valid: one statement, so two people racing get one winner."""
    stmt = (
        update(LinkCode)
        .where(
            col(LinkCode.code) == code,
            col(LinkCode.purpose) == purpose,
            col(LinkCode.used_at).is_(None),
            col(LinkCode.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(LinkCode.member_id), col(LinkCode.chat_id))
    )
    row = (await session.exec(stmt)).first()
    if row is None:
        return None
    return CodeRecord(code, purpose, row[0], row[1], now)


async def find_code(session: AsyncSession, code: str, purpose: str) -> CodeRecord | None:
    """The code whether used or expired (to say why it failed), or None if never issued."""
    stmt = select(LinkCode).where(LinkCode.code == code, LinkCode.purpose == purpose)
    found = (await session.exec(stmt)).first()
    if found is None:
        return None
    return CodeRecord(found.code, found.purpose, found.member_id, found.chat_id, found.used_at)


async def lock_member(session: AsyncSession, member_id: int) -> None:
    """Make this member's concurrent units of work take turns from here to commit. On
    PostgreSQL a row lock; SQLite has one writer at a time already."""
    if dialect_of(session) == "postgresql":
        await session.exec(select(Member.id).where(Member.id == member_id).with_for_update())


async def record_attempt(session: AsyncSession, member_id: int, ok: bool, now: datetime) -> None:
    """Log one try at redeeming a code; failed ones count towards `failures_since`."""
    session.add(LinkAttempt(member_id=member_id, ok=ok, at=now))
    await session.flush()


async def failures_since(session: AsyncSession, member_id: int, since: datetime) -> int:
    """The member's failed tries from `since` on: what limits guessing codes."""
    stmt = (
        select(func.count())
        .select_from(LinkAttempt)
        .where(
            LinkAttempt.member_id == member_id,
            col(LinkAttempt.ok).is_(False),
            col(LinkAttempt.at) >= since,
        )
    )
    return (await session.exec(stmt)).one()


async def chat(session: AsyncSession, chat_id: int) -> ChatRecord:
    """The chat with our id `chat_id`, which must exist."""
    return ChatRecord.of(await _chat_row(session, chat_id))


async def _chat_row(session: AsyncSession, chat_id: int) -> Chat:
    found = await session.get(Chat, chat_id)
    assert found is not None
    return found


async def join_communities(session: AsyncSession, origin_chat_id: int, chat_id: int) -> int:
    """Put both chats, and every chat already linked to either, into one community."""
    origin = await chat(session, origin_chat_id)
    other = await chat(session, chat_id)  # records: what they were before the link
    scopes = {numbering.scope_of(origin), numbering.scope_of(other)}
    community_id = origin.community_id or other.community_id
    if community_id is None:
        community = Community(name=(origin.title or "community")[:128])
        session.add(community)
        await session.flush()
        community_id = community.id
    absorbed = {
        c for c in (origin.community_id, other.community_id) if c not in (None, community_id)
    }
    if absorbed:
        await session.exec(
            update(Chat)
            .where(col(Chat.community_id).in_(absorbed))
            .values(community_id=community_id)
        )
        await session.exec(delete(Community).where(col(Community.id).in_(absorbed)))
    await session.exec(
        update(Chat)
        .where(col(Chat.id).in_([origin_chat_id, chat_id]))
        .values(community_id=community_id)
    )
    assert community_id is not None
    await numbering.carry_over(session, f"community:{community_id}", scopes)
    return community_id


async def community_chats(session: AsyncSession, community_id: int) -> list[ChatRecord]:
    """The chats linked into the community, oldest first."""
    stmt = select(Chat).where(Chat.community_id == community_id).order_by(col(Chat.id))
    return [ChatRecord.of(found) for found in (await session.exec(stmt)).all()]


async def leave_community(session: AsyncSession, chat_id: int) -> bool:
    """Take the chat out of its community; False if it was in none.

    The chat's numbers continue from the community's. A community left with one chat
    is dissolved, that chat keeping the numbers too.
    """
    found = await _chat_row(session, chat_id)
    if found.community_id is None:
        return False
    community_id = found.community_id
    found.community_id = None
    session.add(found)
    await session.flush()
    scope = f"community:{community_id}"
    await numbering.carry_over(session, f"chat:{chat_id}", [scope])
    remaining = await community_chats(session, community_id)
    if len(remaining) <= 1:  # a community of one chat is no community
        for alone in remaining:
            await numbering.carry_over(session, f"chat:{alone.id}", [scope])
        await session.exec(
            update(Chat).where(col(Chat.community_id) == community_id).values(community_id=None)
        )
        await session.exec(delete(Community).where(col(Community.id) == community_id))
    return True


async def merge_members(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    """The accounts, vendor rows and link attempts of `drop_id` become `keep_id`'s;
    then `drop_id` goes. Features move their own rows first (Feature.on_merge)."""
    await session.exec(
        update(Account).where(col(Account.member_id) == drop_id).values(member_id=keep_id)
    )
    await session.exec(
        update(Vendor).where(col(Vendor.member_id) == drop_id).values(member_id=keep_id)
    )
    # Wrong guesses count for the person too: merging must not wipe them.
    await session.exec(
        update(LinkAttempt).where(col(LinkAttempt.member_id) == drop_id).values(member_id=keep_id)
    )
    await session.exec(delete(Member).where(col(Member.id) == drop_id))


async def account_platforms(session: AsyncSession, member_id: int) -> list[str]:
    """The platform of each of the member's accounts, sorted (one entry per account)."""
    stmt = (
        select(Account.platform)
        .where(Account.member_id == member_id)
        .order_by(col(Account.platform))
    )
    return list((await session.exec(stmt)).all())


async def split_account(session: AsyncSession, platform: str, platform_user_id: str) -> bool:
    """Give the account a member of its own, if it shares one with other accounts."""
    stmt = select(Account).where(
        Account.platform == platform, Account.platform_user_id == platform_user_id
    )
    account = (await session.exec(stmt)).one()
    if len(await account_platforms(session, account.member_id)) <= 1:
        return False
    member = Member(display_name=account.display_name)
    session.add(member)
    await session.flush()
    assert member.id is not None
    account.member_id = member.id
    session.add(account)
    await session.flush()
    return True
