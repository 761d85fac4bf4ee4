"""Runs platform adapters side by side in one event loop until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class PlatformAdapter(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def serve(
    adapters: Sequence[PlatformAdapter],
    until: Awaitable[None] | None = None,
    started: Callable[[], None] | None = None,
    stopping: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start every adapter, call `started`, wait for a stop signal (or `until`), await
    `stopping` while the adapters can still send, then stop them in reverse order; each
    stop finishes the updates already in flight."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    running: list[PlatformAdapter] = []
    try:
        for adapter in adapters:
            await adapter.start()
            running.append(adapter)
        if started is not None:
            started()
        waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
        if until is not None:
            waiters.append(asyncio.ensure_future(until))
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in done:
            task.result()
        log.info("stopping: %s", ", ".join(a.name for a in running) or "nothing started")
    finally:
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
        for sig in signals:
            loop.remove_signal_handler(sig)
