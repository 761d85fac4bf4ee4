"""A ranked list of products as a message: a numbered line each with why it is there,
and a numbered button each that opens the product's card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.core.actions import DETAILS, encode
from handlers.core.context import Context
from handlers.core.i18n import Nn_
from handlers.core.model import Button, Buttons, Span, Text, bold
from handlers.core.ratings import rating_line
from storage.catalog import ProductRecord
from storage.signals import Counts

PER_ROW = 5  # Discord's most buttons in a row

# Why a product is popular, most telling first; reviews are told by the rating line.
REASONS = (
    ("orders", Nn_("{n} purchase", "{n} purchases")),
    ("votes", Nn_("{n} vote in polls", "{n} votes in polls")),
    ("arrivals", Nn_("{n} newcomer brought", "{n} newcomers brought")),
    ("shares", Nn_("{n} share", "{n} shares")),
    ("questions", Nn_("{n} question", "{n} questions")),
    ("clicks", Nn_("{n} visit to the shop", "{n} visits to the shop")),
    ("views", Nn_("{n} view", "{n} views")),
)
MOST_REASONS = 3


@dataclass(frozen=True)
class Entry:
    """One line: the product and why (already in the member's language)."""

    product: ProductRecord
    why: Text


def why_popular(ctx: Context, counts: Counts, product: ProductRecord) -> Text:
    """ "14 votes in polls, 5 purchases, ★ 4.6 · 5 reviews": the strongest reasons, then
    the rating (never a reason to rank: every rating counts the same)."""
    parts = [
        ctx.tn(message, value) for name, message in REASONS if (value := getattr(counts, name)) > 0
    ][:MOST_REASONS]
    if product.rating_count:
        parts.append(rating_line(ctx.i18n, product.rating_count, product.rating_sum))
    return Text.of(", ".join(parts))


def ranked(ctx: Context, heading: str, entries: Sequence[Entry], footer: str = "") -> Buttons:
    """The list with its buttons (numbers, five to a row)."""
    language = ctx.i18n.language
    parts: list[str | Span] = [bold(heading)]
    for place, entry in enumerate(entries, start=1):
        parts += [f"\n{place}. ", bold(entry.product.name_in(language)), " — ", *entry.why.spans]
    if footer:
        parts += ["\n\n", footer]
    buttons = [
        Button(str(place), action=encode(DETAILS, entry.product.sku))
        for place, entry in enumerate(entries, start=1)
    ]
    rows = tuple(tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW))
    return Buttons(Text.of(*parts), rows)
