"""Guided conversations: a feature asks one thing at a time (type a text, press a
choice, send photos), and the person answers in their own time.

The state is a database row per member and chat (storage/conversations.py) with an
expiry, so a restart in the middle loses nothing. `/cancel` ends it; any other command
simply ends the old conversation first. Adapters need nothing special: a step is a
`Text`, or `Buttons` whose presses come back as `conv:<value>` actions. In groups,
answers must be addressed to the bot as anything else (a reply to its question, or a
mention), since bots in groups see only those.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from handlers.core.actions import encode
from handlers.core.errors import UserError
from handlers.core.model import Attachment, Button, Buttons, Out, Text
from storage import conversations
from storage.conversations import ConversationRecord

if TYPE_CHECKING:
    from handlers.core.context import Context

ACTION = "conv"  # button tokens: conv:<value>
LIFETIME = timedelta(minutes=30)  # of silence, before a conversation is forgotten


@dataclass(frozen=True)
class Answer:
    """What the person sent for a step: text, a pressed choice's value, photos."""

    text: str = ""
    choice: str | None = None
    photos: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Ask:
    """One step's question, and the choices to press: (label, value) rows."""

    prompt: Text
    choices: tuple[tuple[tuple[str, str], ...], ...] = ()


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


async def start(ctx: Context, flow: Flow, data: dict[str, Any] | None = None) -> list[Out]:
    """Begin `flow` for the person in this chat (ending any other) and ask its first step."""
    record = ConversationRecord(flow.name, flow.first, dict(data or {}))
    await _save(ctx, record)
    return [_render(await flow.ask(ctx, record.step, record.data))]


async def proceed(
    ctx: Context, flow: Flow, record: ConversationRecord, answer: Answer
) -> list[Out]:
    """Take the answer to the current step: move on, finish, or ask again."""
    try:
        went = await flow.answer(ctx, record.step, dict(record.data), answer)
    except UserError as refused:
        again = await flow.ask(ctx, record.step, record.data)
        return [Text.of(refused.text(ctx.i18n)), _render(again)]
    if went.step is None:
        await conversations.end(ctx.session, ctx.member.member_id, ctx.chat_id)
        return list(went.outs)
    await _save(ctx, ConversationRecord(flow.name, went.step, went.data))
    return [*went.outs, _render(await flow.ask(ctx, went.step, went.data))]


async def _save(ctx: Context, record: ConversationRecord) -> None:
    expires = ctx.now() + LIFETIME
    await conversations.save(ctx.session, ctx.member.member_id, ctx.chat_id, record, expires)


def _render(ask: Ask) -> Out:
    if not ask.choices:
        return ask.prompt
    rows = tuple(
        tuple(Button(label, action=encode(ACTION, value)) for label, value in row)
        for row in ask.choices
    )
    return Buttons(ask.prompt, rows)
