"""Members, their platform accounts, and chats."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Account, Chat, Member, Vendor, VendorGrant
from storage.sql import insert_for, table_of
from storage.types import utcnow


@dataclass(frozen=True)
class ChatRecord:
    """A chat as stored: our id, the platform's, and the community it is linked into."""

    id: int
    platform: str
    platform_chat_id: str
    kind: str
    title: str | None
    community_id: int | None

    @classmethod
    def of(cls, chat: Chat) -> ChatRecord:
        """The record of a stored chat row."""
        assert chat.id is not None
        return cls(
            chat.id, chat.platform, chat.platform_chat_id, chat.kind, chat.title, chat.community_id
        )


@dataclass(frozen=True)
class MemberInfo:
    """What handlers need about a member; `locale` None: none chosen, the platform's applies."""

    member_id: int
    display_name: str
    locale: str | None
    is_vendor: bool
    # This very event made the account: someone the bot has never seen on it before
    # (what a share link's arrival is).
    first_seen: bool = False


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
    existing = (await _account_members(session, platform, [platform_user_id])).get(platform_user_id)
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
        return (await _account_members(session, platform, [platform_user_id]))[platform_user_id]
    return MemberInfo(member.id or 0, member.display_name, None, False, first_seen=True)


Actor = tuple[str, str, str, str | None]  # platform, platform user id, display name, username


async def ensure_members(
    session: AsyncSession, actors: Sequence[Actor]
) -> dict[tuple[str, str], MemberInfo]:
    """`ensure_member` for many accounts at once: one lookup per platform for the known
    ones, which after their first message is nearly everyone."""
    wanted: dict[str, list[str]] = {}
    for platform, user_id, _, _ in actors:
        wanted.setdefault(platform, []).append(user_id)
    found = {
        (platform, user_id): info
        for platform, user_ids in wanted.items()
        for user_id, info in (await _account_members(session, platform, user_ids)).items()
    }
    for platform, user_id, name, username in actors:
        if (platform, user_id) not in found:
            found[platform, user_id] = await ensure_member(
                session, platform, user_id, name, username
            )
    return found


async def identify(
    session: AsyncSession,
    platform: str,
    platform_user_id: str,
    display_name: str,
    username: str | None,
    chat: tuple[str, str, str, str | None],
) -> tuple[MemberInfo, int]:
    """`ensure_member` and `ensure_chat` (`chat`: platform, platform's id, kind, title)
    in one read when both are known, as for nearly every message."""
    chat_platform, chat_id, kind, title = chat
    params = {
        "platform": platform,
        "user_ids": [platform_user_id],
        "chat_platform": chat_platform,
        "chat_id": chat_id,
    }
    row = (await (await session.connection()).execute(_IDENTIFY, params)).first()
    if row is None:
        member = await ensure_member(session, platform, platform_user_id, display_name, username)
    else:
        *account, known_chat = row
        member = _info(account)
        if known_chat is not None:
            return member, known_chat
    return member, await ensure_chat(session, chat_platform, chat_id, kind, title)


async def _account_members(
    session: AsyncSession, platform: str, user_ids: Collection[str]
) -> dict[str, MemberInfo]:
    params = {"platform": platform, "user_ids": list(set(user_ids))}
    rows = (await (await session.connection()).execute(_MEMBERS, params)).all()
    return {row[0]: _info(row) for row in rows}


def _info(row: Sequence[Any]) -> MemberInfo:
    """A `_MEMBERS` row (platform's user id, member id, name, locale, is a vendor)."""
    _, member_id, name, locale, is_vendor = row
    return MemberInfo(member_id or 0, name, locale, bool(is_vendor))


# The members of these accounts of the platform. Plain columns through Core: this runs
# for every batch of votes, and loading Member entities into the session cost more than
# the query itself. Built once, as is `_IDENTIFY`: every message asks one of them.
_MEMBERS = (
    sa_select(
        col(Account.platform_user_id),
        col(Member.id),
        col(Member.display_name),
        col(Member.locale),
        col(Vendor.id).is_not(None),
    )
    .join(Member, col(Account.member_id) == col(Member.id))
    .outerjoin(
        Vendor,
        and_(
            col(Vendor.member_id) == col(Member.id),
            exists().where(col(VendorGrant.vendor_id) == col(Vendor.id)),
        ),
    )
    .where(
        col(Account.platform) == bindparam("platform"),
        col(Account.platform_user_id).in_(bindparam("user_ids", expanding=True)),
    )
)
# A member and the chat the message came from, when both are known.
_IDENTIFY = _MEMBERS.add_columns(
    sa_select(col(Chat.id))
    .where(
        col(Chat.platform) == bindparam("chat_platform"),
        col(Chat.platform_chat_id) == bindparam("chat_id"),
    )
    .scalar_subquery()
)


async def set_member_locale(session: AsyncSession, member_id: int, locale: str | None) -> None:
    """Set the member's chosen language (None: the platform's); an unknown member is ignored."""
    member = await session.get(Member, member_id)
    if member is not None:
        member.locale = locale
        session.add(member)


ChatKey = tuple[str, str, str, str | None]  # platform, platform chat id, kind, title


async def ensure_chats(
    session: AsyncSession, chats: Sequence[ChatKey]
) -> dict[tuple[str, str], int]:
    """`ensure_chat` for many chats at once, with one lookup per platform."""
    wanted: dict[str, set[str]] = {}
    for platform, chat_id, _, _ in chats:
        wanted.setdefault(platform, set()).add(chat_id)
    found: dict[tuple[str, str], int] = {}
    for platform, chat_ids in wanted.items():
        stmt = select(Chat.platform_chat_id, Chat.id).where(
            Chat.platform == platform, col(Chat.platform_chat_id).in_(chat_ids)
        )
        for chat_id, row_id in (await session.exec(stmt)).all():
            found[platform, chat_id] = row_id or 0
    for platform, chat_id, kind, title in chats:
        if (platform, chat_id) not in found:
            found[platform, chat_id] = await ensure_chat(session, platform, chat_id, kind, title)
    return found


async def ensure_chat(
    session: AsyncSession, platform: str, platform_chat_id: str, kind: str, title: str | None
) -> int:
    """Our id for a platform chat, created on first sight.

    Safe when two processes see a new chat at once (the insert is ON CONFLICT DO NOTHING).
    A known chat keeps its stored kind and title.
    """
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


async def chosen_locale(session: AsyncSession, member_id: int) -> str | None:
    """The language the member chose with /language, if any."""
    member = await session.get(Member, member_id)
    return member.locale if member is not None else None


async def accounts_of(session: AsyncSession, member_id: int) -> list[tuple[str, str]]:
    """The member's platform accounts (platform, platform's user id), oldest first: where
    the bot can write to them privately."""
    stmt = (
        select(Account.platform, Account.platform_user_id)
        .where(Account.member_id == member_id)
        .order_by(col(Account.id))
    )
    return [(platform, user_id) for platform, user_id in (await session.exec(stmt)).all()]


async def member_name(session: AsyncSession, member_id: int) -> str:
    """The member's display name ("" if there is no such member)."""
    found = await session.get(Member, member_id)
    return found.display_name if found is not None else ""
