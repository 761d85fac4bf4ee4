"""Personal invite links to a Telegram group (`/invite`), and the joins they bring: a
newcomer who joins through one and stays `join_wait_days` (3) pays its member once per
pair (as a share link's arrival does); leaving first, joining again, being a bot, the
member themself or staff never pays. Discord's Platform Manipulation Policy forbids
rewarding invites, so on Discord `/invite` explains that and joins never pay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.core import earning
from handlers.core.context import Context, Services
from handlers.core.errors import UserError
from handlers.core.features import Role
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Direct, Ephemeral, Out, Text
from storage import referrals

JOB = "rewards.joins"
STAFF = (Role.MODERATOR, Role.VENDOR, Role.OWNER)
SCHEDULED = 100
DISCORD = "discord"


YOUR_LINK = Nn_(
    "Your invite link to this group: {link}\nSomeone new who joins through it and stays "
    "{n} day earns you points.",
    "Your invite link to this group: {link}\nSomeone new who joins through it and stays "
    "{n} days earns you points.",
)


def wait(services: Services) -> timedelta:
    return timedelta(days=services.settings.join_wait_days)


async def invite(ctx: Context) -> list[Out]:
    """The member's own invite link to this group, privately."""
    if ctx.event.platform == DISCORD:
        raise UserError(
            N_(
                "Discord does not allow rewards for inviting people, so there are no "
                "invite rewards here. Share products instead: purchases through your "
                "links count."
            )
        )
    make = ctx.services.invites.get(ctx.event.platform)
    if make is None:
        raise UserError(N_("Invite links are not available here."))
    try:
        link = await make(ctx.event.chat.id, ctx.member.display_name)
    except OSError:
        raise UserError(
            N_("I couldn't make an invite link: I need to be an admin who may invite.")
        ) from None
    await referrals.add_invite_link(ctx.session, link, ctx.member.member_id, ctx.chat_id, ctx.now())
    days = ctx.services.settings.join_wait_days
    said = ctx.rich_n(YOUR_LINK, days, link=link)
    return [Direct(said), Ephemeral(Text.of(ctx.t(N_("I've written to you privately."))))]


async def joined(ctx: Context) -> Sequence[Out]:
    """A join through someone's invite link starts its wait."""
    link, actor = ctx.event.invite, ctx.event.actor
    if link is None or ctx.event.platform == DISCORD or actor.is_bot:
        return []
    sharer = await referrals.inviter(ctx.session, link, ctx.chat_id)
    member = ctx.member.member_id
    if sharer is None or sharer == member or any(role in ctx.roles for role in STAFF):
        return []
    if await referrals.joined(ctx.session, ctx.chat_id, member, sharer, ctx.now()):
        ctx.wake(JOB, ctx.now() + wait(ctx.services))
    return []


async def left(ctx: Context) -> Sequence[Out]:
    """Leaving before the wait is over cancels the join's credit."""
    await referrals.left(ctx.session, ctx.chat_id, ctx.member.member_id, ctx.now())
    return []


async def due(services: Services) -> Sequence[datetime]:
    async with services.db.read() as session:
        waiting = await referrals.joins_due(session, SCHEDULED)
    return [when + wait(services) for when in waiting]


async def credit(services: Services) -> int:
    """Pay the joins whose newcomer stayed the whole wait, each once."""
    now = services.clock()
    paid = 0
    async with services.db.session() as session:
        joins = await referrals.take_joins(session, now - wait(services), now)
        for newcomer, sharer, chat_id in joins:
            await referrals.arrive(session, newcomer, sharer, "telegram", now)
            scope = await earning.community_of(session, chat_id)
            paid += bool(
                await earning.for_arrival(session, services.settings, sharer, newcomer, now, scope)
            )
    return paid
