"""Delivery to any chat on any platform, whichever process runs that platform.

A message for a platform this process runs is sent at once. Anything else waits in
the database (`outbox`) for a process that runs its platform; every process drains
the waiting messages of its own platforms (the job "outbox.send"), woken when the
router queues something and every few seconds for what other processes queued.
Mirrored polls are queued by the router in the unit of work that created them, so a
crash loses none. A message is claimed with a lease while it is sent (one process
sends it), retried with backoff when sending fails, and marked done only once the
platform has it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from handlers.core import codec
from handlers.core.context import SEND_JOB, Services
from handlers.core.features import DeliveredHook, Job
from handlers.core.model import ChatKind, ChatRef, Out, SentRef
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)
# Adapters report where an Out went: (platform, chat id, the Out, its reference).
Sent = Callable[[str, str, Out, SentRef], Awaitable[None]]
SEND_EVERY = timedelta(seconds=2)  # how soon another process's messages go out
LEASE = timedelta(minutes=5)  # longer than sending one message takes, retries included
BATCH = 20
ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2 and 4 minutes


class ChatSender(Protocol):
    async def send_to_chat(self, chat: ChatRef, outs: Sequence[Out]) -> list[SentRef] | None:
        """Send; where each message went, where the platform says."""
        ...


class Outbox:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        self._senders: dict[str, ChatSender] = {}
        self._delivered: dict[str, DeliveredHook] = {}

    def register(self, platform: str, sender: ChatSender) -> None:
        self._senders[platform] = sender

    def on_delivered(self, prefix: str, hook: DeliveredHook) -> None:
        """Tell `hook` where messages queued under keys `<prefix>:...` went."""
        self._delivered[prefix] = hook

    def job(self) -> Job:
        """Sending what waits, as a job of the process's scheduler."""

        async def send(services: Services) -> int:
            return await self.drain()

        return Job(SEND_JOB, send, every=SEND_EVERY)

    async def deliver(
        self,
        chat: ChatRef,
        outs: Sequence[Out],
        key: str | None = None,
        replace: bool = False,
        expires_at: datetime | None = None,
    ) -> None:
        """Send now if this process runs the chat's platform, else queue for one that
        does. `key` makes queueing idempotent; `replace` lets a newer message take the
        place of a waiting one with the same key."""
        sender = self._senders.get(chat.platform)
        if sender is not None:
            await sender.send_to_chat(chat, outs)
            return
        async with self._db.session() as session:
            await outbox.put(
                session,
                key or f"{chat.platform}:{chat.id}:{uuid.uuid4().hex}",
                chat.platform,
                chat.id,
                chat.kind,
                codec.dumps(outs),
                self._clock(),
                expires_at,
                replace,
            )
        log.info("queued for %s chat %s (platform not run here)", chat.platform, chat.id)

    async def drain(self) -> int:
        """Send what waits for this process's platforms; returns how many were sent."""
        sent = 0
        while self._senders:
            async with self._db.read() as session:
                if not await outbox.any_takeable(
                    session, list(self._senders), self._clock(), LEASE
                ):
                    break
            async with self._db.session() as session:
                batch = await outbox.claim(
                    session, list(self._senders), self._clock(), LEASE, BATCH
                )
            for waiting in batch:
                sent += await self._send(waiting)
            if len(batch) < BATCH:
                break
        return sent

    async def _send(self, waiting: outbox.Waiting) -> bool:
        now = self._clock()
        chat = ChatRef(waiting.platform, waiting.chat_id, ChatKind(waiting.chat_kind))
        outcome: str | None = "expired"
        retry_at = None
        refs: Sequence[SentRef] = ()
        if waiting.expires_at is None or waiting.expires_at > now:
            try:
                refs = (
                    await self._senders[waiting.platform].send_to_chat(
                        chat, codec.loads(waiting.payload)
                    )
                    or ()
                )
                outcome = "sent"
            except Exception:
                log.exception(
                    "sending to %s chat %s failed (try %d of %d)",
                    chat.platform,
                    chat.id,
                    waiting.attempt,
                    ATTEMPTS,
                )
                if waiting.attempt < ATTEMPTS:
                    outcome = None
                    retry_at = self._clock() + FIRST_RETRY * 2 ** (waiting.attempt - 1)
                else:
                    outcome = "failed"
        hook = self._delivered.get(waiting.key.partition(":")[0])
        async with self._db.session() as session:
            await outbox.finish(session, waiting.id, self._clock(), outcome, retry_at)
            if hook is not None and outcome == "sent":
                await hook(session, waiting.key, refs, self._clock())
        return outcome == "sent"
