"""Assembles one ShopBot process: database, services, features, router."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.live import LiveCounter
from bot.outbox import Outbox
from bot.scheduler import PollAlarms
from bot.upkeep import Upkeep
from config import Settings, shipped_file
from handlers import basics, linking
from handlers.catalog.formats import Format
from handlers.catalog.service import ImportReport, import_catalog
from handlers.context import Services
from handlers.housekeeping import forget_old
from handlers.platform_state import PlatformState
from handlers.polls import commands as polls
from handlers.polls.closing import RESULTS_LEASE, close_due
from handlers.polls.live import live_edits
from handlers.products import commands as products
from handlers.products.index import ProductIndex
from handlers.router import Router
from storage.catalog import count_products
from storage.db import Database
from storage.migrate import upgrade
from storage.polls import lease_ends, open_deadlines
from storage.types import utcnow

log = logging.getLogger(__name__)
DEMO_CATALOG = "demo_catalog.csv"
STOP_PART_SECONDS = 1.5
FEATURES = (basics.feature, products.feature, linking.feature, polls.feature)


@dataclass
class App:
    settings: Settings
    db: Database
    services: Services
    router: Router
    state: PlatformState
    outbox: Outbox
    alarms: PollAlarms
    live: LiveCounter
    upkeep: Upkeep

    async def start_background(self) -> None:
        """Start closing polls on time (after migrations, before platforms answer)."""
        async with self.db.session() as session:
            deadlines = await open_deadlines(session)
            deadlines += await lease_ends(session, RESULTS_LEASE)
        self.alarms.start(deadlines)
        self.live.start()
        self.upkeep.start()
        self.outbox.start()
        # What startup built (modules, caches) lives as long as the process. Frozen, it is
        # left out of full collections, which otherwise walk ~160,000 objects and pause
        # every handler for ~40 ms (measured on a 2-core box; see bench/vote_bench.py).
        gc.freeze()

    async def stop_background(self) -> None:
        """Stop the background work, finishing what is under way (the last live counts,
        a closing pass, a batch of queued messages) while the platforms still run, so it
        can still be sent; each part gets a few seconds, so a stop stays quick during an
        outage. What is cut short is left to leases and the next start."""
        await self.upkeep.stop()
        parts = (("live counts", self.live), ("closing polls", self.alarms))
        for name, part in (*parts, ("queued messages", self.outbox)):
            try:
                await asyncio.wait_for(part.stop(), STOP_PART_SECONDS)
            except TimeoutError:
                log.warning("stopping: %s cut short after %.1fs", name, STOP_PART_SECONDS)

    async def close(self) -> None:
        await self.stop_background()
        await self.db.dispose()


def build_app(settings: Settings, clock: Callable[[], datetime] = utcnow) -> App:
    db = Database(settings.database_url)
    alarms = PollAlarms()
    live = LiveCounter()
    outbox = Outbox(db, clock)
    services = Services(
        db=db,
        settings=settings,
        clock=clock,
        products=ProductIndex(),
        alarms=alarms,
        live=live,
        outbox=outbox,
    )
    alarms.bind(lambda: close_due(services, outbox.deliver))
    live.bind(lambda poll_id: live_edits(services, poll_id), outbox.deliver)
    upkeep = Upkeep(db, lambda: forget_old(services))
    router = Router(services, FEATURES)
    return App(settings, db, services, router, PlatformState(db), outbox, alarms, live, upkeep)


async def prepare(app: App, load_demo: bool) -> ImportReport | None:
    """Apply pending migrations; load the demo catalog into an empty store if asked."""
    await upgrade(app.db)
    if not load_demo:
        return None
    async with app.db.session() as session:
        if await count_products(session):
            return None
    data = shipped_file(DEMO_CATALOG).read_bytes()
    return await import_catalog(app.db, data, Format.CSV)
