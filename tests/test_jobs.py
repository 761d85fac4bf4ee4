"""The one scheduler of the process: jobs run at start, periodically or when woken,
never twice at once in one process, and a stop waits for them only so long."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.jobs import JobRunner
from handlers.core.context import Services
from handlers.core.features import Job


class Probe:
    """A job body that notes its runs and can be made slow."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.runs: list[float] = []
        self.active = 0
        self.most_at_once = 0
        self.seconds = seconds

    async def __call__(self, services: Services) -> None:
        self.active += 1
        self.most_at_once = max(self.most_at_once, self.active)
        self.runs.append(asyncio.get_running_loop().time())
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.active -= 1


async def test_jobs_run_at_start_periodically_and_when_woken(app: App) -> None:
    periodic, due = Probe(), Probe()
    later = datetime.now(UTC) + timedelta(seconds=0.3)

    async def due_times(services: Services) -> list[datetime]:
        return [later]

    runner = JobRunner(
        [Job("t.every", periodic, every=timedelta(seconds=0.1)), Job("t.due", due, due=due_times)]
    )
    await runner.start(app.services)
    try:
        await asyncio.sleep(0.55)
        assert 3 <= len(periodic.runs) <= 8  # at start, then every 0.1 s (a busy box: fewer)
        assert len(due.runs) == 2  # at start, and at the stored time
        runner.wake("t.due")
        runner.wake("t.due", datetime.now(UTC) + timedelta(seconds=0.1))
        await asyncio.sleep(0.25)
        assert len(due.runs) == 4
    finally:
        await runner.stop(1.0)


async def test_a_wake_during_a_run_runs_once_more_never_twice_at_once(app: App) -> None:
    slow = Probe(seconds=0.2)
    runner = JobRunner([Job("t.slow", slow, every=timedelta(hours=1))])
    await runner.start(app.services)  # the first run starts now
    try:
        await asyncio.sleep(0.05)
        for _ in range(5):  # five wake-ups during the run...
            runner.wake("t.slow")
        await asyncio.sleep(0.6)
        assert len(slow.runs) == 2  # ...make one more run, after it
        assert slow.most_at_once == 1
    finally:
        await runner.stop(1.0)


async def test_a_stop_waits_for_a_run_only_so_long(app: App) -> None:
    stuck = Probe(seconds=30)
    runner = JobRunner([Job("t.stuck", stuck, every=timedelta(hours=1))])
    await runner.start(app.services)
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    await runner.stop(0.2)
    assert asyncio.get_running_loop().time() - started < 1
    assert stuck.active == 0  # cancelled


def test_every_wake_up_names_a_declared_job() -> None:
    from bot.app import FEATURES
    from handlers.core.context import SEND_JOB
    from handlers.polls.closing import CLOSE_JOB

    declared = {job.name for feature in FEATURES for job in feature.jobs} | {SEND_JOB}
    assert {CLOSE_JOB, SEND_JOB} <= declared
