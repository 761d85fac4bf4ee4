"""Days members are active in group chats (what elects a community's mayor): noted by
the router for every message, press or vote in a group, once per member, chat and day
per process (later events that day cost nothing), staff marked as such."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from handlers.core.features import Role
from handlers.core.model import ChatKind, EventKind
from storage import activity

if TYPE_CHECKING:
    from handlers.core.context import Context

STAFF = (Role.MODERATOR, Role.VENDOR)


class Noted:
    """What this process has noted today (one process's cache, `Services.cache`)."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.keys: set[tuple[int, int, bool]] = set()

    def first(self, day: date, key: tuple[int, int, bool]) -> bool:
        """True the first time `key` is seen on `day` (the set restarts each day)."""
        if day != self.day:
            self.day, self.keys = day, set()
        if key in self.keys:
            return False
        self.keys.add(key)
        return True


async def note(ctx: Context) -> None:
    """The member was active in this group chat today."""
    event = ctx.event
    if event.chat.kind is ChatKind.DM or event.kind in (EventKind.JOIN, EventKind.LEAVE):
        return
    staff = any(role in ctx.roles for role in STAFF)
    day = ctx.now().date()
    if ctx.services.cache(Noted).first(day, (ctx.chat_id, ctx.member.member_id, staff)):
        await activity.note(ctx.session, ctx.chat_id, ctx.member.member_id, day, staff)
