"""/top, /trending, /foryou and /forgetme, and the job that counts the signals."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.core.actions import encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context, Services
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role, Scope
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Button, Buttons, Out, Text
from handlers.core.privately import privately
from handlers.core.trends import scope_here, trending_here
from handlers.discovery import curated, suggest
from handlers.discovery.lists import Entry, ranked, why_popular
from storage import picks, signals
from storage.catalog import catalog_revision, products_by_ids
from storage.search import category_aliases
from storage.text import fold

feature = Feature("discovery")
log = logging.getLogger(__name__)
TOP = 10
ROLL_EVERY = timedelta(minutes=1)
FORGET = "forget"  # forget:<member id>: the confirmation of /forgetme
KEEP = "forgetkeep"  # its Cancel

# What people type for the period, in the six languages (folded).
WEEK = frozenset({"week", "tydzien", "тиждень", "viikko", "minggu"})
MONTH = frozenset({"month", "miesiac", "місяць", "kuukausi", "bulan"})
EVER = frozenset({"all", "ever", "wszystko", "zawsze", "все", "усі", "завжди", "kaikki", "semua"})

WORDS = Param(
    "words",
    ParamKind.TEXT,
    required=False,
    placeholder=N_("category, week|month|all"),
    max_length=120,
)


@feature.command("top", N_("The most popular products here"), params=[WORDS])
async def top(ctx: Context, args: Args) -> Sequence[Out]:
    words = fold(args.get("words") or "").split()
    period = "month"
    if words and words[-1] in WEEK | MONTH | EVER:
        last = words.pop()
        period = "week" if last in WEEK else "month" if last in MONTH else "all"
    category = await _category(ctx, " ".join(words)) if words else ""
    found = await signals.ranked(ctx.session, await scope_here(ctx), period, category, TOP)
    if not found:
        return [
            Text.of(
                ctx.t(
                    N_(
                        "Nothing is popular here yet for that. Ask about products, vote in "
                        "polls and write reviews, and this list fills up."
                    )
                )
            )
        ]
    products = {p.id: p for p in await products_by_ids(ctx.session, [c.product_id for c in found])}
    entries = [
        Entry(products[c.product_id], why_popular(ctx, c, products[c.product_id]))
        for c in found
        if c.product_id in products
    ]
    heading = {
        "week": N_("Most popular here this week"),
        "month": N_("Most popular here this month"),
        "all": N_("Most popular here of all time"),
    }[period]
    title = ctx.t(heading)
    if category and entries:
        title += f" · {entries[0].product.category_in(ctx.i18n.language)}"
    return [ranked(ctx, title, entries)]


@dataclass
class Categories:
    """The catalog's categories by name in every language, per catalog revision (one
    process's cache, `Services.cache`): reading them means reading every product."""

    revision: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)


async def _category(ctx: Context, typed: str) -> str:
    """The catalog's category named by `typed`, in any language it is given in."""
    held, revision = ctx.services.cache(Categories), await catalog_revision(ctx.session)
    if held.revision != revision:
        held.aliases, held.revision = await category_aliases(ctx.session), revision
    aliases = held.aliases
    found = aliases.get(typed) or aliases.get(typed.rstrip("s"))
    if found is None:
        names = sorted(set(aliases.values()))
        raise UserError(
            N_("I know no category {category}. The categories: {categories}."),
            category=typed,
            categories=", ".join(names),
        )
    return found


TRENDING_WHY = Nn_(
    "{n} person took an interest in the last 48 hours",
    "{n} people took an interest in the last 48 hours",
)


@feature.command("trending", N_("What is trending here right now"))
async def trending(ctx: Context, args: Args) -> Sequence[Out]:
    found = await trending_here(ctx)
    if not found:
        return [
            Text.of(ctx.t(N_("Nothing is trending here right now: nothing stands out from usual.")))
        ]
    products = {p.id: p for p in await products_by_ids(ctx.session, [t.product_id for t in found])}
    entries = [
        Entry(products[t.product_id], Text.of(ctx.tn(TRENDING_WHY, t.people)))
        for t in found
        if t.product_id in products
    ]
    return [ranked(ctx, ctx.t(N_("Trending here")), entries)]


