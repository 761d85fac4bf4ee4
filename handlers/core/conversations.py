"""Guided conversations: a feature asks one thing at a time (type a text, press a
choice, send photos), and the person answers in their own time.

The state is a database row per member and chat (storage/conversations.py) with an
expiry, so a restart in the middle loses nothing. `/cancel` ends it; any other command
simply ends the old conversation first. A step is shown as `Buttons` whose presses
come back as `conv:<value>` actions, as a `Form` where the answer is typed (a Discord
modal; its answer comes back as the `convform` action), or as `Text`. Typed answers
may also come as messages; in groups they must be addressed to the bot as anything
else (a reply to its question, or a mention), since bots in groups see only those.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from handlers.core.actions import encode
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.model import Attachment, Button, Buttons, ChatKind, Direct, Form, Out, Text
from storage import conversations
from storage.conversations import ConversationRecord

if TYPE_CHECKING:
    from handlers.core.context import Context

ACTION = "conv"  # button tokens: conv:<value>
FORM = "convform"  # a typed answer from a form; without one, "open the form again"
LIFETIME = timedelta(minutes=30)  # of silence, before a conversation is forgotten


@dataclass(frozen=True)
class Answer:
    """What the person sent for a step: text, a pressed choice's value, photos."""

    text: str = ""
    choice: str | None = None
    photos: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Typed:
    """A step answered by typing, as a form where the platform has them: its title and
    field label (short: Discord allows 45 characters), one line or several."""

    title: str
    label: str
    multiline: bool = False
    max_length: int = 4000
    placeholder: str = ""


@dataclass(frozen=True)
class Ask:
    """One step's question, and either the choices to press, (label, value) rows, or
    the form to type the answer in."""

    prompt: Text
    choices: tuple[tuple[tuple[str, str], ...], ...] = ()
    typed: Typed | None = None


@dataclass(frozen=True)
class Next:
    """Where an answer leads: the next step with the answers so far, or the end (step
    None) with the flow's final replies. `outs` are shown before the next question."""

    step: str | None
    data: dict[str, Any] = field(default_factory=dict)
    outs: Sequence[Out] = ()


AskStep = Callable[["Context", str, dict[str, Any]], Awaitable[Ask]]
AnswerStep = Callable[["Context", str, dict[str, Any], Answer], Awaitable[Next]]


@dataclass(frozen=True)
class Flow:
    """A guided conversation: its steps are named by `ask` and `answer`. `answer` raises
    UserError for an answer it cannot take; the step is then asked again."""

    name: str
    first: str
    ask: AskStep
    answer: AnswerStep


async def start(
    ctx: Context, flow: Flow, data: dict[str, Any] | None = None, private: bool = False
) -> list[Out]:
    """Begin `flow` for the person in this chat (ending any other) and ask its first step.
    `private` from a group: it goes on in their private chat with the bot, where the
    question is sent (`Direct`); their first private message takes it up."""
    record = ConversationRecord(flow.name, flow.first, dict(data or {}))
    private = private and ctx.event.chat.kind is not ChatKind.DM
    await _save(ctx, record, private)
    question = _render(ctx, await flow.ask(ctx, record.step, record.data))
    return [Direct(question) if private else question]


async def ask_again(ctx: Context, flow: Flow, record: ConversationRecord) -> list[Out]:
    """The current step's question once more (a form's button opens the form)."""
    return [_render(ctx, await flow.ask(ctx, record.step, record.data))]


async def proceed(
    ctx: Context, flow: Flow, record: ConversationRecord, answer: Answer
) -> list[Out]:
    """Take the answer to the current step: move on, finish, or ask again."""
    try:
        went = await flow.answer(ctx, record.step, dict(record.data), answer)
    except UserError as refused:
        again = await flow.ask(ctx, record.step, record.data)
        return [Text.of(refused.text(ctx.i18n)), _render(ctx, again)]
    if went.step is None:
        await conversations.end(ctx.session, ctx.member.member_id, ctx.chat_id)
        return list(went.outs)
    await _save(ctx, ConversationRecord(flow.name, went.step, went.data))
    return [*went.outs, _render(ctx, await flow.ask(ctx, went.step, went.data))]


async def _save(ctx: Context, record: ConversationRecord, private: bool = False) -> None:
    expires = ctx.now() + LIFETIME
    await conversations.save(
        ctx.session, ctx.member.member_id, ctx.chat_id, record, expires, private
    )


def _render(ctx: Context, ask: Ask) -> Text | Buttons | Form:
    if ask.typed is not None:
        typed = ask.typed
        return Form(
            ask.prompt,
            typed.title,
            typed.label,
            encode(FORM),
            ctx.t(N_("Type your answer")),
            typed.multiline,
            typed.max_length,
            typed.placeholder,
        )
    if not ask.choices:
        return ask.prompt
    rows = tuple(
        tuple(Button(label, action=encode(ACTION, value)) for label, value in row)
        for row in ask.choices
    )
    return Buttons(ask.prompt, rows)
