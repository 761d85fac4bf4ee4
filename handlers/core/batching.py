"""Natural batching (group commit): while one batch runs, new arrivals queue for the
next, so a burst of N concurrent requests costs a few units of work instead of N, and
a lone request never waits for company."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Batcher(Generic[Item, Result]):
    """`submit` resolves once the batch holding the item has run. `run` returns one result
    per item, or an exception for an item that failed on its own."""

    def __init__(
        self,
        run: Callable[[list[Item]], Awaitable[Sequence[Result | Exception]]],
        max_size: int,
    ) -> None:
        self._run = run
        self._max_size = max_size
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._worker is None:
            # A task of its own, so a submitter that is cancelled cannot abandon the batch.
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while self._queue:
                batch = self._queue[: self._max_size]
                del self._queue[: self._max_size]
                try:
                    results = await self._run([item for item, _ in batch])
                except Exception as error:
                    results = [error] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._worker = None
            for _, future in batch + self._queue:  # only when the loop is shutting down
                future.cancel()
