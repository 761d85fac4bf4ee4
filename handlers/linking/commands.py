"""Linking with one-time codes.

Moderators join chats (on any platform) into one community with /link, so a poll can
run in all of them with one tally. Members join their own accounts with /linkme in
private, so points, votes and roles follow the person. Codes expire after 10 minutes,
work once, and wrong guesses are rate-limited.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from handlers.core.args import Param, ParamKind
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Role, Scope
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Out, Text, code
from storage import linking
from storage.linking import CodeRecord

feature = Feature("linking")
CODE = Param("code", ParamKind.WORD, required=False, placeholder=N_("code"), max_length=32)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread
CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ACTIVE_CODES = 3
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
CHAT, ACCOUNT = "chat", "account"


@feature.command(
    "link",
    N_("Link this chat with another into one community"),
    params=[CODE],
    role=Role.MODERATOR,
    scope=Scope.GROUP,
)
async def link_chat(ctx: Context, args: Args) -> Sequence[Out]:
    if "code" not in args:
        issued = await _issue(ctx, CHAT, ctx.chat_id)
        return [
            ctx.rich(
                N_(
                    "Link code for this chat: {code}. Within 10 minutes, a moderator "
                    "sends /link {code} in the other chat (Telegram or Discord)."
                ),
                code=code(issued),
            )
        ]
    found = await _redeem(ctx, CHAT, args["code"])
    if isinstance(found, Text):
        return [found]
    assert found.chat_id is not None
    if found.chat_id == ctx.chat_id:
        return [Text.of(ctx.t(N_("That code was made in this chat: use it in the other chat.")))]
    here = await linking.chat(ctx.session, ctx.chat_id)
    there = await linking.chat(ctx.session, found.chat_id)
    if here.community_id is not None and here.community_id == there.community_id:
        return [Text.of(ctx.t(N_("These chats are already linked.")))]
    community_id = await linking.join_communities(ctx.session, found.chat_id, ctx.chat_id)
    chats = await linking.community_chats(ctx.session, community_id)
    names = ", ".join(f"{c.title or c.platform_chat_id} ({c.platform})" for c in chats)
    return [ctx.rich(N_("Linked. This community now has these chats: {chats}"), chats=names)]


@feature.command(
    "unlink", N_("Take this chat out of its community"), role=Role.MODERATOR, scope=Scope.GROUP
)
async def unlink_chat(ctx: Context, args: Args) -> Sequence[Out]:
    if not await linking.leave_community(ctx.session, ctx.chat_id):
        return [Text.of(ctx.t(N_("This chat is not linked to other chats.")))]
    return [Text.of(ctx.t(N_("This chat has left its community.")))]


@feature.command(
    "linkme", N_("Link your accounts on different platforms"), params=[CODE], scope=Scope.DM
)
async def link_account(ctx: Context, args: Args) -> Sequence[Out]:
    if "code" not in args:
        issued = await _issue(ctx, ACCOUNT, None)
        return [
            ctx.rich(
                N_(
                    "Your link code: {code}. Within 10 minutes, send /linkme {code} "
                    "to me from your other account (Telegram or Discord)."
                ),
                code=code(issued),
            )
        ]
    found = await _redeem(ctx, ACCOUNT, args["code"])
    if isinstance(found, Text):
        return [found]
    if found.member_id == ctx.member.member_id:
        return [Text.of(ctx.t(N_("These accounts are already linked.")))]
    keep_id, drop_id = found.member_id, ctx.member.member_id
    for hook in ctx.services.merge_hooks:  # votes, and later points, follow the person
        await hook(ctx.session, keep_id, drop_id)
    await linking.merge_members(ctx.session, keep_id=keep_id, drop_id=drop_id)
    platforms = ", ".join(await linking.account_platforms(ctx.session, found.member_id))
    return [
        ctx.rich(
            N_("Linked: your accounts ({platforms}) now count as one person."), platforms=platforms
        )
    ]


@feature.command("unlinkme", N_("Separate this account from your other accounts"), scope=Scope.DM)
async def unlink_account(ctx: Context, args: Args) -> Sequence[Out]:
    actor = ctx.event.actor
    if not await linking.split_account(ctx.session, actor.platform, actor.id):
        return [Text.of(ctx.t(N_("This account is not linked to another one.")))]
    return [Text.of(ctx.t(N_("Done: this account now stands on its own.")))]


async def _issue(ctx: Context, purpose: str, chat_id: int | None) -> str:
    now = ctx.now()
    if await linking.active_codes(ctx.session, ctx.member.member_id, purpose, now) >= (
        MAX_ACTIVE_CODES
    ):
        raise UserError(
            Nn_(
                "You already have {n} unused code. Use it, or wait until it expires.",
                "You already have {n} unused codes. Use one, or wait until they expire.",
            ),
            n=MAX_ACTIVE_CODES,
        )
    issued = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    await linking.add_code(
        ctx.session, issued, purpose, ctx.member.member_id, chat_id, now, CODE_LIFETIME
    )
    return issued


async def _redeem(ctx: Context, purpose: str, typed: str) -> CodeRecord | Text:
    """The code's record, used up; or the reply explaining why not. Failures are kept
    (not rolled back like a UserError would be) so guessing stays rate-limited.

    The member's tries take turns (a row lock), so guesses sent at once, through any
    number of processes, are counted one after another. A success does not wipe the
    failures: the limit lifts only as they age out of the window, else a guesser could
    reset it with codes of their own."""
    now = ctx.now()
    member_id = ctx.member.member_id
    await linking.lock_member(ctx.session, member_id)
    if await linking.failures_since(ctx.session, member_id, now - FAILURE_WINDOW) >= MAX_FAILURES:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        wait = Nn_(
            "Too many wrong codes. Try again in {n} minute.",
            "Too many wrong codes. Try again in {n} minutes.",
        )
        return Text.of(ctx.tn(wait, minutes))
    wanted = "".join(ch for ch in typed.upper() if ch.isalnum())
    found = await linking.redeem(ctx.session, wanted, purpose, now)
    await linking.record_attempt(ctx.session, member_id, found is not None, now)
    if found is not None:
        return found
    known = await linking.find_code(ctx.session, wanted, purpose)
    if known is None:
        return Text.of(ctx.t(N_("I don't know that code. Check it and try again.")))
    if known.used_at is not None:
        return Text.of(ctx.t(N_("That code has already been used. Ask for a new one.")))
    return Text.of(ctx.t(N_("That code has expired. Ask for a new one.")))
