"""Assembles one ShopBot process: database, services, features, router, jobs.

Features are registered here and nowhere else: the router takes their commands and
actions, the one scheduler their jobs, linking their merge hooks.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.jobs import JobRunner
from bot.metrics import Metrics
from bot.outbox import Outbox
from config import Settings, shipped_file
from handlers.basics import commands as basics
from handlers.catalog.formats import Format
from handlers.catalog.service import ImportReport, import_catalog
from handlers.core.context import Services
from handlers.core.platform_state import PlatformState
from handlers.core.router import Router
from handlers.discovery import commands as discovery
from handlers.housekeeping import jobs as housekeeping
from handlers.linking import commands as linking
from handlers.orders import commands as orders
from handlers.polls import commands as polls
from handlers.products import commands as products
from handlers.promotions import commands as promotions
from handlers.questions import commands as questions
from handlers.reviews import commands as reviews
from handlers.rewards import commands as rewards
from handlers.welcome import commands as welcome
from storage.catalog import count_products
from storage.db import Database
from storage.migrate import upgrade
from storage.types import utcnow

DEMO_CATALOG = "demo_catalog.csv"
# At a stop, the jobs under way get this long to finish while the platforms can still
# send (the last live counts, a closing pass); what is cut short is left to leases.
STOP_GRACE_SECONDS = 2.0
FEATURES = (
    basics.feature,
    products.feature,
    linking.feature,
    polls.feature,
    reviews.feature,
    orders.feature,
    questions.feature,
    rewards.feature,
    promotions.feature,
    discovery.feature,
    welcome.feature,
    housekeeping.feature,
)


@dataclass
class App:
    settings: Settings
    db: Database
    services: Services
    router: Router
    state: PlatformState
    outbox: Outbox
    jobs: JobRunner
    metrics: Metrics

    async def start_background(self) -> None:
        """Start the jobs (after migrations, before platforms answer)."""
        await self.jobs.start(self.services)
        # What startup built (modules, caches) lives as long as the process. Frozen, it is
        # left out of full collections, which otherwise walk ~160,000 objects and pause
        # every handler for ~40 ms (measured on a 2-core box; see bench/vote_bench.py).
        gc.freeze()

    async def stop_background(self) -> None:
        """Stop the jobs, finishing what is under way while the platforms still run, so
        it can still be sent; quick also during an outage."""
        await self.jobs.stop(STOP_GRACE_SECONDS)

    async def close(self) -> None:
        await self.stop_background()
        await self.db.dispose()


def build_app(settings: Settings, clock: Callable[[], datetime] = utcnow) -> App:
    db = Database(settings.database_url)
    outbox = Outbox(db, clock)
    jobs = JobRunner([*(job for f in FEATURES for job in f.jobs), outbox.job()])
    services = Services(
        db=db,
        settings=settings,
        clock=clock,
        jobs=jobs,
        post=outbox.deliver,
        merge_hooks=[hook for f in FEATURES for hook in f.merge_hooks],
    )
    for feature in FEATURES:
        for prefix, hook in feature.delivered_hooks.items():
            outbox.on_delivered(prefix, hook)
    router = Router(services, FEATURES)
    metrics = Metrics()
    router.observe = metrics.observe
    return App(settings, db, services, router, PlatformState(db), outbox, jobs, metrics)


async def prepare(app: App, load_demo: bool) -> ImportReport | None:
    """Apply pending migrations; load the demo catalog into an empty store if asked."""
    await upgrade(app.db)
    if not load_demo:
        return None
    async with app.db.session() as session:
        if await count_products(session):
            return None
    return await import_catalog(app.db, shipped_file(DEMO_CATALOG), Format.CSV)
