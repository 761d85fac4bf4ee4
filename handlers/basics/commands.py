"""/start, /help, /language and /cancel: the first things anyone sends a bot, and the
way out of a guided conversation."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.actions import encode
from handlers.core.args import Param, ParamKind, usage
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Args, Feature, Scope
from handlers.core.i18n import N_, I18n, available_languages, language_name
from handlers.core.model import Button, Buttons, ChatKind, Out, Text, bold, code
from handlers.core.router import CANCEL_COMMAND, visible_commands
from storage import conversations, preferences
from storage.identity import set_member_locale

feature = Feature("basics")
LANGUAGE_ACTION = "lang"  # a language's button under /language: lang:<code>
PREFERENCE_ACTION = "pref"  # a /settings choice: pref:<key>:<on|off>
# Deep-link payload (Telegram `/start <payload>`); accepted so such links never error.
PAYLOAD = Param(
    "payload", ParamKind.WORD, required=False, placeholder=N_("start code"), max_length=64
)
LANGUAGE = Param("language", ParamKind.WORD, required=False, placeholder=N_("language code"))


@feature.command("start", N_("Say hello and see what I can do"), params=[PAYLOAD])
async def start(ctx: Context, args: Args) -> Sequence[Out]:
    greeting = ctx.rich(
        N_("Hi {name}! I'm the shop assistant of this community."),
        name=bold(ctx.member.display_name),
    )
    hint = ctx.t(
        N_(
            'Ask me about products in your own words, e.g. "linen shirt in blue, size M" '
            'or "anything waterproof under 80 EUR". Send /help for all commands.'
        )
    )
    return [greeting + Text.of("\n" + hint)]


@feature.command("help", N_("List the commands"))
async def help_(ctx: Context, args: Args) -> Sequence[Out]:
    lines = [Text.of(bold(ctx.t(N_("What I can do:"))))]
    for command in visible_commands(ctx.commands, ctx.roles):
        syntax = usage(command.name, command.params, ctx.t)
        lines.append(Text.of("\n", code(syntax), " — " + ctx.t(command.summary)))
    lines.append(Text.of("\n" + ctx.t(N_("You can also just ask a question about a product."))))
    return [Text(tuple(span for line in lines for span in line.spans))]


@feature.command("language", N_("Choose the language I answer you in"), params=[LANGUAGE])
async def language(ctx: Context, args: Args) -> Sequence[Out]:
    choices = available_languages()
    wanted = args.get("language")
    if wanted is None:
        prompt = Text.of(ctx.t(N_("Which language should I answer you in?")))
        buttons = [
            Button(language_name(code_), action=encode(LANGUAGE_ACTION, code_)) for code_ in choices
        ]
        return [
            Buttons(prompt, tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)))
        ]
    return await _choose(ctx, wanted)


@feature.action(LANGUAGE_ACTION)
async def language_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    return await _choose(ctx, args[0] if args else "")


async def _choose(ctx: Context, wanted: str) -> list[Out]:
    choices = available_languages()
    wanted = wanted.lower().replace("_", "-").split("-")[0]
    if wanted not in choices:
        listing = ", ".join(f"{code_} ({language_name(code_)})" for code_ in choices)
        raise UserError(
            N_("I don't speak that language yet. I speak: {languages}."), languages=listing
        )
    await set_member_locale(ctx.session, ctx.member.member_id, wanted)
    ctx.i18n = I18n(wanted)
    done = ctx.t(N_("Done: I'll answer you in {language}."), language=language_name(wanted))
    return [Text.of(done)]


@feature.command(CANCEL_COMMAND, N_("Stop what we were doing step by step"))
async def cancel(ctx: Context, args: Args) -> Sequence[Out]:
    member = ctx.member.member_id
    ended = await conversations.end(ctx.session, member, ctx.chat_id)
    if ctx.event.chat.kind is ChatKind.DM:  # also one begun in a group for this chat
        ended = await conversations.end_private(ctx.session, member, ctx.event.platform) or ended
    if ended:
        return [Text.of(ctx.t(N_("Cancelled. Nothing was saved.")))]
    return [Text.of(ctx.t(N_("There is nothing to cancel.")))]


@feature.command("settings", N_("Your choices: who may ask you, the leaderboard"), scope=Scope.DM)
async def settings(ctx: Context, args: Args) -> Sequence[Out]:
    return [await _settings(ctx)]


@feature.action(PREFERENCE_ACTION)
async def preference_pressed(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    keys = {p.key for p in ctx.preferences}
    if len(args) != 2 or args[0] not in keys or args[1] not in ("on", "off"):
        raise UserError(N_("That button no longer works. Please ask again."))
    await preferences.choose(ctx.session, ctx.member.member_id, args[0], args[1] == "on")
    return [await _settings(ctx)]


async def _settings(ctx: Context) -> Buttons:
    """Each feature's choice, what it means now, and the button that changes it."""
    chosen = await preferences.chosen(ctx.session, ctx.member.member_id)
    lines, rows = [], []
    for choice in ctx.preferences:
        on = chosen.get(choice.key, False)
        lines.append(ctx.t(choice.when_on if on else choice.when_off))
        label = ctx.t(choice.turn_off if on else choice.turn_on)
        rows.append(
            (Button(label, action=encode(PREFERENCE_ACTION, choice.key, "off" if on else "on")),)
        )
    return Buttons(Text.of("\n\n".join(lines)), tuple(rows))


feature.on_merge(conversations.move_to)
