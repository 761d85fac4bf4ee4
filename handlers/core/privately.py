"""What is for one member alone (their links, their history): said here in a private
chat; from a group, sent to their private chat with a note in the group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from handlers.core.i18n import N_
from handlers.core.model import Buttons, ChatKind, Direct, Ephemeral, Out, Text

if TYPE_CHECKING:
    from handlers.core.context import Context


def privately(ctx: Context, outs: Sequence[Text | Buttons]) -> list[Out]:
    """`outs` for the member alone."""
    if ctx.event.chat.kind is ChatKind.DM:
        return list(outs)
    note = Ephemeral(Text.of(ctx.t(N_("I've written to you privately."))))
    return [*(Direct(out) for out in outs), note]
