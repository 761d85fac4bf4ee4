"""/poll with nothing after it: the poll made step by step, for those who do not know
the one-line form. Question, options, how long, one or several choices, results while
it runs or at the end, where (when the chat is linked), a preview, then post it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.core.context import Context
from handlers.core.conversations import Answer, Ask, Flow, Next, Typed
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.model import Span, Text, bold
from handlers.polls.posting import post_poll
from handlers.polls.spec import (
    MAX_OPTIONS,
    OPTION_LIMIT,
    QUESTION_LIMIT,
    PollDraft,
    check_options,
    check_question,
    parse_deadline,
)
from storage import linking

QUESTION, OPTIONS, DEADLINE, CHOICE, RESULTS, WHERE, CONFIRM = (
    "question",
    "options",
    "deadline",
    "choice",
    "results",
    "where",
    "confirm",
)
PRESS = N_("Please press one of the buttons.")
Choices = tuple[tuple[tuple[str, str], ...], ...]


async def ask(ctx: Context, step: str, data: dict[str, Any]) -> Ask:
    t = ctx.t
    match step:
        case "question":
            question = Typed(t(N_("New poll")), t(N_("Question")), max_length=QUESTION_LIMIT)
            asked = N_("What should the poll ask? (at most 300 characters)")
            return Ask(Text.of(t(asked)), typed=question)
        case "options":
            prompt = N_(
                "Now the options, one per line (2 to 10). A product's SKU in "
                "brackets shows its picture, e.g. Olive [BAG-001]."
            )
            form = Typed(
                t(N_("New poll")),
                t(N_("Options, one per line")),
                multiline=True,
                max_length=MAX_OPTIONS * (OPTION_LIMIT + len(" [SKU-0000]\n")),
                placeholder=t(N_("Sand\nOlive [BAG-001]")),
            )
            return Ask(Text.of(t(prompt)), typed=form)
        case "deadline":
            prompt = N_("How long should it run? Press one, or type 30m, 2h, 3d or a date.")
            choices: Choices = (
                ((t(N_("1 hour")), "1h"), (t(N_("1 day")), "1d")),
                ((t(N_("3 days")), "3d"), (t(N_("1 week")), "7d")),
            )
            return Ask(Text.of(t(prompt)), choices)
        case "choice":
            prompt = N_("May people pick one option, or several?")
            return Ask(
                Text.of(t(prompt)), (((t(N_("One")), "one"), (t(N_("Several")), "several")),)
            )
        case "results":
            prompt = N_("Show the results while it runs, or only once it closes?")
            choices = (((t(N_("While it runs")), "open"), (t(N_("Once it closes")), "hidden")),)
            return Ask(Text.of(t(prompt)), choices)
        case "where":
            prompt = N_("Post it in this chat only, or in every linked chat?")
            choices = (((t(N_("This chat")), "here"), (t(N_("Every linked chat")), "everywhere")),)
            return Ask(Text.of(t(prompt)), choices)
    return Ask(_preview(ctx, data), (((t(N_("Post it")), "post"), (t(N_("Cancel")), "cancel")),))


async def answer(ctx: Context, step: str, data: dict[str, Any], given: Answer) -> Next:
    match step:
        case "question":
            return Next(OPTIONS, {**data, "question": check_question(_typed(given))})
        case "options":
            lines = [line.strip() for line in _typed(given).splitlines() if line.strip()]
            if len(lines) == 1 and "|" in lines[0]:  # the one-line habit
                lines = [part.strip() for part in lines[0].split("|")]
            check_options(lines)
            return Next(DEADLINE, {**data, "options": lines})
        case "deadline":
            when = parse_deadline(given.choice or _typed(given), ctx.now())
            return Next(CHOICE, {**data, "closes_at": when.isoformat()})
        case "choice":
            return Next(RESULTS, {**data, "multiple": _pressed(given, "one", "several")})
        case "results":
            hidden = _pressed(given, "open", "hidden")
            here = await linking.chat(ctx.session, ctx.chat_id)
            following = WHERE if here.community_id is not None else CONFIRM
            return Next(following, {**data, "hidden": hidden, "everywhere": False})
        case "where":
            return Next(CONFIRM, {**data, "everywhere": _pressed(given, "here", "everywhere")})
    if _pressed(given, "cancel", "post"):
        return await _post(ctx, data)
    return Next(None, outs=[Text.of(ctx.t(N_("Cancelled. Nothing was posted.")))])


async def _post(ctx: Context, data: dict[str, Any]) -> Next:
    closes_at = datetime.fromisoformat(data["closes_at"])
    if closes_at <= ctx.now():
        late = Text.of(ctx.t(N_("That deadline has passed meanwhile: choose it again.")))
        return Next(DEADLINE, data, outs=[late])
    draft = PollDraft(
        data["question"],
        check_options(data["options"]),
        closes_at,
        data["multiple"],
        data["hidden"],
        data["everywhere"],
    )
    return Next(None, outs=await post_poll(ctx, draft))


def _typed(given: Answer) -> str:
    if given.choice is not None or not given.text.strip():
        raise UserError(N_("Please type your answer."))
    return given.text


def _pressed(given: Answer, no: str, yes: str) -> bool:
    """Which of two buttons was pressed (False for `no`)."""
    if given.choice not in (no, yes):
        raise UserError(PRESS)
    return given.choice == yes


def _preview(ctx: Context, data: dict[str, Any]) -> Text:
    closes_at = datetime.fromisoformat(data["closes_at"])
    lines: list[str | Span] = [ctx.t(N_("Here is your poll:")), "\n\n", bold(data["question"])]
    lines += [f"\n{n}. {option}" for n, option in enumerate(data["options"], start=1)]
    details = [
        ctx.t(N_("several choices") if data["multiple"] else N_("one choice")),
        ctx.t(N_("results once it closes") if data["hidden"] else N_("results while it runs")),
        ctx.t(N_("every linked chat") if data["everywhere"] else N_("this chat")),
        ctx.t(N_("until {deadline}"), deadline=ctx.i18n.moment(closes_at)),
    ]
    lines.append("\n\n" + " · ".join(details))
    return Text.of(*lines)


FLOW = Flow("polls.create", QUESTION, ask, answer)
