"""The process's HTTP server over real HTTP: health, readiness (also while the database
is down, and back), Prometheus metrics, and the Telegram webhook mounted on it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import App, build_app, prepare
from bot.http import HttpServer
from bot.serving import http_server
from tests import pg
from tests.processes import scratch_pg
from tests.support import Clock, plain, text

__all__ = ["scratch_pg"]  # fixture


class Proxy:
    """A TCP relay in front of PostgreSQL that a test can cut and restore: the
    database going away and coming back, as a network fault or a restart would."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._links):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._links |= {writer, upstream}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, upstream), pipe(upstream_reader, writer))
        self._links -= {writer, upstream}


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


@pytest.fixture
async def served(app: App) -> AsyncIterator[HttpServer]:
    settings = app.settings.model_copy(update={"http_port": 0, "http_listen": "127.0.0.1"})
    app.settings = settings
    server = http_server(app)
    await server.start()
    yield server
    await server.stop()


async def test_health_readiness_and_metrics(app: App, served: HttpServer) -> None:
    assert await get(served.port, "/healthz") == (200, "ok\n")
    assert await get(served.port, "/readyz") == (200, "database: ok\n")
    await app.router.dispatch(text("linen shirt"))
    await app.router.dispatch(text("trail backpack"))
    status, body = await get(served.port, "/metrics")
    assert status == 200
    assert 'shopbot_events_total{kind="text",platform="console"} 2.0' in body
    assert 'shopbot_handler_seconds_count{platform="console"} 2.0' in body
    assert "shopbot_outbox_backlog 0.0" in body
    assert "shopbot_scheduler_lag_seconds" in body
    assert "shopbot_errors_total{" not in body  # declared, with no failure counted


async def test_not_ready_while_the_database_is_down_and_back_by_itself(
    scratch_pg: str, clock: Clock, app: App
) -> None:
    await asyncio.to_thread(pg.require_server)
    proxy = Proxy(5432)
    await proxy.up()
    url = scratch_pg.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    settings = app.settings.model_copy(
        update={"database_url": url, "http_port": 0, "http_listen": "127.0.0.1"}
    )
    proxied = build_app(settings, clock=clock)
    server = http_server(proxied)
    await server.start()
    try:
        await prepare(proxied, load_demo=True)
        assert (await get(server.port, "/readyz"))[0] == 200
        await proxy.down()
        assert await get(server.port, "/readyz") == (503, "database: not ready\n")
        assert "Sorry, something went wrong" in plain(
            await proxied.router.dispatch(text("linen shirt"))
        )
        await proxy.up()  # the database is back: nothing to restart
        assert (await get(server.port, "/readyz"))[0] == 200
        assert "Linen Shirt" in plain(await proxied.router.dispatch(text("linen shirt")))
        _, body = await get(server.port, "/metrics")
        assert 'shopbot_errors_total{platform="console"} 1.0' in body
    finally:
        await server.stop()
        await proxied.close()
        await proxy.down()
