"""Points and rewards in chat: `/points` (balance, what expires soon, the latest lines),
`/rewards` (what there is to redeem, with a Redeem button for what one can afford),
and the code delivered privately, exactly once per press that succeeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.actions import SHARE, encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context, Services
from handlers.core.earning import Earning
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature
from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import Button, Buttons, Direct, Ephemeral, Out, Span, Text, bold, code
from handlers.rewards import sharing
from storage import points
from storage.catalog import product_by_sku, products_by_ids
from storage.points import Redeemed, Refused

feature = Feature("rewards")
REDEEM = "rdm"  # rdm:<reward id>
RECENT = 5
SOON = timedelta(days=30)
EXPIRE_BATCH = 500
POINTS = Nn_("{n} point", "{n} points")
EXPIRING = Nn_(
    "{n} of them expires within 30 days unless you spend it.",
    "{n} of them expire within 30 days unless you spend them.",
)
SENT = N_("Your code is in our private chat.")
REASONS = {
    Earning.REVIEW.value: N_("a published review"),
    Earning.REVIEW_PHOTO.value: N_("photos in a review"),
    Earning.FIRST_PURCHASE.value: N_("your first purchase"),
    Earning.ARRIVAL.value: N_("a friend you brought"),
    Earning.REFERRAL.value: N_("a purchase through your link"),
    Earning.REFERRED.value: N_("a purchase through a friend's link"),
    "redeem": N_("a reward"),
    "expired": N_("expired"),
    "reversed": N_("refunded order"),
}
REFUSALS = {
    Refused.UNKNOWN: N_("That reward no longer exists."),
    Refused.TOO_FEW_POINTS: N_("You don't have enough points for that yet."),
    Refused.LIMIT: N_("You have redeemed that reward as often as one person may."),
    Refused.SOLD_OUT: N_("That reward has just run out."),
}


@feature.command("points", N_("Your points and what they came from"))
async def show_points(ctx: Context, args: Args) -> Sequence[Out]:
    member, i18n = ctx.member.member_id, ctx.i18n
    total = await points.balance(ctx.session, member)
    parts: list[str | Span] = [bold(ctx.tn(POINTS, total))]
    soon = await points.expiring(ctx.session, member, ctx.now() + SOON)
    if soon:
        parts.append("\n" + ctx.tn(EXPIRING, soon))
    lines = await points.recent(ctx.session, member, RECENT)
    if lines:
        parts.append("\n\n" + ctx.t(N_("Latest:")))
    for line in lines:
        sign = "+" if line.points > 0 else "−"
        why = ctx.t(REASONS[line.reason]) if line.reason in REASONS else line.reason
        parts.append(f"\n{sign}{i18n.number(abs(line.points))} · {why} · {i18n.date(line.at)}")
    if not lines:
        earn = N_("Earn points with reviews that get published and with your first purchase.")
        parts.append("\n" + ctx.t(earn))
    return [Text.of(*parts)]


@feature.command("rewards", N_("What you can redeem your points for"))
async def show_rewards(ctx: Context, args: Args) -> Sequence[Out]:
    member = ctx.member.member_id
    offered = await points.rewards(ctx.session, member)
    if not offered:
        return [Text.of(ctx.t(N_("There are no rewards to redeem right now.")))]
    total = await points.balance(ctx.session, member)
    parts: list[str | Span] = [ctx.t(N_("You have {points}."), points=ctx.tn(POINTS, total))]
    buttons = []
    for reward in offered:
        parts += ["\n", bold(reward.name), " · " + ctx.tn(POINTS, reward.price)]
        if reward.mine >= reward.per_member:
            parts.append(" · " + ctx.t(N_("redeemed")))
        elif reward.price <= total:
            label = ctx.t(N_("Redeem {reward}"), reward=reward.name)[:60]
            buttons.append((Button(label, encode(REDEEM, str(reward.id))),))
    return [Buttons(Text.of(*parts), tuple(buttons))]


@feature.action(REDEEM)
async def redeem(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    if not args or not args[0].isdigit():
        raise UserError(N_("That button no longer works. Please ask again."))
    done = await points.redeem(ctx.session, int(args[0]), ctx.member.member_id, ctx.now())
    if not isinstance(done, Redeemed):
        raise UserError(REFUSALS[done])
    return [Direct(_delivered(ctx.i18n, done)), Ephemeral(Text.of(ctx.t(SENT)))]


def _delivered(i18n: I18n, done: Redeemed) -> Text:
    return i18n.rich(
        N_("Your code for {reward}: {code} (points left: {left})"),
        reward=bold(done.reward),
        code=code(done.code),
        left=i18n.number(done.balance),
    )


SHARED = Param("product", ParamKind.WORD, placeholder=N_("SKU"), completion="product")


@feature.command("share", N_("Your links to share a product"), params=[SHARED])
async def share(ctx: Context, args: Args) -> Sequence[Out]:
    product = await product_by_sku(ctx.session, args["product"].strip())
    if product is None:
        raise UserError(N_("I found no product called that. Try other words or the SKU."))
    return await sharing.links(ctx, product)


@feature.action(SHARE)
async def share_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    found = await products_by_ids(ctx.session, [int(args[0])]) if args and args[0].isdigit() else []
    if not found:
        raise UserError(N_("That product is no longer in the catalog."))
    return await sharing.links(ctx, found[0])


feature.start_link(sharing.PREFIX)(sharing.opened)


@feature.job("expire", every=timedelta(hours=1))
async def expire(services: Services) -> int:
    """Points past their expiry leave the balances (the oldest are spent first, so
    spending members lose the least)."""
    async with services.db.session() as session:
        return await points.expire(session, services.clock(), EXPIRE_BATCH)


@feature.on_merge
async def merge(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    await points.move_to(session, keep_id, drop_id)
