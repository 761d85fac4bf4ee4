"""Telegram albums as one event.

Telegram sends the photos of an album as separate messages sharing a `media_group_id`,
one update each. They are gathered here until none has come for a short while, then
handed on as one event with every attachment (a PHOTO, or the command its caption
is), so a feature gets "the photos", not one photo at a time. Each of the updates
waits for the album to be handled, so none is confirmed to Telegram before then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from handlers.core.model import Event, EventKind

QUIET_SECONDS = 0.8  # after the last photo of an album, it is taken as complete
Handle = Callable[[Event], Awaitable[None]]


class Albums:
    def __init__(self, handle: Handle, quiet: float = QUIET_SECONDS) -> None:
        self._handle = handle
        self._quiet = quiet
        self._open: dict[tuple[str, str], _Album] = {}

    async def add(self, group_id: str, event: Event) -> None:
        """Add a photo of album `group_id`; returns once the whole album is handled."""
        key = (event.chat.id, group_id)
        album = self._open.get(key)
        if album is None:
            album = self._open[key] = _Album(group_id)
            album.runner = asyncio.create_task(self._complete(key, album))
        album.events.append(event)
        album.more.set()
        await asyncio.shield(album.done)

    async def _complete(self, key: tuple[str, str], album: _Album) -> None:
        while True:
            album.more.clear()
            try:
                await asyncio.wait_for(album.more.wait(), self._quiet)
            except TimeoutError:
                break
        del self._open[key]
        try:
            await self._handle(album.merged())
            album.done.set_result(None)
        except Exception as error:
            album.done.set_exception(error)


class _Album:
    def __init__(self, group_id: str) -> None:
        self.group_id = group_id
        self.events: list[Event] = []
        self.more = asyncio.Event()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.runner: asyncio.Task[None] | None = None

    def merged(self) -> Event:
        """One event for the album: its id is the album's, so a redelivery is known."""
        first = self.events[0]
        caption = next((e.text for e in self.events if e.text), "")
        # A caption that is a command ("/review SKU 4 …") makes the album that command.
        base = next((e for e in self.events if e.kind is EventKind.COMMAND), first)
        return replace(
            base,
            event_id=f"album:{first.chat.id}:{self.group_id}",
            text=caption,
            attachments=tuple(a for e in self.events for a in e.attachments),
            addressed=any(e.addressed for e in self.events),
        )
