"""Inline mode: the answer to `@<bot> words` typed in any chat, as articles the person
picks from; the picked one is sent into that chat as them, "via @<bot>". Enabled in
BotFather (/setinline); see docs/telegram.md."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import InlineQueryLimit, ParseMode

from bot.adapters.telegram.html import card_text, split, to_html
from bot.adapters.telegram.keyboard import keyboard
from handlers.core.model import Offer, Offers

TEXT_LIMIT = 4096
# Answers carry the asker's own code: not cached for anyone else, and briefly, since
# stock and prices change.
CACHE_SECONDS = 10
HINT_START = "inline"  # the /start payload of the hint button: a plain /start


def results(offers: Offers) -> list[InlineQueryResultArticle]:
    return [_article(offer) for offer in offers.items[: InlineQueryLimit.RESULTS]]


def hint_button(offers: Offers) -> InlineQueryResultsButton | None:
    """A button above the results that opens the private chat with the bot."""
    if not offers.hint:
        return None
    return InlineQueryResultsButton(offers.hint[:64], start_parameter=HINT_START)


def _article(offer: Offer) -> InlineQueryResultArticle:
    card = offer.card
    body = split(card_text(card), TEXT_LIMIT)[0]
    # The product's picture shows as a large preview above the card.
    preview = (
        LinkPreviewOptions(url=card.image_url, prefer_large_media=True, show_above_text=True)
        if card.image_url
        else LinkPreviewOptions(is_disabled=True)
    )
    return InlineQueryResultArticle(
        id=offer.key[:64],
        title=card.title[:256],
        input_message_content=InputTextMessageContent(
            to_html(body), parse_mode=ParseMode.HTML, link_preview_options=preview
        ),
        reply_markup=keyboard(card.buttons),
        description=offer.description[:256] or None,
        thumbnail_url=card.image_url,
    )
