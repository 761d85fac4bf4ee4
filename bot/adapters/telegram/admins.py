"""Who administers a Telegram chat, cached briefly (a getChatAdministrators per chat
every few minutes, not per message)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

log = logging.getLogger(__name__)
TTL_SECONDS = 300.0
FAILURE_TTL_SECONDS = 30.0


class AdminCache:
    """The `size` chats asked about most recently; older ones are asked again."""

    def __init__(
        self, bot: Bot, clock: Callable[[], float] = time.monotonic, size: int = 10_000
    ) -> None:
        self._bot = bot
        self._clock = clock
        self._size = size
        self._entries: OrderedDict[int, tuple[float, frozenset[int]]] = OrderedDict()
        # Only while a chat's admins are being fetched: one fetch per chat at a time.
        self._locks: dict[int, asyncio.Lock] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        return user_id in await self._admins(chat_id)

    async def _admins(self, chat_id: int) -> frozenset[int]:
        cached = self._fresh(chat_id)
        if cached is not None:
            return cached
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        try:
            async with lock:
                cached = self._fresh(chat_id)
                if cached is not None:
                    return cached
                return await self._fetch(chat_id)
        finally:
            # Dropped once free: a task still queued on it finds the entry just stored
            # (or, if already evicted, fetches again).
            if not lock.locked() and self._locks.get(chat_id) is lock:
                del self._locks[chat_id]

    def _fresh(self, chat_id: int) -> frozenset[int] | None:
        entry = self._entries.get(chat_id)
        if entry is None or entry[0] <= self._clock():
            return None
        self._entries.move_to_end(chat_id)
        return entry[1]

    async def _fetch(self, chat_id: int) -> frozenset[int]:
        try:
            members = await self._bot.get_chat_administrators(chat_id)
            admins = frozenset(m.user.id for m in members)
            expires = self._clock() + TTL_SECONDS
        except TelegramError as error:
            log.warning("getChatAdministrators for chat %s failed: %s", chat_id, error)
            admins, expires = frozenset(), self._clock() + FAILURE_TTL_SECONDS
        self._entries[chat_id] = (expires, admins)
        self._entries.move_to_end(chat_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return admins
