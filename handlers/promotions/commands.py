"""Vendor promotions: `/vendor` (moderators grant the role), `/promote` (a vendor writes
one and sees it before submitting), `/promos` (moderators approve or reject what waits
for their chats; vendors see and stop theirs), `/promopolicy` (a community's daily cap
and quiet hours), and the jobs that post them and end them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.actions import encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import SEND_JOB, Context
from handlers.core.conversations import start
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role, Scope
from handlers.core.i18n import N_, Nn_
from handlers.core.model import (
    Button,
    Buttons,
    ChatKind,
    ChatRef,
    Out,
    Reacted,
    Span,
    Text,
    ToChat,
    bold,
)
from handlers.promotions import (
    campaign,
    delivery,
    drafting,
    guided,
    plans,
    sharing,
    vendors,
)
from handlers.promotions.drafting import DROP, SUBMIT
from handlers.promotions.posts import SHARE_ACTION
from storage import linking, promotions
from storage import vendors as vendor_store
from storage.identity import accounts_of
from storage.numbering import scope_chat_ids, scope_of
from storage.promotions import Policy, PromotionRecord

feature = Feature("promotions")
APPROVE, REJECT, STOP = "pok", "pno", "pstop"
SPEC = Param(
    "promotion",
    ParamKind.TEXT,
    required=False,
    placeholder=N_("SKUs start repeat length Title | Text"),
    max_length=3000,
)
CAP = Param(
    "cap", ParamKind.INT, required=False, placeholder=N_("per day"), min_value=0, max_value=20
)
QUIET = Param("quiet", ParamKind.WORD, required=False, placeholder=N_("22:00-08:00 or off"))
ZONE = Param("timezone", ParamKind.WORD, required=False, placeholder=N_("time zone"), max_length=64)
CHATS = Nn_("{n} chat", "{n} chats")
WAITS = N_("Waiting for approval in: {chats}")
GONE = N_("That promotion is no longer waiting.")


@feature.command(
    "vendor",
    N_("Vendors here; moderators add, trust or remove one"),
    params=vendors.PARAMS,
    scope=Scope.GROUP,
)
async def vendor(ctx: Context, args: Args) -> Sequence[Out]:
    if args.get("action") is not None and Role.MODERATOR not in ctx.roles:
        raise UserError(N_("Only this chat's moderators can add or remove vendors."))
    return await vendors.vendor(ctx, args)


@feature.command("promote", N_("Write a promotion (vendors)"), params=[SPEC], role=Role.VENDOR)
async def promote(ctx: Context, args: Args) -> Sequence[Out]:
    if "promotion" not in args:  # step by step, in private
        await drafting.seller(ctx)  # only vendors begin
        return await start(ctx, guided.FLOW, private=True)
    return await drafting.drafted(ctx, plans.parse_line(args["promotion"], ctx.now()))


feature.flow(guided.FLOW)


@feature.action(SUBMIT, role=Role.VENDOR)
async def submitted(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    promotion_id = _id(args)
    if not await promotions.submit(ctx.session, promotion_id, ctx.member.member_id):
        raise UserError(N_("That promotion was submitted or discarded already."))
    decided = await promotions.targets(ctx.session, promotion_id)
    waiting = sum(1 for status in decided.values() if status == promotions.PENDING)
    ctx.wake(delivery.JOB)
    if waiting:
        said = ctx.rich_n(
            Nn_(
                "Submitted. It waits for the moderators of {n} chat (/promos).",
                "Submitted. It waits for the moderators of {n} chats (/promos).",
            ),
            waiting,
        )
    else:
        said = Text.of(ctx.t(N_("Submitted. It will be posted as planned.")))
    return [said]


@feature.action(DROP, role=Role.VENDOR)
async def dropped(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    promotion_id = _id(args)
    found = await promotions.promotion(ctx.session, promotion_id)
    if found is None or found.status != promotions.DRAFT:
        raise UserError(N_("That promotion was submitted or discarded already."))
    await promotions.finish(
        ctx.session, promotion_id, promotions.STOPPED, ctx.now(), promotions.DRAFT
    )
    return [Text.of(ctx.t(N_("Discarded.")))]


WORDS = Param("words", ParamKind.TEXT, placeholder=N_("Title | Text"), max_length=3000)
EDITED = Param("number", ParamKind.INT, placeholder=N_("number"), min_value=1)


@feature.command(
    "promoedit",
    N_("Change a running promotion's title and text (vendors)"),
    params=[EDITED, WORDS],
    role=Role.VENDOR,
)
async def promo_edit(ctx: Context, args: Args) -> Sequence[Out]:
    title, bar, body = args["words"].partition("|")
    if not bar:
        raise UserError(N_("Write it as: /promoedit NUMBER Title | Text"))
    title, body = plans.check_title(title), plans.check_text(body)
    seller = await drafting.seller(ctx)
    number = args["number"]
    revision = await promotions.edit(ctx.session, number, seller.id, title, body)
    if revision is None:
        raise UserError(N_("You have no running promotion #{number}."), number=number)
    edited = await delivery.edit_posts(ctx.session, ctx.services, number, revision, ctx.now())
    ctx.wake(SEND_JOB)
    return [
        ctx.rich_n(
            Nn_(
                "Changed. Its next posts say so, and {n} post already made is edited.",
                "Changed. Its next posts say so, and {n} posts already made are edited.",
            ),
            edited,
        )
    ]


@feature.command("promos", N_("Promotions: waiting for approval here, or your own"))
async def promos(ctx: Context, args: Args) -> Sequence[Out]:
    if Role.MODERATOR in ctx.roles and ctx.event.chat.kind is not ChatKind.DM:
        return await _waiting(ctx)
    if Role.VENDOR in ctx.roles:
        return await _own(ctx)
    raise UserError(N_("Only moderators (in their group) and vendors can see promotions."))


@feature.action(APPROVE, role=Role.MODERATOR)
async def approve(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    return await _decide(ctx, _id(args), approve=True)


@feature.action(REJECT, role=Role.MODERATOR)
async def reject(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    return await _decide(ctx, _id(args), approve=False)


@feature.action(STOP, role=Role.VENDOR)
async def stop(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    promotion_id = _id(args)
    seller = await vendor_store.vendor_of(ctx.session, ctx.member.member_id)
    found = await promotions.promotion(ctx.session, promotion_id)
    if found is None or seller is None or found.vendor_id != seller.id:
        raise UserError(N_("That is not one of your promotions."))
    if not await promotions.finish(ctx.session, promotion_id, promotions.STOPPED, ctx.now()):
        raise UserError(N_("That promotion is not running."))
    ctx.wake(delivery.END_JOB)  # its posts say it ended
    return [
        ctx.rich(N_("{title} is stopped: nothing more is posted."), title=bold(found.plan.title))
    ]


@feature.command(
    "promopolicy",
    N_("Promotions here: how many a day, quiet hours, time zone"),
    params=[CAP, QUIET, ZONE],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)
async def promo_policy(ctx: Context, args: Args) -> Sequence[Out]:
    scope = scope_of(await linking.chat(ctx.session, ctx.chat_id))
    current = await promotions.policy(ctx.session, scope)
    cap = args.get("cap", current.daily_cap)
    quiet_from, quiet_to = current.quiet_from, current.quiet_to
    if "quiet" in args:
        quiet_from, quiet_to = _quiet(args["quiet"])
    zone = args.get("timezone", current.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            N_("I don't know the time zone {zone}: use one like Europe/Warsaw."), zone=zone[:64]
        ) from None
    chosen = Policy(cap, quiet_from, quiet_to, zone)
    await promotions.set_policy(ctx.session, scope, chosen)
    said = ctx.tn(
        Nn_("At most {n} promotion a day here.", "At most {n} promotions a day here."),
        chosen.daily_cap,
    )
    if chosen.quiet_from is not None and chosen.quiet_to is not None:
        said += " " + ctx.t(
            N_("None between {start} and {end} ({zone})."),
            start=_clock(chosen.quiet_from),
            end=_clock(chosen.quiet_to),
            zone=chosen.timezone,
        )
    return [Text.of(said)]


NUMBER = Param("number", ParamKind.INT, required=False, placeholder=N_("number"), min_value=1)


@feature.command("campaign", N_("A promotion's numbers, with a chart (vendors)"), params=[NUMBER])
async def campaign_numbers(ctx: Context, args: Args) -> Sequence[Out]:
    record = await _viewable(ctx, args.get("number"))
    found = await promotions.numbers(ctx.session, record)
    return await campaign.report(record, found, ctx.i18n)


async def _viewable(ctx: Context, number: int | None) -> PromotionRecord:
    """The promotion the person may see numbers of: their own (the latest without a
    number); any, for the bot's owners and configured moderators."""
    seller = await vendor_store.vendor_of(ctx.session, ctx.member.member_id)
    if number is None:
        mine = [] if seller is None else await promotions.of_vendor(ctx.session, seller.id)
        mine = [p for p in mine if p.status != promotions.DRAFT]
        if not mine:
            raise UserError(N_("You have no promotions yet. Write one with /promote."))
        return mine[0]
    found = await promotions.promotion(ctx.session, number)
    own = found is not None and seller is not None and found.vendor_id == seller.id
    if found is None or not (own or ctx.moderates_everywhere):
        raise UserError(N_("You have no promotion #{number}."), number=number)
    return found


