"""The one scheduler of the process: runs the features' jobs (handlers/features.py).

APScheduler 3 (`AsyncIOScheduler`) only decides when; the database holds what is due.
Every job runs once at start (what fell due, or piled up, while the process was down);
a periodic job then runs every `every`; a job with due times runs at each of them (read
from the database at start), whenever something wakes it, and on a sweep every minute
that catches times other processes stored. A job never runs twice at once in one
process: a wake-up during a run makes it run once more afterwards. Jobs claim what they
act on in the database, so processes do not repeat each other's work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from handlers.core.context import Services
from handlers.core.features import Job

log = logging.getLogger(__name__)
SWEEP = timedelta(minutes=1)


class JobRunner:
    def __init__(self, jobs: Sequence[Job], sweep: timedelta = SWEEP) -> None:
        self._jobs = {job.name: job for job in jobs}
        if len(self._jobs) != len(jobs):
            raise ValueError("two jobs share a name")
        self.sweep = sweep
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._services: Services | None = None
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        # How late the last scheduled run started, in seconds (the metrics read it): a
        # busy event loop shows here before anywhere else.
        self.lag = 0.0
        self._stopping = False
        self._scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)

    async def start(self, services: Services) -> None:
        self._services = services
        self._scheduler.start()
        for job in self._jobs.values():
            if job.every is not None:
                self._every(job.name, job.every)
            if job.due is not None:
                for when in await job.due(services):
                    self.wake(job.name, when)
                self._every(job.name, self.sweep)
            self.wake(job.name)

    async def stop(self, grace: float) -> None:
        """Stop scheduling; let the jobs that run finish within `grace` seconds (a
        closing pass half-posted would wait for the next start), cancel the rest. A
        second call does nothing (APScheduler's asyncio shutdown only takes effect on the
        loop's next turn, so its own `running` cannot tell)."""
        if not self._scheduler.running or self._stopping:
            return
        self._stopping = True
        self._scheduler.pause()
        await asyncio.sleep(0)  # a job just handed over starts, and is waited for
        running = list(self._running.values())
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                log.warning("stopping: job %s cut short", task.get_name())
                task.cancel()
            if late:
                await asyncio.wait(late)
        self._scheduler.shutdown(wait=False)

    def wake(self, name: str, at: datetime | None = None) -> None:
        if name not in self._jobs:
            log.error("no job named %s", name)
            return
        if self._scheduler.running:  # before start, due times come from the database
            self._scheduler.add_job(
                self._kick, "date", run_date=at, args=[name], misfire_grace_time=None
            )

    def _submitted(self, event: JobSubmissionEvent) -> None:
        if event.scheduled_run_times:
            late = datetime.now(UTC) - max(event.scheduled_run_times)
            self.lag = max(0.0, late.total_seconds())

    def _every(self, name: str, period: timedelta) -> None:
        self._scheduler.add_job(
            self._kick,
            "interval",
            seconds=period.total_seconds(),
            args=[name],
            coalesce=True,
            max_instances=1,
        )

    async def _kick(self, name: str) -> None:
        if name in self._running:
            self._again.add(name)  # runs once more when the current run is done
            return
        task = asyncio.create_task(self._run(name), name=name)
        self._running[name] = task

    async def _run(self, name: str) -> None:
        assert self._services is not None
        try:
            while True:
                self._again.discard(name)
                try:
                    await self._jobs[name].work(self._services)
                except Exception:
                    log.exception("job %s failed", name)
                if name not in self._again or not self._scheduler.running:
                    return
        finally:
            del self._running[name]
