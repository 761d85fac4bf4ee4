"""Forgetting what no longer protects anything: handled update ids and spent link codes.

Platforms redeliver an update for hours, not days (Telegram keeps them 24 h), so old
ids protect nothing while the table would grow for as long as the bot runs."""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.context import Services
from storage.events import prune

log = logging.getLogger(__name__)
KEEP_EVENT_IDS = timedelta(days=7)
KEEP_LINK_RECORDS = timedelta(days=1)


async def forget_old(services: Services) -> int:
    now = services.clock()
    async with services.db.session() as session:
        removed = await prune(session, now - KEEP_EVENT_IDS, now - KEEP_LINK_RECORDS)
    if removed:
        log.info("housekeeping: %d old records removed", removed)
    return removed
