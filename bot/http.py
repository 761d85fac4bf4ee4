"""The process's one HTTP server (aiohttp, off unless `http_port` is set).

/healthz: the process is alive. /readyz: the database answers and every configured
platform is connected (503 with what is not, otherwise). /metrics: Prometheus text.
Adapters and features mount their own routes before it starts (the Telegram webhook;
later share-link redirects and order webhooks), so one port serves everything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Check = Callable[[], Awaitable[bool]]
CHECK_SECONDS = 2.0  # a readiness probe must answer before the prober gives up
MAX_BODY = 1 << 20  # what reaches us is small (updates, webhooks)


class HttpUnavailable(Exception):
    """The server cannot listen where the settings say; the message says what to do."""


class HttpServer:
    def __init__(
        self,
        listen: str,
        port: int,
        metrics: Metrics,
        before_scrape: Callable[[], Awaitable[None]] | None = None,
        grace: float = 3.0,
    ) -> None:
        self._listen, self._port = listen, port
        self._metrics = metrics
        self._before_scrape = before_scrape
        self._checks: dict[str, Check] = {}
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/metrics", self._scrape)
        # A stop waits this long for the requests being answered.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=grace)
        self.port = port  # the bound one once started (0 asks for a free port)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Mount a route; only before `start` (aiohttp freezes its router then)."""
        self.app.router.add_route(method, path, handler)

    def add_check(self, name: str, check: Check) -> None:
        """Something /readyz requires: the database, a platform's connection."""
        self._checks[name] = check

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._listen, self._port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            raise HttpUnavailable(
                f"cannot listen on {self._listen}:{self._port} (http_port, http_listen): "
                f"{error.strerror or error}; choose another port, or stop what uses it"
            ) from None
        self.port = int(self._runner.addresses[0][1])
        log.info("http: listening on %s:%d", self._listen, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()  # nothing to do when it never started

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        results = await self._run_checks()
        lines = [f"{name}: {'ok' if ok else 'not ready'}" for name, ok in results.items()]
        ready = all(results.values())
        return web.Response(status=200 if ready else 503, text="\n".join(lines) + "\n")

    async def _run_checks(self) -> Mapping[str, bool]:
        async def one(check: Check) -> bool:
            try:
                return await asyncio.wait_for(check(), CHECK_SECONDS)
            except Exception:
                return False

        names = list(self._checks)
        found = await asyncio.gather(*(one(self._checks[name]) for name in names))
        return dict(zip(names, found, strict=True))

    async def _scrape(self, _request: web.Request) -> web.Response:
        if self._before_scrape is not None:
            try:
                await asyncio.wait_for(self._before_scrape(), CHECK_SECONDS)
            except Exception:
                log.warning("metrics: reading the database failed; serving the last values")
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE})
