"""Who administers a Telegram chat, cached briefly (a getChatAdministrators per chat
every few minutes, not per message)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

log = logging.getLogger(__name__)
TTL_SECONDS = 300.0
FAILURE_TTL_SECONDS = 30.0


class AdminCache:
    def __init__(self, bot: Bot, clock: Callable[[], float] = time.monotonic) -> None:
        self._bot = bot
        self._clock = clock
        self._entries: dict[int, tuple[float, frozenset[int]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        return user_id in await self._admins(chat_id)

    async def _admins(self, chat_id: int) -> frozenset[int]:
        entry = self._entries.get(chat_id)
        if entry is not None and entry[0] > self._clock():
            return entry[1]
        async with self._locks.setdefault(chat_id, asyncio.Lock()):
            entry = self._entries.get(chat_id)
            if entry is not None and entry[0] > self._clock():
                return entry[1]
            try:
                members = await self._bot.get_chat_administrators(chat_id)
                admins = frozenset(m.user.id for m in members)
                expires = self._clock() + TTL_SECONDS
            except TelegramError as error:
                log.warning("getChatAdministrators for chat %s failed: %s", chat_id, error)
                admins, expires = frozenset(), self._clock() + FAILURE_TTL_SECONDS
            self._entries[chat_id] = (expires, admins)
            return admins
