"""Telegram's webhook: a route on the process's HTTP server (bot/http.py), answered
only once the update is handled.

Telegram sends the update again when a webhook call fails or gets no answer, so
answering after handling (rather than on receipt, as PTB's webhook server does) means
a process that dies mid-update loses nothing. Several processes behind a load
balancer may serve it: the router's de-duplication answers each update once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)
PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookReceiver:
    def __init__(self, secret: str, handle: Callable[[Update], Awaitable[None]]) -> None:
        self._secret = secret.encode()
        self._handle = handle
        self._bot: Bot | None = None  # taking updates only while open
        self._in_flight: set[asyncio.Task[None]] = set()

    def open(self, bot: Bot) -> None:
        self._bot = bot

    @property
    def is_open(self) -> bool:
        return self._bot is not None

    async def close(self, grace: float) -> None:
        """Take no more updates (Telegram delivers them again later) and give the ones
        being handled `grace` seconds; the rest are cancelled, unanswered, so Telegram
        delivers those again too."""
        self._bot = None
        if self._in_flight:
            _, late = await asyncio.wait(self._in_flight, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    async def receive(self, request: web.Request) -> web.Response:
        offered = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(offered, self._secret):
            return web.Response(status=403)
        bot = self._bot
        if bot is None:  # starting or stopping: Telegram tries again shortly
            return web.Response(status=503)
        try:
            body = await request.read()
            update = Update.de_json(json.loads(body), bot)
        except (ValueError, TypeError, KeyError):
            log.warning("telegram webhook: a request that is no update")
            return web.Response(status=400)
        if self._bot is None:  # closed while the body arrived
            return web.Response(status=503)
        task = asyncio.ensure_future(self._handle(update))
        self._in_flight.add(task)
        try:
            await asyncio.shield(task)
        finally:
            if task.done():
                self._in_flight.discard(task)
            else:
                task.add_done_callback(self._in_flight.discard)
        return web.Response()
