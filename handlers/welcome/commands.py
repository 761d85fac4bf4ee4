"""Welcome messages for newcomers, per community, off until a moderator sets one.

Each person is welcomed once per community (linked accounts are one person), and a
burst of joins, say a raid, gets one message a minute per chat naming the newcomers,
not one message each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.core.args import Param, ParamKind
from handlers.core.chats import chat_ref
from handlers.core.context import Context, Services, speaking_for
from handlers.core.features import Args, Feature, Role, Scope
from handlers.core.i18n import N_, I18n
from handlers.core.model import ChatKind, Out, Text, bold
from storage import linking, numbering, welcome

feature = Feature("welcome")
WELCOME_JOB = "welcome.post"
GAP = timedelta(minutes=1)  # at most one welcome a minute per chat
NAMED = 3  # newcomers named in one message; the rest are counted
TEXT = Param(
    "text", ParamKind.TEXT, required=False, placeholder=N_("text, or off"), max_length=1000
)


@feature.command(
    "welcome",
    N_("Set the message newcomers get: /welcome text, or /welcome off"),
    params=[TEXT],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)
async def set_welcome(ctx: Context, args: Args) -> Sequence[Out]:
    scope = numbering.scope_of(await linking.chat(ctx.session, ctx.chat_id))
    text = args.get("text")
    if text is None:
        current = await welcome.text_of(ctx.session, scope)
        if current is None:
            return [Text.of(ctx.t(N_("There is no welcome message. Set one: /welcome text")))]
        return [ctx.rich(N_("Newcomers are welcomed with: {text}"), text=current)]
    if text.casefold() == "off":
        await welcome.set_text(ctx.session, scope, None, ctx.member.member_id, ctx.now())
        return [Text.of(ctx.t(N_("Newcomers will not be welcomed any more.")))]
    await welcome.set_text(ctx.session, scope, text, ctx.member.member_id, ctx.now())
    return [ctx.rich(N_("Newcomers will be welcomed with: {text}"), text=text)]


@feature.join
async def greet(ctx: Context) -> Sequence[Out]:
    """Note the newcomer; the message goes out from the job, one per burst."""
    if ctx.event.chat.kind is ChatKind.DM:
        return []
    scope = numbering.scope_of(await linking.chat(ctx.session, ctx.chat_id))
    if await welcome.text_of(ctx.session, scope) is None:
        return []
    if not await welcome.first_time(ctx.session, scope, ctx.member.member_id):
        return []
    name = ctx.event.actor.display_name
    due = await welcome.wait_for_welcome(
        ctx.session, ctx.chat_id, ctx.member.member_id, name, ctx.now(), GAP
    )
    ctx.wake(WELCOME_JOB, due)
    return []


async def _due(services: Services) -> list[datetime]:
    async with services.db.read() as session:
        return await welcome.due_times(session, GAP)


@feature.job("post", due=_due)
async def post_welcomes(services: Services) -> int:
    """Welcome each chat's newcomers whose chat's minute has passed; returns messages."""
    async with services.db.read() as session:
        chats = await welcome.waiting_chats(session)
    posted = 0
    for chat_id in chats:
        async with services.db.session() as session:
            newcomers = await welcome.take_newcomers(session, chat_id, services.clock(), GAP)
            if newcomers is None:
                continue
            chat = await linking.chat(session, chat_id)
            found = await welcome.setting_of(session, numbering.scope_of(chat))
            if found is None:  # switched off meanwhile
                continue
            i18n = await speaking_for(session, services, found.set_by)
        message = greeting(newcomers.names, i18n) + Text.of("\n\n" + found.text)
        key = f"welcome:{chat_id}:{services.clock().isoformat()}"
        await services.post(chat_ref(chat), [message], key=key)
        posted += 1
    return posted


def greeting(names: Sequence[str], i18n: I18n) -> Text:
    """ "Welcome, Ann!", "Welcome, Ann, Bo and Cy!", "Welcome, Ann, Bo, Cy and 47 others!\""""
    if len(names) == 1:
        return i18n.rich(N_("Welcome, {name}!"), name=bold(names[0]))
    if len(names) <= NAMED:
        return i18n.rich(
            N_("Welcome, {names} and {last}!"),
            names=bold(", ".join(names[:-1])),
            last=bold(names[-1]),
        )
    return i18n.rich_n(
        "Welcome, {names} and {n} other newcomer!",
        "Welcome, {names} and {n} other newcomers!",
        len(names) - NAMED,
        names=bold(", ".join(names[:NAMED])),
    )


feature.on_merge(welcome.move_seen)
