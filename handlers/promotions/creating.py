"""Turning a draft into a stored promotion, the same from chat and from a file: its
products must exist (and be the vendor's or the shop's), its chats must be ones the
vendor may post in, its card must fit the platforms, its picture must answer. Chats of
communities that trust the vendor are approved at once; the rest wait for their
moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.errors import UserError
from handlers.core.i18n import N_, I18n
from handlers.promotions import plans
from handlers.promotions.images import check_image
from handlers.promotions.posts import CAPTION_LIMIT, caption_length, card
from storage import promotions, vendors
from storage.catalog import ProductRecord, product_by_sku
from storage.identity import ChatRecord
from storage.numbering import scope_of
from storage.vendors import EVERYWHERE, VendorRecord


@dataclass(frozen=True)
class Made:
    """A stored promotion: its id, its products, and its chats (approved or not)."""

    promotion_id: int
    products: list[ProductRecord]
    approved: list[ChatRecord]
    waiting: list[ChatRecord]


async def create(
    session: AsyncSession,
    vendor: VendorRecord,
    draft: plans.Draft,
    by: int | None,
    here: int | None,
    now: datetime,
    status: str,
    i18n: I18n,
) -> Made:
    """Check the draft and store it (`status`: a draft to submit, or running)."""
    plan = draft.plan
    products = [await _product(session, sku, vendor) for sku in plan.skus]
    chats = await _targets(session, vendor, draft, here)
    shown = card(plan, vendor.name, products, i18n)
    if shown.image_url and any(c.platform == "telegram" for c in chats):
        length = caption_length(shown)
        if length > CAPTION_LIMIT:
            raise UserError(
                N_(
                    "With its picture, the promotion is {n} characters long: Telegram shows "
                    "at most 1,024 under a picture. Please shorten the text."
                ),
                n=length,
            )
    if plan.image_url:
        await check_image(plan.image_url)
    trust = await vendors.grants(session, vendor.id)
    trusted = {c.id: bool(trust.get(EVERYWHERE) or trust.get(scope_of(c))) for c in chats}
    promotion_id = await promotions.create(
        session, plan, vendor.id, by, trusted, plans.occurrences(plan), now, status
    )
    return Made(
        promotion_id,
        products,
        [c for c in chats if trusted[c.id]],
        [c for c in chats if not trusted[c.id]],
    )


async def _product(session: AsyncSession, sku: str, vendor: VendorRecord) -> ProductRecord:
    found = await product_by_sku(session, sku)
    if found is None:
        raise UserError(N_("I don't know the product {sku}."), sku=sku)
    if found.vendor and found.vendor != vendor.name:
        raise UserError(N_("{sku} is sold by {vendor}, not by you."), sku=sku, vendor=found.vendor)
    return found


async def _targets(
    session: AsyncSession, vendor: VendorRecord, draft: plans.Draft, here: int | None
) -> list[ChatRecord]:
    allowed = await vendors.chats_for(session, vendor.id)
    if not allowed:
        raise UserError(
            N_("No community has made you a vendor yet: its moderators can, with /vendor add.")
        )
    if draft.here:
        chosen = [c for c in allowed if c.id == here]
        if not chosen:
            raise UserError(N_("You may not post promotions in this chat."))
        return chosen
    if not draft.chats:
        return allowed
    by_name = {f"{c.platform}:{c.platform_chat_id}": c for c in allowed}
    for name in draft.chats:
        if name not in by_name:
            raise UserError(N_("You may not post promotions in the chat {chat}."), chat=name[:80])
    return [by_name[name] for name in dict.fromkeys(draft.chats)]
