"""Neutral text -> Telegram HTML, and splitting long text at sensible boundaries.

Every span is escaped, so user or catalog text can never open a tag or break an
entity ("can't parse entities"). Telegram's limits (4,096 for text, 1,024 for captions)
count the visible text after parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html

from handlers.model import Card, Span, Style, Text, bold

_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}
# Boundaries to split at, best first.
_BREAKS = ("\n\n", "\n", ". ", " ")


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


def split(text: Text, limit: int) -> list[Text]:
    """Pieces of `text` whose visible length fits `limit`, cut at paragraph, line,
    sentence or word boundaries where possible."""
    pieces: list[Text] = []
    current: list[Span] = []
    room = limit
    for span in text.spans:
        rest = span.text
        while units(rest) > room:
            head, rest = _cut(rest, room)
            if head:
                current.append(Span(head, span.style, span.url))
            pieces.append(Text(tuple(current)))
            current, room = [], limit
            rest = rest.lstrip() if span.style is Style.PLAIN else rest
        if rest:
            current.append(Span(rest, span.style, span.url))
            room -= units(rest)
    if current:
        pieces.append(Text(tuple(current)))
    return [p for p in pieces if p.plain.strip()] or [Text(())]


def _cut(text: str, room: int) -> tuple[str, str]:
    """Split `text` so the head fits `room` units; prefer a boundary in its last half."""
    # Longest prefix within `room` UTF-16 units.
    end, used = 0, 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > room:
            break
        used += width
        end += 1
    window = text[:end]
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at >= end // 2:
            cut = at + len(mark)
            return text[:cut].rstrip(), text[cut:]
    return window, text[end:]
