"""Points and rewards in chat: `/points` (balance, what expires soon, the latest lines),
`/rewards` (what there is to redeem, with a Redeem button for what one can afford),
and the code delivered privately, exactly once per press that succeeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core import codec, earning
from handlers.core.actions import SHARE, encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import SEND_JOB, Context, Services
from handlers.core.earning import Earning
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role, Scope
from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import (
    Button,
    Buttons,
    Direct,
    Ephemeral,
    Out,
    Span,
    Text,
    bold,
    code,
)
from handlers.core.preferences import Preference
from handlers.rewards import invites, rules, sharing
from storage import activity, badges, linking, outbox, points
from storage.badges import Facts
from storage.catalog import product_by_id, product_by_sku
from storage.identity import member_name
from storage.numbering import scope_chat_ids, scope_of
from storage.points import Redeemed, Refused

feature = Feature("rewards")
REDEEM = "rdm"  # rdm:<reward id>
RECENT = 5
SOON = timedelta(days=30)
EXPIRE_BATCH = 500
POINTS = Nn_("{n} point", "{n} points")
NO_MAYOR = N_(
    "This community has no mayor yet: the most active member of the last 60 days becomes one."
)
MAYOR_IS = Nn_(
    "{name} is the mayor: active here on {n} day of the last 60.",
    "{name} is the mayor: active here on {n} days of the last 60.",
)
NEW_MAYOR = Nn_(
    "{name} is the new mayor of this community: active here on {n} day of the last 60.",
    "{name} is the new mayor of this community: active here on {n} days of the last 60.",
)
HOW_MAYOR = N_("The mayor is whoever was active here on the most days; staff take no part.")
EXPIRING = Nn_(
    "{n} of them expires within 30 days unless you spend it.",
    "{n} of them expire within 30 days unless you spend them.",
)
SENT = N_("Your code is in our private chat.")
LOADED = Nn_("{n} new code loaded for {reward}.", "{n} new codes loaded for {reward}.")
TO_NEXT = Nn_("{n} point to {tier}", "{n} points to {tier}")
BADGES: tuple[tuple[str, Callable[[Facts], bool]], ...] = (
    (N_("First review"), lambda f: f.reviews >= 1),
    (N_("Photo reviewer"), lambda f: f.photo_reviews >= 3),
    (N_("Poll regular"), lambda f: f.polls >= 10),
    (N_("Trendsetter"), lambda f: f.winners >= 3),
    (N_("Connector"), lambda f: f.arrivals >= 3),
    (N_("Mayor"), lambda f: f.mayor),
)
REASONS = {
    Earning.REVIEW.value: N_("a published review"),
    Earning.REVIEW_PHOTO.value: N_("photos in a review"),
    Earning.FIRST_PURCHASE.value: N_("your first purchase"),
    Earning.ARRIVAL.value: N_("a friend you brought"),
    Earning.REFERRAL.value: N_("a purchase through your link"),
    Earning.REFERRED.value: N_("a purchase through a friend's link"),
    Earning.VOTE.value: N_("a poll vote"),
    Earning.HELPFUL.value: N_("a helpful answer"),
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
    tier, earned, above = await earning.standing(
        ctx.session, ctx.services.settings, member, ctx.now()
    )
    parts.append("\n" + ctx.t(N_("Tier: {tier}"), tier=ctx.t(tier.name)))
    if above is not None:
        parts.append(" · " + ctx.tn(TO_NEXT, above.threshold - earned, tier=ctx.t(above.name)))
    held = await _badges(ctx, member)
    if held:
        parts.append("\n" + ctx.t(N_("Badges: {badges}"), badges=", ".join(held)))
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


async def _badges(ctx: Context, member_id: int) -> list[str]:
    """The badges the member holds, by name."""
    found = await badges.facts(ctx.session, member_id)
    return [ctx.t(name) for name, holds in BADGES if holds(found)]


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


REWARD_NAME = Param("reward", ParamKind.WORD, placeholder=N_("reward"), max_length=100)
PRICE = Param("price", ParamKind.INT, placeholder=N_("price in points"), min_value=1)
PER_MEMBER = Param("limit", ParamKind.INT, placeholder=N_("per member"), min_value=1)
CODES = Param("codes", ParamKind.TEXT, placeholder=N_("codes"), max_length=3500)


@feature.command(
    "addreward",
    N_("Load coupon codes as a reward (in private)"),
    params=[REWARD_NAME, PRICE, PER_MEMBER, CODES],
    role=Role.STAFF,
    scope=Scope.DM,  # codes are secrets: never typed in a group
)
async def add_reward(ctx: Context, args: Args) -> Sequence[Out]:
    codes = [c for c in args["codes"].replace(",", " ").split() if c]
    if any(len(c) > 64 for c in codes):
        raise UserError(N_("A code has at most 64 characters."))
    name = args["reward"]
    _, added = await points.load_reward(
        ctx.session, name, args["price"], args["limit"], codes, ctx.now()
    )
    return [ctx.rich_n(LOADED, added, reward=bold(name))]


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
    found = await product_by_id(ctx.session, int(args[0])) if args and args[0].isdigit() else None
    if found is None:
        raise UserError(N_("That product is no longer in the catalog."))
    return await sharing.links(ctx, found)


feature.start_link(sharing.PREFIX)(sharing.opened)
feature.join(invites.joined)
feature.leave(invites.left)
feature.job("joins", due=invites.due)(invites.credit)


@feature.command("invite", N_("Your own invite link to this group"), scope=Scope.GROUP)
async def invite(ctx: Context, args: Args) -> Sequence[Out]:
    return await invites.invite(ctx)


@feature.command(
    "earning",
    N_("What earns points here; moderators change it"),
    params=rules.PARAMS,
    scope=Scope.GROUP,
)
async def earning_rules(ctx: Context, args: Args) -> Sequence[Out]:
    if args.get("way") is not None and Role.MODERATOR not in ctx.roles:
        raise UserError(N_("Only this chat's moderators can change what earns points here."))
    return await rules.show_or_set(ctx, args)


MAYOR_WINDOW = timedelta(days=60)
MAYOR_NEWS = Param("news", ParamKind.CHOICE, choices=("on", "off"), placeholder=N_("on or off"))


@feature.command("mayor", N_("Who is this community's mayor"), scope=Scope.GROUP)
async def mayor(ctx: Context, args: Args) -> Sequence[Out]:
    scope = scope_of(await linking.chat(ctx.session, ctx.chat_id))
    found = await activity.mayor_of(ctx.session, scope)
    if found.member_id is None or found.name is None:
        return [Text.of(ctx.t(NO_MAYOR))]
    said = ctx.rich_n(MAYOR_IS, found.days, name=bold(found.name))
    return [said + Text.of("\n" + ctx.t(HOW_MAYOR))]


@feature.command(
    "mayornews",
    N_("Announce it here when the mayor changes (on or off)"),
    params=[MAYOR_NEWS],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)
async def mayor_news(ctx: Context, args: Args) -> Sequence[Out]:
    scope = scope_of(await linking.chat(ctx.session, ctx.chat_id))
    on = args["news"] == "on"
    await activity.set_announce(ctx.session, scope, on)
    said = (
        N_("New mayors will be announced here.") if on else N_("New mayors will not be announced.")
    )
    return [Text.of(ctx.t(said))]


@feature.job("mayors", every=timedelta(hours=24))
async def elect_mayors(services: Services) -> int:
    """Each community's mayor: the member with the most active days in the last 60,
    staff never; announced in its chats when it changes, if the community wants."""
    now = services.clock()
    changed = 0
    async with services.db.session() as session:
        since = (now - MAYOR_WINDOW).date()
        await activity.forget_before(session, since)
        for scope, (member_id, days) in (await activity.leaders(session, since)).items():
            previous, announce = await activity.crown(session, scope, member_id, days, now)
            if previous == member_id:
                continue
            changed += 1
            if announce:
                await _announce(session, services, scope, member_id, days, now)
    return changed


async def _announce(
    session: AsyncSession, services: Services, scope: str, member_id: int, days: int, now: datetime
) -> None:
    kind, _, ident = scope.partition(":")
    if kind == "community":
        chats = await linking.community_chats(session, int(ident))
    else:
        chats = [await linking.chat(session, int(ident))]
    name = await member_name(session, member_id)
    i18n = I18n(services.settings.default_locale)
    news = i18n.rich_n(*NEW_MAYOR, days, name=bold(name))
    # Queued with the election, so each chat hears it once, after the commit.
    key = f"mayor:{scope}:{member_id}:{now.date().isoformat()}"
    for chat in chats:
        await outbox.put(
            session,
            f"{key}:{chat.id}",
            chat.platform,
            chat.platform_chat_id,
            chat.kind,
            codec.dumps([news]),
            now,
        )
    services.jobs.wake(SEND_JOB)


feature.preference(
    Preference(
        "hide_from_leaderboard",
        when_on=N_("You are not listed on /leaderboard."),
        when_off=N_("You are listed on /leaderboard with the points you earn this month."),
        turn_on=N_("Hide me"),
        turn_off=N_("List me"),
    )
)
LEADERS = 10


@feature.command("leaderboard", N_("Who earned the most points here this month"), scope=Scope.GROUP)
async def leaderboard(ctx: Context, args: Args) -> Sequence[Out]:
    here = await linking.chat(ctx.session, ctx.chat_id)
    chats = await scope_chat_ids(ctx.session, here)
    month = ctx.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    leaders = await points.leaderboard(ctx.session, chats, month, LEADERS)
    if not leaders:
        return [Text.of(ctx.t(N_("Nobody here has earned points this month yet.")))]
    parts: list[str | Span] = [bold(ctx.t(N_("Most points this month:")))]
    for place, (name, total) in enumerate(leaders, start=1):
        parts += [f"\n{place}. ", name, " — " + ctx.tn(POINTS, total)]
    parts.append("\n\n" + ctx.t(N_("Not listed? /settings in a private chat with me.")))
    return [Text.of(*parts)]


@feature.job("expire", every=timedelta(hours=1))
async def expire(services: Services) -> int:
    """Points past their expiry leave the balances (the oldest are spent first, so
    spending members lose the least)."""
    async with services.db.session() as session:
        return await points.expire(session, services.clock(), EXPIRE_BATCH)


@feature.on_merge
async def merge(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    await points.move_to(session, keep_id, drop_id)
    await activity.move_to(session, keep_id, drop_id)
