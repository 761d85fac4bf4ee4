"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram forgets an update as soon as getUpdates is called with a higher offset. PTB's
Updater fetches ahead into a queue and so confirms updates nobody has handled yet: a
killed process lost them, and a stop had to drain the whole backlog. Here the offset
only moves past updates that are done, at most WINDOW updates are fetched ahead of the
oldest unfinished one, and at most `concurrency` are handled at once. A process killed
at any moment loses nothing: Telegram delivers again what was not confirmed, and the
router's de-duplication (with the replies it keeps) answers each update once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open when nothing is new
WINDOW = 100  # updates fetched ahead of the oldest unfinished one (getUpdates' limit)
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0)
Handle = Callable[[Update], Awaitable[None]]


class Poller:
    def __init__(
        self,
        bot: Bot,
        handle: Handle,
        allowed_updates: Sequence[str],
        concurrency: int,
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        self._bot = bot
        self._handle = handle
        self._allowed = list(allowed_updates)
        self._slots = asyncio.Semaphore(concurrency)
        self._poll_timeout = poll_timeout
        self._running: dict[int, asyncio.Task[None]] = {}  # update id -> its handling
        self._done: set[int] = set()  # handled, but above an unfinished one
        self._next = 0  # the offset that confirms everything handled so far
        self._loop: asyncio.Task[None] | None = None
        self._failures = 0  # getUpdates failures in a row

    def start(self) -> None:
        self._loop = asyncio.create_task(self._poll())

    async def stop(self, grace: float) -> None:
        """Stop fetching; give the updates in hand `grace` seconds to finish, cancel the
        rest (Telegram delivers them again), and confirm what is done."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._running:
            await asyncio.wait(self._running.values(), timeout=grace)
        confirmed = self._offset()  # before cancelling: unfinished ones stay unconfirmed
        unfinished = list(self._running.values())
        for task in unfinished:
            task.cancel()
        if unfinished:
            log.info("telegram: %d update(s) left for the next start", len(unfinished))
            await asyncio.wait(unfinished)
        if confirmed:
            with contextlib.suppress(TelegramError):
                # Confirms what was handled; returns (and leaves) at most one newer update.
                await self._bot.get_updates(offset=confirmed, limit=1, timeout=0)

    def _offset(self) -> int:
        """Everything below it is handled: the oldest unfinished update, or the next."""
        return min(self._running, default=self._next)

    @property
    def connected(self) -> bool:
        """Whether the last getUpdates went through (for /readyz)."""
        return self._failures == 0 and self._loop is not None and not self._loop.done()

    async def _poll(self) -> None:
        while True:
            offset = self._offset()
            self._done = {u for u in self._done if u >= offset}
            ahead = len(self._running) + len(self._done)
            if ahead >= WINDOW:  # the oldest update holds the window: wait for it
                await self._running[offset]
                continue
            try:
                updates = await self._bot.get_updates(
                    offset=offset or None,
                    limit=WINDOW - ahead,
                    timeout=self._poll_timeout,
                    allowed_updates=self._allowed,
                )
                self._failures = 0
            except InvalidToken:
                raise
            except (Conflict, NetworkError) as error:  # Conflict: another poller or webhook
                wait = RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)]
                self._failures += 1
                log.warning("telegram: getUpdates failed (%s); retrying in %.0fs", error, wait)
                await asyncio.sleep(wait)
                continue
            for update in updates:
                number = update.update_id
                if number in self._running or number in self._done or number < offset:
                    continue  # still being handled, or handled: fetched again
                await self._slots.acquire()
                self._next = max(self._next, number + 1)
                self._running[number] = asyncio.create_task(self._run(number, update))

    async def _run(self, number: int, update: Update) -> None:
        handled = False  # a cancelled update is not handled: it must stay unconfirmed
        try:
            await self._handle(update)
            handled = True
        except Exception:
            log.exception("telegram update %s failed", number)
            handled = True  # not worth delivering again: it would fail again
        finally:
            self._slots.release()
            del self._running[number]
            if handled:
                self._done.add(number)
