"""An aiohttp server on a free loopback port, the base of the fake platform servers."""

from __future__ import annotations

from abc import ABC, abstractmethod

from aiohttp import web


class LoopbackServer(ABC):
    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    @abstractmethod
    def routes(self, app: web.Application) -> None:
        """Add the server's routes to `app`."""

    async def start(self, port: int = 0) -> None:
        """Listen on `port` (a free one by default: a test may first point a process at
        a port and only later start the server there, to play an outage)."""
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
