"""Telegram's webhook, answered only once the update is handled.

Telegram sends the update again when a webhook call fails or gets no answer, so
answering after handling (rather than on receipt, as PTB's webhook server does) means
a process that dies mid-update loses nothing. Several processes behind a load
balancer may serve it: the router's de-duplication answers each update once.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)
PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # updates are small; anything bigger is not Telegram


class WebhookServer:
    def __init__(
        self,
        bot: Bot,
        secret: str,
        handle: Callable[[Update], Awaitable[None]],
        listen: str,
        port: int,
        grace: float,
    ) -> None:
        self._bot = bot
        self._secret = secret.encode()
        self._handle = handle
        self._listen, self._port = listen, port
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(PATH, self._receive)
        # A stop waits this long for the updates being handled, then drops them (Telegram
        # delivers again whatever got no answer).
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=grace)

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        offered = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(offered, self._secret):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self._bot)
        except (ValueError, TypeError, KeyError):
            log.warning("telegram webhook: a request that is no update")
            return web.Response(status=400)
        await self._handle(update)
        return web.Response()
