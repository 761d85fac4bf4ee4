"""Background upkeep, kept off the request path so that no reply waits for it: SQLite
checkpoints every second, old update ids and link codes forgotten every ten minutes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.background import BackgroundLoop
from storage.db import Database

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0
FORGET_EVERY = 600  # checkpoints, i.e. ten minutes


class Upkeep(BackgroundLoop):
    def __init__(
        self,
        db: Database,
        forget: Callable[[], Awaitable[object]],
        interval: float = CHECKPOINT_SECONDS,
    ) -> None:
        super().__init__()
        self._db = db
        self._forget = forget
        self._interval = interval

    async def _run(self) -> None:
        ticks = 0
        while True:
            if ticks % FORGET_EVERY == 0:  # also at start: a bot may have been down long
                await self._quietly(self._forget)
            await asyncio.sleep(self._interval)
            await self._quietly(self._db.checkpoint)
            ticks += 1

    @staticmethod
    async def _quietly(job: Callable[[], Awaitable[object]]) -> None:
        try:
            await job()
        except Exception:
            log.exception("upkeep job %s failed", getattr(job, "__name__", job))