feature.job("post", due=delivery.due_times)(delivery.post_due)
feature.job("end", every=timedelta(minutes=5))(delivery.end_posts)
feature.delivered("promo")(delivery.delivered)


@feature.action(SHARE_ACTION)
async def share_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    return await sharing.links(ctx, _id(args))


@feature.reacted
async def reacted(session: AsyncSession, reaction: Reacted) -> None:
    """Reactions on a post count for its promotion (others are not ours to keep)."""
    who = None
    if reaction.total is None:
        who = (reaction.user_id or "", reaction.emoji, reaction.added)
    await promotions.react(
        session, reaction.platform, reaction.chat_id, reaction.message_id, reaction.total, who
    )


async def _waiting(ctx: Context) -> list[Out]:
    here = await linking.chat(ctx.session, ctx.chat_id)
    chats = await scope_chat_ids(ctx.session, here)
    waiting = await promotions.waiting_in(ctx.session, chats)
    if not waiting:
        return [Text.of(ctx.t(N_("No promotions are waiting for approval here.")))]
    outs: list[Out] = []
    for record, chat_ids in waiting:
        text = _describe(ctx, record) + Text.of(
            "\n" + ctx.t(WAITS, chats=ctx.tn(CHATS, len(chat_ids)))
        )
        choice = (
            Button(ctx.t(N_("Approve")), encode(APPROVE, str(record.id))),
            Button(ctx.t(N_("Reject")), encode(REJECT, str(record.id))),
        )
        outs.append(Buttons(text, (choice,)))
    return outs


