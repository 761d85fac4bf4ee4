"""Wakes the process when polls fall due. The database holds the deadlines; APScheduler
only decides when to look, and on start every open deadline is scheduled again (those
that passed while the bot was down run at once). A sweep every minute also catches what
other processes scheduled: a poll whose creating process died closes at most a minute
late, and a result post whose lease ran out is taken over."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0


class PollAlarms:
    def __init__(self, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.sweep_seconds = sweep_seconds
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._work: Callable[[], Awaitable[object]] | None = None
        self._running: set[asyncio.Task[object]] = set()

    def bind(self, work: Callable[[], Awaitable[object]]) -> None:
        self._work = work

    def start(self, deadlines: Iterable[datetime]) -> None:
        self._scheduler.start()
        for when in deadlines:
            self.wake_at(when)
        self.wake_now()
        self._scheduler.add_job(
            self._tick, "interval", seconds=self.sweep_seconds, coalesce=True, max_instances=1
        )

    async def stop(self) -> None:
        """Stop waking, and let a close that is under way finish (results half-posted
        would otherwise wait for the next start)."""
        if not self._scheduler.running:
            return
        # APScheduler cancels running coroutine jobs at shutdown: pause, let a job that
        # was just submitted start, wait for what runs, and only then shut down.
        self._scheduler.pause()
        await asyncio.sleep(0)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self._scheduler.shutdown(wait=False)

    def wake_at(self, when: datetime) -> None:
        if self._scheduler.running:  # before start, deadlines come from the database
            self._scheduler.add_job(self._tick, "date", run_date=when, misfire_grace_time=None)

    def wake_now(self) -> None:
        if self._scheduler.running:
            self._scheduler.add_job(self._tick, misfire_grace_time=None)

    async def _tick(self) -> None:
        task = asyncio.current_task()
        if self._work is None or task is None:
            return
        self._running.add(task)
        try:
            await self._work()
        except Exception:
            log.exception("closing due polls failed")
        finally:
            self._running.discard(task)
