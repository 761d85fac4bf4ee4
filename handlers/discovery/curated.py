"""Pick lists moderators curate (`/addpick`, `/droppick`) and members vote up
(`/picks`): Shoposphere's lists of favourites, kept per community."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.actions import DETAILS, encode
from handlers.core.args import Param, ParamKind
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Args
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Button, Buttons, Ephemeral, Out, Span, Text, bold
from storage import linking, picks
from storage.catalog import ProductRecord, product_by_sku, products_by_ids
from storage.numbering import scope_of
from storage.picks import PickListRecord

VOTE = "pickvote"  # pickvote:<list id>:<product id>
MOST = 10
PER_ROW = 5
NAME = Param("name", ParamKind.TEXT, required=False, placeholder=N_("list name"), max_length=80)
LIST = Param("name", ParamKind.TEXT, placeholder=N_("list name"), max_length=80)
SKU = Param("sku", ParamKind.WORD, placeholder=N_("SKU"), max_length=64, completion="product")
VOTES = Nn_("{n} vote", "{n} votes")


async def _scope(ctx: Context) -> str:
    return scope_of(await linking.chat(ctx.session, ctx.chat_id))


async def show(ctx: Context, args: Args) -> Sequence[Out]:
    """/picks: the community's lists, or one of them with its vote buttons."""
    scope = await _scope(ctx)
    name = (args.get("name") or "").strip()
    if not name:
        found = await picks.lists(ctx.session, scope)
        if not found:
            return [
                Text.of(
                    ctx.t(
                        N_("There are no pick lists here yet. Moderators make them with /addpick.")
                    )
                )
            ]
        parts: list[str | Span] = [bold(ctx.t(N_("Pick lists here:")))]
        for each in found:
            parts += ["\n• ", bold(each.name), f" ({each.items})"]
        parts += ["\n\n", ctx.t(N_("/picks and a list's name shows it."))]
        return [Text.of(*parts)]
    record = await picks.named(ctx.session, scope, name)
    if record is None:
        raise UserError(N_("There is no pick list called {name} here."), name=name)
    return [await _listing(ctx, record)]


async def _listing(ctx: Context, record: PickListRecord) -> Buttons:
    held = (await picks.picks(ctx.session, record.id))[:MOST]
    products = {p.id: p for p in await products_by_ids(ctx.session, [h.product_id for h in held])}
    shown = [(products[h.product_id], h.votes) for h in held if h.product_id in products]
    language = ctx.i18n.language
    parts: list[str | Span] = [bold(record.name)]
    for place, (product, votes) in enumerate(shown, start=1):
        parts += [f"\n{place}. ", bold(product.name_in(language)), " — " + ctx.tn(VOTES, votes)]
    parts += ["\n\n", ctx.t(N_("A number opens the product; 👍 votes it up."))]
    details = [
        Button(str(n), action=encode(DETAILS, p.sku)) for n, (p, _) in enumerate(shown, start=1)
    ]
    ups = [
        Button(f"👍 {n}", action=encode(VOTE, str(record.id), str(p.id)))
        for n, (p, _) in enumerate(shown, start=1)
    ]
    rows = [
        tuple(row[i : i + PER_ROW]) for row in (details, ups) for i in range(0, len(row), PER_ROW)
    ]
    return Buttons(Text.of(*parts), tuple(rows))


async def add(ctx: Context, args: Args) -> Sequence[Out]:
    """/addpick SKU list name: a moderator puts a product on a list (made if new)."""
    product = await _product(ctx, args["sku"])
    name = " ".join(args["name"].split())
    scope = await _scope(ctx)
    added = await picks.add(ctx.session, scope, name, product.id, ctx.member.member_id, ctx.now())
    message = (
        N_("{product} is on the pick list {name}.")
        if added
        else N_("{product} was already on the pick list {name}.")
    )
    return [ctx.rich(message, product=bold(product.name), name=bold(name))]


async def drop(ctx: Context, args: Args) -> Sequence[Out]:
    """/droppick SKU list name: a moderator takes a product off a list."""
    product = await _product(ctx, args["sku"])
    name = " ".join(args["name"].split())
    record = await picks.named(ctx.session, await _scope(ctx), name)
    if record is None or not await picks.remove(ctx.session, record.id, product.id):
        raise UserError(
            N_("{product} is not on a pick list called {name} here."),
            product=product.name,
            name=name,
        )
    return [
        ctx.rich(
            N_("{product} is off the pick list {name}."),
            product=bold(product.name),
            name=bold(record.name),
        )
    ]


async def vote(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    """👍 on a pick: once per member; only in the list's own community."""
    if len(args) != 2 or not all(a.isdigit() and len(a) <= 9 for a in args):
        raise UserError(N_("That button no longer works. Please ask again."))
    list_id, product_id = int(args[0]), int(args[1])
    record = await picks.by_id(ctx.session, await _scope(ctx), list_id)
    held = {p.product_id for p in await picks.picks(ctx.session, list_id)} if record else set()
    if record is None or product_id not in held:
        raise UserError(N_("That pick is no longer on the list."))
    if not await picks.vote_up(ctx.session, list_id, product_id, ctx.member.member_id):
        return [Ephemeral(Text.of(ctx.t(N_("You have voted for it already."))))]
    return [Ephemeral(Text.of(ctx.t(N_("Thanks, your vote counts."))))]


async def _product(ctx: Context, sku: str) -> ProductRecord:
    found = await product_by_sku(ctx.session, sku.strip())
    if found is None:
        raise UserError(N_("There is no product with SKU {sku}."), sku=sku)
    return found
