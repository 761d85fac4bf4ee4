"""A poll as numbered buttons: how a platform shows it where its own poll does not fit
(Discord's 55-character answers, Telegram's 100), and how live counts redraw it. Built
here once; adapters render plain `Buttons`."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.actions import vote_token
from handlers.core.model import Button, ButtonRows, Buttons, Span, Text, bold

PER_ROW = 5  # Discord allows 5 buttons a row and 5 rows; 10 options take two rows


def vote_rows(poll_ref: str, count: int) -> ButtonRows:
    """Buttons "1" … "count", each voting for its option."""
    buttons = [Button(str(i + 1), action=vote_token(poll_ref, i)) for i in range(count)]
    return tuple(tuple(buttons[i : i + PER_ROW]) for i in range(0, count, PER_ROW))


def as_buttons(poll_ref: str, question: str, options: Sequence[str]) -> Buttons:
    lines: list[str | Span] = [bold(question)]
    lines += [f"\n{i}. {text}" for i, text in enumerate(options, start=1)]
    return Buttons(Text.of(*lines), vote_rows(poll_ref, len(options)))
