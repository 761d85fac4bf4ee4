"""Edits button polls with live counts: at most once per interval per message, never
once per vote (a busy poll would otherwise hit the platforms' rate limits)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.background import BackgroundLoop
from handlers.model import ChatRef, Edit, Out

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 3.0
Edits = Callable[[int], Awaitable[list[tuple[ChatRef, Edit]]]]


class Deliver(Protocol):
    async def __call__(
        self, chat: ChatRef, outs: Sequence[Out], key: str | None = None, replace: bool = False
    ) -> None: ...


class LiveCounter(BackgroundLoop):
    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__()
        self._interval = interval
        self._dirty: set[int] = set()
        self._edits: Edits | None = None
        self._deliver: Deliver | None = None

    def bind(self, edits: Edits, deliver: Deliver) -> None:
        self._edits, self._deliver = edits, deliver

    def touch(self, poll_id: int) -> None:
        self._dirty.add(poll_id)

    async def stop(self) -> None:
        await super().stop()
        await self.flush()  # the last counts are not lost on shutdown

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.flush()

    async def flush(self) -> None:
        if self._edits is None or self._deliver is None:
            return
        dirty, self._dirty = self._dirty, set()
        for poll_id in sorted(dirty):
            try:
                for chat, change in await self._edits(poll_id):
                    # Queued for another process, only the latest count waits.
                    key = f"live:{poll_id}:{chat.platform}:{chat.id}"
                    await self._deliver(chat, [change], key=key, replace=True)
            except Exception:
                log.exception("live counts of poll %s not updated", poll_id)
