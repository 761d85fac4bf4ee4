"""Members' on/off choices (/settings), one row per member, off until turned on."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import MemberPreference
from storage.sql import insert_for, table_of

KEYS = ("ask_owners", "hide_from_leaderboard")  # the columns a choice may name


async def chosen(session: AsyncSession, member_id: int) -> dict[str, bool]:
    """Every choice of the member."""
    found = await session.get(MemberPreference, member_id)
    return {key: bool(getattr(found, key)) if found is not None else False for key in KEYS}


async def choose(session: AsyncSession, member_id: int, key: str, on: bool) -> None:
    """Turn one choice on or off."""
    if key not in KEYS:
        raise ValueError(f"no such preference: {key}")
    table = table_of(MemberPreference)
    values = {name: False for name in KEYS} | {key: on}
    stmt = insert_for(session, table).values(member_id=member_id, **values)
    await session.exec(stmt.on_conflict_do_update(index_elements=["member_id"], set_={key: on}))
