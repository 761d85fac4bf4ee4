"""Upkeep jobs: SQLite checkpoints every second, and forgetting what no longer protects
anything every ten minutes (handled update ids, spent link codes, messages sent long
ago). Both run in the background, off the request path, so no reply waits for them.

Platforms redeliver an update for hours, not days (Telegram keeps them 24 h), so old
ids protect nothing while the table would grow for as long as the bot runs."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.core.context import Services
from handlers.core.features import Feature
from storage import conversations, outbox, recall
from storage.events import prune

log = logging.getLogger(__name__)
KEEP_EVENT_IDS = timedelta(days=7)
KEEP_LINK_RECORDS = timedelta(days=1)
# Sent messages are kept as long as their keys might be queued again; unsent ones wait
# this long for a process that runs their platform.
KEEP_OUTBOX = timedelta(days=7)


feature = Feature("housekeeping")


@feature.job("checkpoint", every=timedelta(seconds=1))
async def checkpoint(services: Services) -> None:
    """SQLite's write-ahead log copied back in the background, so that no commit on the
    request path waits for it (see Database.checkpoint)."""
    await services.db.checkpoint()


@feature.job("forget", every=timedelta(minutes=10))
async def forget_old(services: Services) -> int:
    now = services.clock()
    async with services.db.session() as session:
        removed = await prune(session, now - KEEP_EVENT_IDS, now - KEEP_LINK_RECORDS)
        sent, given_up = await outbox.prune(session, now - KEEP_OUTBOX)
        removed += await conversations.prune(session, now)
        removed += await recall.prune(session, now)
    if given_up:
        log.warning(
            "housekeeping: gave up on %d message(s) that waited %d days for a process "
            "running their platform",
            given_up,
            KEEP_OUTBOX.days,
        )
    if removed + sent:
        log.info("housekeeping: %d old records removed", removed + sent)
    return removed + sent