@feature.command("foryou", N_("Products picked for you from what you liked"))
async def foryou(ctx: Context, args: Args) -> Sequence[Out]:
    return privately(ctx, await suggest.for_member(ctx))


@feature.command("forgetme", N_("Delete your product history"))
async def forgetme(ctx: Context, args: Args) -> Sequence[Out]:
    member = str(ctx.member.member_id)
    text = ctx.t(
        N_(
            "This deletes your personal history: the products you looked at, asked about, "
            "shared and voted for, and the answers I keep for your follow-up questions. "
            "Suggestions for you start again from nothing.\n\nKept: your orders and your "
            "points (the shops and your balance need them), your published reviews and "
            "your poll votes, which others see and you can change yourself, and the daily "
            "counts behind popular lists, which name nobody."
        )
    )
    rows = (
        (
            Button(ctx.t(N_("Delete my history")), action=encode(FORGET, member)),
            Button(ctx.t(N_("Cancel")), action=encode(KEEP, member)),
        ),
    )
    return privately(ctx, [Buttons(Text.of(text), rows)])


@feature.action(FORGET)
async def forget(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    _own(ctx, args)
    gone = await signals.forget_member(ctx.session, ctx.member.member_id)
    deleted = ctx.tn(
        Nn_(
            "Deleted {n} record of your product history.",
            "Deleted {n} records of your product history.",
        ),
        gone.signals + gone.answers,
    )
    kept = ctx.t(N_("Your orders, points, reviews and poll votes are kept."))
    return privately(ctx, [Text.of(f"{deleted} {kept}")])


@feature.action(KEEP)
async def keep(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    _own(ctx, args)
    return privately(ctx, [Text.of(ctx.t(N_("Nothing was deleted.")))])


def _own(ctx: Context, args: tuple[str, ...]) -> None:
    """Only the member who asked may confirm (a group sees the message too)."""
    if args != (str(ctx.member.member_id),):
        raise UserError(N_("Only the person who asked can answer this."))


@feature.job("rollup", every=ROLL_EVERY)
async def roll_up(services: Services) -> int:
    """Count the new signals into the daily and all-time counts, forget detail older
    than `SIGNAL_DAYS` (the counts keep it), and rank the products again where there
    are new signals (every community once an hour): /top and the trend label read those
    ranks. The ranks are worked out in a read, outside SQLite's write lock, then stored;
    a process that dies in between leaves them due for the next run. Returns how many
    communities were ranked."""
    now = services.clock()
    async with services.db.session() as session:
        await signals.roll_up(session, now)
        gone = await signals.forget_detail_before(
            session, now - timedelta(days=signals.SIGNAL_DAYS)
        )
    if gone:
        log.info("signals: %d detail row(s) past %d days forgotten", gone, signals.SIGNAL_DAYS)
    async with services.db.read() as session:
        due = await signals.due_scopes(session, now)
        ranks = {
            scope: await signals.compute_ranks(session, chats, now)
            for scope, chats in due.scopes.items()
        }
    if ranks or due.hourly:
        async with services.db.session() as session:
            await signals.store_ranks(session, ranks, now, due)
    return len(ranks)


@feature.on_merge
async def merge(session: AsyncSession, keep_id: int, drop_id: int) -> None:
    await signals.move_to(session, keep_id, drop_id)
    await picks.move_to(session, keep_id, drop_id)


feature.command(
    "picks", N_("Pick lists of this community"), params=[curated.NAME], scope=Scope.GROUP
)(curated.show)
feature.command(
    "addpick",
    N_("Put a product on a pick list"),
    params=[curated.SKU, curated.LIST],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)(curated.add)
feature.command(
    "droppick",
    N_("Take a product off a pick list"),
    params=[curated.SKU, curated.LIST],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)(curated.drop)
feature.action(curated.VOTE)(curated.vote)