async def _own(ctx: Context) -> list[Out]:
    seller = await vendor_store.vendor_of(ctx.session, ctx.member.member_id)
    mine = [] if seller is None else await promotions.of_vendor(ctx.session, seller.id)
    mine = [p for p in mine if p.status != promotions.DRAFT]
    if not mine:
        return [Text.of(ctx.t(N_("You have no promotions yet. Write one with /promote.")))]
    outs: list[Out] = []
    for record in mine[:10]:
        counts = await promotions.posts_by_status(ctx.session, record.id)
        decided = await promotions.targets(ctx.session, record.id)
        text = _describe(ctx, record) + Text.of(
            "\n"
            + ctx.t(
                N_(
                    "Posted: {posted}; missed while the bot was down: {late}; "
                    "over a daily cap: {capped}."
                ),
                posted=counts.get(promotions.QUEUED, 0),
                late=counts.get(promotions.LATE, 0),
                capped=counts.get(promotions.CAPPED, 0),
            )
            + "\n"
            + ctx.t(
                N_("Chats: {approved} approved, {waiting} waiting, {rejected} rejected."),
                approved=sum(s == promotions.APPROVED for s in decided.values()),
                waiting=sum(s == promotions.PENDING for s in decided.values()),
                rejected=sum(s == promotions.REJECTED for s in decided.values()),
            )
        )
        stop_it = Button(ctx.t(N_("Stop")), encode(STOP, str(record.id)))
        rows = ((stop_it,),) if record.status == promotions.RUNNING else ()
        outs.append(Buttons(text, rows))
    return outs


