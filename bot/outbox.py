"""Delivery to any chat on any platform: mirrored polls, results posted at closing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from handlers.model import ChatRef, Out, SentRef

log = logging.getLogger(__name__)
# Adapters report where an Out went: (platform, chat id, the Out, its reference).
Sent = Callable[[str, str, Out, SentRef], Awaitable[None]]


class ChatSender(Protocol):
    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> None: ...


class Outbox:
    def __init__(self) -> None:
        self._senders: dict[str, ChatSender] = {}

    def register(self, platform: str, sender: ChatSender) -> None:
        self._senders[platform] = sender

    async def deliver(self, chat: ChatRef, outs: Sequence[Out]) -> None:
        sender = self._senders.get(chat.platform)
        if sender is None:
            log.warning(
                "no %s adapter running: %d message(s) for chat %s not sent",
                chat.platform,
                len(outs),
                chat.id,
            )
            return
        await sender.send_to_chat(chat, outs)
