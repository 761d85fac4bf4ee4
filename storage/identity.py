"""Members, their platform accounts, and chats."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Account, Chat, Member, Vendor
from storage.sql import insert_for, table_of
from storage.types import utcnow


@dataclass(frozen=True)
class MemberInfo:
    member_id: int
    display_name: str
    locale: str | None
    is_vendor: bool


async def ensure_member(
    session: AsyncSession,
    platform: str,
    platform_user_id: str,
    display_name: str,
    username: str | None = None,
) -> MemberInfo:
    """The member behind a platform account, created on first sight.

    Safe when two processes see a new account at once: the account insert is
    ON CONFLICT DO NOTHING, and the loser drops its fresh member row and reads the
    winner's.
    """
    existing = await _account_member(session, platform, platform_user_id)
    if existing is not None:
        return existing
    member = Member(display_name=display_name[:128])
    session.add(member)
    await session.flush()
    stmt = (
        insert_for(session, table_of(Account))
        .values(
            platform=platform,
            platform_user_id=platform_user_id,
            member_id=member.id,
            username=username[:128] if username else None,
            display_name=display_name[:128],
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["platform", "platform_user_id"])
    )
    if (await session.exec(stmt)).rowcount == 0:
        await session.delete(member)
        winner = await _account_member(session, platform, platform_user_id)
        assert winner is not None
        return winner
    return MemberInfo(member.id or 0, member.display_name, None, False)


async def _account_member(
    session: AsyncSession, platform: str, platform_user_id: str
) -> MemberInfo | None:
    stmt = (
        select(Member, col(Vendor.id).is_not(None))
        .join(Account, col(Account.member_id) == col(Member.id))
        .outerjoin(Vendor, col(Vendor.member_id) == col(Member.id))
        .where(Account.platform == platform, Account.platform_user_id == platform_user_id)
        .limit(1)
    )
    row = (await session.exec(stmt)).first()
    if row is None:
        return None
    member, is_vendor = row
    return MemberInfo(member.id or 0, member.display_name, member.locale, bool(is_vendor))


async def set_member_locale(session: AsyncSession, member_id: int, locale: str | None) -> None:
    member = await session.get(Member, member_id)
    if member is not None:
        member.locale = locale
        session.add(member)


async def ensure_chat(
    session: AsyncSession, platform: str, platform_chat_id: str, kind: str, title: str | None
) -> int:
    lookup = select(Chat.id).where(
        Chat.platform == platform, Chat.platform_chat_id == platform_chat_id
    )
    # Read first: most messages come from known chats, and a read takes no write lock.
    chat_id = (await session.exec(lookup)).first()
    if chat_id is not None:
        return chat_id
    stmt = (
        insert_for(session, table_of(Chat))
        .values(
            platform=platform,
            platform_chat_id=platform_chat_id,
            kind=kind,
            title=title[:256] if title else None,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["platform", "platform_chat_id"])
    )
    await session.exec(stmt)
    chat_id = (await session.exec(lookup)).one()
    assert chat_id is not None
    return chat_id
