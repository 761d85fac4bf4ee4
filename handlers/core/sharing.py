"""The message that hands a member their share links (a product's Share button, a
promotion's Share and earn), the same wherever it is asked for: privately, with what
the links earn and why Discord joins never do."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.links import ShareLinks
from handlers.core.model import Out, Span, Text, bold
from handlers.core.privately import privately


def share_message(ctx: Context, name: str, found: ShareLinks) -> list[Out]:
    """The links for `name` (a product, a promotion), in a private chat: here, or sent
    there with a note in the group."""
    if not found.telegram and not found.web:
        raise UserError(N_("Share links are not set up here yet."))
    heading = ctx.rich(N_("Your links to share {product}:"), product=bold(name))
    parts: list[str | Span] = list(heading.spans)
    if found.telegram:
        parts += ["\n", ctx.t(N_("In Telegram:")), f" {found.telegram}"]
        bot = "@" + found.telegram.split("?", 1)[0].rsplit("/", 1)[-1]
        inline = N_("In any Telegram chat, type {bot} and a product's name to send its card.")
        parts += ["\n", ctx.t(inline, bot=bot)]
    if found.web:
        parts += ["\n", ctx.t(N_("On the web:")), f" {found.web}"]
    parts += [
        "\n\n",
        ctx.t(
            N_(
                "A friend who opens your Telegram link and is new here earns you points, "
                "and so does a purchase through either link (for both of you). On Discord "
                "only purchases count: Discord does not allow rewards for invitations."
            )
        ),
    ]
    return privately(ctx, [Text.of(*parts)])