async def _decide(ctx: Context, promotion_id: int, approve: bool) -> list[Out]:
    here = await linking.chat(ctx.session, ctx.chat_id)
    chats = await scope_chat_ids(ctx.session, here)
    decided = await promotions.decide(
        ctx.session, promotion_id, chats, approve, ctx.member.member_id, ctx.now()
    )
    found = await promotions.promotion(ctx.session, promotion_id)
    if not decided or found is None:
        raise UserError(GONE)
    if approve:
        ctx.wake(delivery.JOB)
        said = N_("Approved by {name}: {title} will be posted here as planned.")
        told = N_("Your promotion {title} was approved in {chat}.")
    else:
        said = N_("Rejected by {name}: {title} will not be posted here.")
        told = N_("Your promotion {title} was rejected in {chat}.")
    outs: list[Out] = [ctx.rich(said, name=ctx.member.display_name, title=bold(found.plan.title))]
    seller = await vendor_store.vendor_of(ctx.session, ctx.member.member_id)
    owner = await _owner(ctx, found)
    if owner is not None and (seller is None or seller.id != found.vendor_id):
        title = here.title or ""
        outs.append(ToChat(owner, ctx.rich(told, title=bold(found.plan.title), chat=title)))
    return outs


async def _owner(ctx: Context, record: PromotionRecord) -> ChatRef | None:
    """Where to tell the vendor privately: their first account."""
    seller = await vendor_store.vendor_by_id(ctx.session, record.vendor_id)
    if seller is None or seller.member_id is None:
        return None
    accounts = await accounts_of(ctx.session, seller.member_id)
    if not accounts:
        return None
    platform, user_id = accounts[0]
    return ChatRef(platform, user_id, ChatKind.PERSON)


def _describe(ctx: Context, record: PromotionRecord) -> Text:
    plan = record.plan
    parts: list[str | Span] = [
        bold(f"#{record.id} {plan.title}"),
        f" — {record.vendor}\n",
        plan.body,
    ]
    when = plans.occurrences(plan)
    parts.append(
        "\n"
        + ctx.tn(
            Nn_("{n} post from {start} to {end}", "{n} posts from {start} to {end}"),
            len(when),
            start=ctx.i18n.moment(plan.starts_at),
            end=ctx.i18n.moment(plan.ends_at),
        )
    )
    if plan.code:
        parts.append("\n" + ctx.t(N_("Code: {code}"), code=plan.code))
    return Text.of(*parts)


def _quiet(text: str) -> tuple[int | None, int | None]:
    if text.lower() == "off":
        return None, None
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError
        return _minutes(start), _minutes(end)
    except ValueError:
        raise UserError(N_("Quiet hours look like 22:00-08:00, or off.")) from None


def _minutes(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value < 24 * 60 or int(minutes or 0) >= 60:
        raise ValueError
    return value


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _id(args: tuple[str, ...]) -> int:
    if len(args) != 1 or not args[0].isdigit():
        raise UserError(N_("That button no longer works. Please ask again."))
    return int(args[0])
