"""`/vendor`: a community's moderators make a member a vendor there (who may then post
promotions in its chats, each approved by them unless they trust the vendor), or take
it back; on its own it lists the community's vendors."""

from __future__ import annotations

from handlers.core.args import Param, ParamKind
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Args
from handlers.core.i18n import N_
from handlers.core.model import Out, Span, Text, bold
from storage import linking, vendors
from storage.identity import member_name
from storage.numbering import scope_of

ACTIONS = ("add", "trust", "remove")
ACTION = Param(
    "action",
    ParamKind.CHOICE,
    required=False,
    choices=ACTIONS,
    placeholder=N_("add, trust or remove"),
)
WHO = Param("member", ParamKind.MEMBER, required=False, placeholder=N_("@member"))
NAME = Param("name", ParamKind.TEXT, required=False, placeholder=N_("vendor name"), max_length=128)
PARAMS = [ACTION, WHO, NAME]


async def vendor(ctx: Context, args: Args) -> list[Out]:
    scope = scope_of(await linking.chat(ctx.session, ctx.chat_id))
    action = args.get("action")
    if action is None:
        return [_listing(ctx, await vendors.granted_here(ctx.session, scope))]
    handle = args.get("member")
    if handle is None:
        raise UserError(N_("Name the member: /vendor add @member [vendor name]"))
    member_id = await vendors.member_by_handle(ctx.session, ctx.event.platform, handle)
    if member_id is None:
        raise UserError(
            N_("I don't know {member} yet: they need to write to me or in this chat first."),
            member=handle[:40],
        )
    name = args.get("name") or await member_name(ctx.session, member_id)
    if action == "remove":
        found = await vendors.vendor_of(ctx.session, member_id)
        if found is None or not await vendors.revoke(ctx.session, scope, found.id):
            raise UserError(N_("{name} is not a vendor here."), name=name)
        return [ctx.rich(N_("{name} is no longer a vendor here."), name=bold(found.name))]
    try:
        made = await vendors.become(ctx.session, member_id, name)
    except vendors.NameTaken:
        raise UserError(N_("Another member already sells as {name}."), name=name) from None
    trusted = action == "trust"
    await vendors.grant(ctx.session, scope, made.id, trusted, ctx.member.member_id, ctx.now())
    said = (
        N_("{name} is a trusted vendor here: their promotions are posted without approval.")
        if trusted
        else N_("{name} is a vendor here: moderators approve each of their promotions (/promos).")
    )
    return [ctx.rich(said, name=bold(made.name))]


def _listing(ctx: Context, found: list[vendors.Granted]) -> Text:
    if not found:
        return Text.of(ctx.t(N_("No vendors here yet. Add one: /vendor add @member")))
    parts: list[str | Span] = [bold(ctx.t(N_("Vendors here:")))]
    for entry in found:
        parts += ["\n• ", entry.name]
        if entry.member_name and entry.member_name != entry.name:
            parts.append(f" ({entry.member_name})")
        if entry.trusted:
            parts.append(" — " + ctx.t(N_("trusted")))
    return Text.of(*parts)
