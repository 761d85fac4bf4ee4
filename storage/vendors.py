"""Vendors and where they may post: a community's moderators grant a member the vendor
role there (`vendor_grant`, by scope as in storage/numbering.py; `EVERYWHERE` for the
vendors an operator configures), optionally trusted (their promotions need no
approval). A vendor owns the catalog's products that name it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identity import ChatRecord
from storage.models import Account, Chat, Member, Vendor, VendorGrant
from storage.sql import insert_for, table_of

EVERYWHERE = "*"  # the scope of a grant in every community (`vendor_ids`)
PRIVATE_KINDS = ("dm", "person")


@dataclass(frozen=True)
class VendorRecord:
    """A vendor: its name, and the member who is it (none for a catalog name yet)."""

    id: int
    name: str
    member_id: int | None


@dataclass(frozen=True)
class Granted:
    """A vendor of a community, as listed there."""

    name: str
    member_name: str | None
    trusted: bool


class NameTaken(Exception):
    """Another member's vendor has that name."""


async def vendor_of(session: AsyncSession, member_id: int) -> VendorRecord | None:
    """The member's vendor, if they are one."""
    found = (await session.exec(select(Vendor).where(Vendor.member_id == member_id))).first()
    return None if found is None or found.id is None else _record(found)


async def vendor_by_name(session: AsyncSession, name: str) -> VendorRecord | None:
    """The vendor of that name, if any."""
    found = (await session.exec(select(Vendor).where(Vendor.name == name))).first()
    return None if found is None else _record(found)


async def vendor_by_id(session: AsyncSession, vendor_id: int) -> VendorRecord | None:
    """The vendor with this id, if any."""
    found = await session.get(Vendor, vendor_id)
    return None if found is None else _record(found)


async def become(session: AsyncSession, member_id: int, name: str) -> VendorRecord:
    """The member's vendor, made if need be: a catalog vendor of that name nobody holds
    yet becomes theirs (they own its products)."""
    mine = await vendor_of(session, member_id)
    if mine is not None:
        return mine
    named = (await session.exec(select(Vendor).where(Vendor.name == name))).first()
    if named is not None:
        if named.member_id is not None:
            raise NameTaken(name)
        named.member_id = member_id
        session.add(named)
        await session.flush()
        return _record(named)
    made = Vendor(name=name, member_id=member_id)
    session.add(made)
    await session.flush()
    return _record(made)


async def grant(
    session: AsyncSession,
    scope: str,
    vendor_id: int,
    trusted: bool,
    by: int | None,
    now: datetime,
) -> None:
    """Let the vendor post in the community (again: its trust as given now)."""
    table = table_of(VendorGrant)
    values = {"trusted": trusted, "granted_by": by, "at": now}
    stmt = insert_for(session, table).values(scope=scope, vendor_id=vendor_id, **values)
    await session.exec(
        stmt.on_conflict_do_update(index_elements=["scope", "vendor_id"], set_=values)
    )


async def revoke(session: AsyncSession, scope: str, vendor_id: int) -> bool:
    """The vendor may no longer post in the community; False if they could not."""
    result = await session.exec(
        delete(VendorGrant).where(
            col(VendorGrant.scope) == scope, col(VendorGrant.vendor_id) == vendor_id
        )
    )
    return bool(result.rowcount)


async def grants(session: AsyncSession, vendor_id: int) -> dict[str, bool]:
    """Where the vendor may post: scope -> trusted."""
    stmt = select(VendorGrant.scope, VendorGrant.trusted).where(VendorGrant.vendor_id == vendor_id)
    return dict((await session.exec(stmt)).all())


async def granted_here(session: AsyncSession, scope: str) -> list[Granted]:
    """The community's vendors, by name."""
    stmt = (
        select(Vendor.name, Member.display_name, VendorGrant.trusted)
        .join(Vendor, col(Vendor.id) == col(VendorGrant.vendor_id))
        .outerjoin(Member, col(Member.id) == col(Vendor.member_id))
        .where(col(VendorGrant.scope).in_([scope, EVERYWHERE]))
        .order_by(col(Vendor.name))
    )
    return [Granted(*row) for row in (await session.exec(stmt)).all()]


async def member_by_handle(session: AsyncSession, platform: str, handle: str) -> int | None:
    """The member someone names on a platform: `@username`, or a user id (a Discord
    mention's), among the accounts the bot has seen."""
    handle = handle.strip().removeprefix("<@").removesuffix(">").removeprefix("!")
    by_id = select(Account.member_id).where(
        Account.platform == platform, Account.platform_user_id == handle.removeprefix("@")
    )
    found = (await session.exec(by_id)).first()
    if found is not None:
        return found
    by_name = select(Account.member_id).where(
        Account.platform == platform,
        func.lower(col(Account.username)) == handle.removeprefix("@").lower(),
    )
    return (await session.exec(by_name)).first()


async def chats_for(session: AsyncSession, vendor_id: int) -> list[ChatRecord]:
    """The group chats the vendor may post in: those of the communities that granted
    it (a chat linked to none is a community of its own), or all with `EVERYWHERE`."""
    granted = await grants(session, vendor_id)
    stmt = select(Chat).where(col(Chat.kind).not_in(PRIVATE_KINDS)).order_by(col(Chat.id))
    if EVERYWHERE not in granted:
        communities = [int(s.split(":")[1]) for s in granted if s.startswith("community:")]
        alone = [int(s.split(":")[1]) for s in granted if s.startswith("chat:")]
        stmt = stmt.where(
            or_(
                col(Chat.community_id).in_(communities),
                and_(col(Chat.id).in_(alone), col(Chat.community_id).is_(None)),
            )
        )
    return [ChatRecord.of(chat) for chat in (await session.exec(stmt)).all()]


def _record(row: Vendor) -> VendorRecord:
    assert row.id is not None
    return VendorRecord(row.id, row.name, row.member_id)
