"""`shopbot promo create FILE`: a promotion written in YAML (or JSON, which YAML reads),
for a vendor by name, checked like one written in chat; and `shopbot promo report N`.

    vendor: Trailhead Co
    title: Winter sale
    text: 20% off all bags this week
    products: [BAG-001, BAG-002]
    start: 2026-12-01T10:00:00+01:00
    end: 7d            # or a date
    repeat: daily      # once, daily, weekly, or every N days: 3d
    times: 5           # optional: at most this many posts
    code: WINTER20     # optional
    terms: Until Sunday, while stocks last.
    image: https://shop.example.com/img/winter.jpg
    pin: false
    chats: [telegram:-1001234, discord:987654]   # optional: every chat it may post in
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import yaml

from handlers.core.errors import UserError
from handlers.core.i18n import N_, I18n
from handlers.promotions import campaign, creating, plans
from storage import promotions, vendors
from storage.db import Database


async def create_from_file(db: Database, path: Path, now: datetime, i18n: I18n) -> creating.Made:
    """Check and store the file's promotion, running (moderators still approve it where
    they do not trust the vendor). UserError says what is wrong; nothing is stored."""
    try:
        data = yaml.safe_load(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise UserError(N_("The file is not YAML: {problem}"), problem=str(error)[:200]) from None
    if not isinstance(data, dict):
        raise UserError(N_("The file must hold one promotion: title, text, products..."))
    name = str(data.get("vendor") or "").strip()
    async with db.session() as session:
        vendor = await vendors.vendor_by_name(session, name)
        if vendor is None:
            raise UserError(N_("There is no vendor named {name}."), name=name[:128])
        draft = plans.from_mapping(data, now)
        return await creating.create(
            session, vendor, draft, None, None, now, promotions.RUNNING, i18n
        )


async def report_csv(db: Database, number: int) -> str:
    async with db.read() as session:
        found = await promotions.promotion(session, number)
        if found is None:
            raise UserError(N_("You have no promotion #{number}."), number=number)
        return campaign.as_csv(await promotions.numbers(session, found))
