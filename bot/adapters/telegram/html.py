"""Neutral text -> Telegram HTML, and splitting long text at sensible boundaries.

Every span is escaped, so user or catalog text can never open a tag or break an
entity ("can't parse entities"). Telegram's limits (4,096 for text, 1,024 for captions)
count the visible text after parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html

from bot.adapters.text import split as split_text
from handlers.core.model import Card, Span, Style, Text, bold

_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def span_html(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    if span.style is Style.LINK and span.url:
        return f'<a href="{html.escape(span.url, quote=True)}">{text}</a>'
    tag = _TAGS.get(span.style)
    return f"<{tag}>{text}</{tag}>" if tag else text


def to_html(text: Text) -> str:
    return "".join(span_html(span) for span in text.spans)


def card_text(card: Card) -> Text:
    spans: list[Span] = [bold(card.title)]
    if card.body:
        spans.append(Span("\n" + card.body))
    if card.fields:
        spans.append(Span("\n"))
    for field in card.fields:
        spans.extend((Span("\n"), bold(field.name), Span(": " + field.value)))
    if card.footer:
        spans.append(Span("\n\n" + card.footer, Style.ITALIC))
    return Text(tuple(spans))


def utf16_width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def split(text: Text, limit: int) -> list[Text]:
    """Pieces of `text` whose visible length fits `limit` UTF-16 units."""
    return split_text(text, limit, utf16_width)
