"""Runs platform adapters side by side in one event loop until SIGINT/SIGTERM.

Each platform comes up on its own: one that cannot be reached is tried again with a
capped, jittered exponential backoff (a line in the log per try) while the others
already serve. Only a refusal that retrying cannot cure (a bad token) ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0


class PlatformRefused(Exception):
    """A platform refused the bot for good (say, a bad token); the message says which
    setting to check. Retrying cannot help, so the process stops with it."""


class PlatformAdapter(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def retry_delay(tries: int, first: float = FIRST_RETRY_SECONDS) -> float:
    """The wait before try `tries + 1`: doubling from `first`, capped, with jitter so
    that processes restarted together do not knock in step."""
    return min(MAX_RETRY_SECONDS, first * 2.0 ** (tries - 1)) * random.uniform(0.5, 1.0)


async def _bring_up(adapter: PlatformAdapter, stop: asyncio.Event, first_retry: float) -> bool:
    """Start the adapter, trying again until it is up (True) or the process stops."""
    tries = 0
    while True:
        tries += 1
        try:
            await adapter.start()
            return True
        except PlatformRefused:
            with contextlib.suppress(Exception):
                await adapter.stop()  # what the refused try opened
            raise
        except asyncio.CancelledError:  # stopped while starting: close what is open
            with contextlib.suppress(Exception):
                await adapter.stop()
            raise
        except Exception as error:
            wait = retry_delay(tries, first_retry)
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            log.warning(
                "%s: cannot start (%s); try %d failed, next in %.1f s",
                adapter.name,
                reason,
                tries,
                wait,
            )
            with contextlib.suppress(Exception):
                await adapter.stop()  # whatever the failed try left half open
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        if stop.is_set():
            return False


async def serve(
    adapters: Sequence[PlatformAdapter],
    until: Awaitable[None] | None = None,
    started: Callable[[], None] | None = None,
    stopping: Callable[[], Awaitable[None]] | None = None,
    first_retry: float = FIRST_RETRY_SECONDS,
) -> None:
    """Start every adapter (each retried until it is up), call `started` once all are,
    wait for a stop signal (or `until`), await `stopping` while the adapters can still
    send, then stop the running ones in reverse order; each stop finishes the updates
    already in flight."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    running: list[PlatformAdapter] = []

    async def up(adapter: PlatformAdapter) -> None:
        if await _bring_up(adapter, stop, first_retry):
            running.append(adapter)

    # A task per adapter, so each can be cancelled: cancelling a gather that has
    # already failed (one platform refused) would leave the others running.
    tasks = [asyncio.create_task(up(adapter)) for adapter in adapters]
    ups = asyncio.gather(*tasks)
    waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
    if until is not None:
        waiters.append(asyncio.ensure_future(until))
    try:
        await _run(ups, waiters, started)
        log.info("stopping: %s", ", ".join(a.name for a in running) or "nothing started")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if ups.done() and not ups.cancelled():
            ups.exception()  # retrieved: its failure is raised by _run already
        for waiter in waiters:
            waiter.cancel()
        await _shut_down(running, stopping)
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _run(
    ups: asyncio.Future[Any],
    waiters: list[asyncio.Future[object]],
    started: Callable[[], None] | None,
) -> None:
    """Until a stop signal or `until` ends; a platform's refusal is raised."""
    pending: set[asyncio.Future[Any]] = {*waiters, ups}
    while True:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if ups in done:
            ups.result()  # raises PlatformRefused
            if started is not None:
                started()
            done.discard(ups)
        if done:
            for task in done:
                task.result()
            return


async def _shut_down(
    running: list[PlatformAdapter], stopping: Callable[[], Awaitable[None]] | None
) -> None:
    if stopping is not None:
        try:
            await stopping()
        except Exception:
            log.exception("stopping the background work failed")
    for adapter in reversed(running):
        try:
            await adapter.stop()
        except Exception:
            log.exception("stopping %s failed", adapter.name)
