"""The "Trending here" label on the card of a product trending in this community."""

from __future__ import annotations

from dataclasses import replace

from handlers.core.i18n import N_, I18n
from handlers.core.model import Card, CardField

MARK = "🔥"


def labelled(card: Card, i18n: I18n) -> Card:
    """The card with the label as its first line."""
    return replace(card, fields=(CardField(MARK, i18n.t(N_("Trending here"))), *card.fields))
