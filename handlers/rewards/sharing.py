"""Share links: a member's personal links for a product, and what opening one does.

A Telegram deep link (`t.me/<bot>?start=s-<code>-<product id>`) opens the product in
the bot for a friend; when the friend's account is new to the bot, not the sharer's own
and not staff, it is a verified arrival: noted once per newcomer and paid to the sharer
once per pair. A web link (`<public_url>/s/<code>/<product id>`) leads to the shop with
the sharer's code (`sref`), so a purchase through it pays both sides (orders). Clicks
never pay by themselves. Discord has no links into a bot, and its Platform
Manipulation Policy forbids rewarding invites: there, shares earn through purchases
only.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core import earning, signals
from handlers.core.actions import DETAILS, encode
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Role
from handlers.core.i18n import N_
from handlers.core.links import SHARE_PREFIX, share_links
from handlers.core.model import Button, Buttons, Out, bold
from handlers.core.sharing import share_message
from storage import orders, referrals
from storage import signals as storage_signals
from storage.catalog import ProductRecord, product_by_id
from storage.signals import Kind

PREFIX = SHARE_PREFIX
STAFF = (Role.MODERATOR, Role.VENDOR, Role.OWNER)


async def links(ctx: Context, product: ProductRecord) -> list[Out]:
    """The member's share links for the product, privately."""
    await signals.note(ctx, Kind.SHARE, [product.id])
    code = await orders.code_of(ctx.session, ctx.member.member_id)
    found = share_links(ctx.services.settings, ctx.services.bot_links, code, product.id)
    return share_message(ctx, product.name, found)


async def opened(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    """Someone opened a Telegram share link: the product, and an arrival if it is one."""
    if len(args) not in (2, 3) or not all(a.isdigit() and len(a) <= 9 for a in args[1:]):
        raise UserError(N_("That link no longer works."))
    code, product_id = args[:2]
    promotion = int(args[2]) if len(args) == 3 else None  # made from a promotion's post
    product = await product_by_id(ctx.session, int(product_id))
    sharer = await orders.member_by_code(ctx.session, code)
    if product is None or sharer is None:
        raise UserError(N_("That link no longer works."))
    member = ctx.member.member_id
    if (
        ctx.member.first_seen  # an account the bot has never seen before
        and sharer != member
        and not any(role in ctx.roles for role in STAFF)
        and await referrals.arrive(
            ctx.session, member, sharer, ctx.event.platform, ctx.now(), promotion
        )
    ):
        await earning.for_arrival(ctx.session, ctx.services.settings, sharer, member, ctx.now())
        await storage_signals.arrived(ctx.session, sharer, member, product.id, ctx.now())
    greeting = ctx.rich(N_("A friend shared {product} with you."), product=bold(product.name))
    details = Button(ctx.t(N_("Details")), encode(DETAILS, product.sku))
    return [Buttons(greeting, ((details,),))]
