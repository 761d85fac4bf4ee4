"""Splitting neutral text into pieces a platform accepts, at sensible boundaries."""

from __future__ import annotations

from collections.abc import Callable

from handlers.core.model import Span, Style, Text

# Boundaries to split at, best first.
_BREAKS = ("\n\n", "\n", ". ", " ")
Width = Callable[[str], int]  # the size one character takes on the platform


def measure(text: str, width: Width) -> int:
    return sum(width(ch) for ch in text)


def split(text: Text, limit: int, width: Width) -> list[Text]:
    """Pieces of `text` whose size fits `limit`, cut at paragraph, line, sentence or word
    boundaries where possible."""
    pieces: list[Text] = []
    current: list[Span] = []
    room = limit
    for span in text.spans:
        rest = span.text
        while measure(rest, width) > room:
            head, rest = _cut(rest, room, width)
            if head:
                current.append(Span(head, span.style, span.url))
            pieces.append(Text(tuple(current)))
            current, room = [], limit
            rest = rest.lstrip() if span.style is Style.PLAIN else rest
        if rest:
            current.append(Span(rest, span.style, span.url))
            room -= measure(rest, width)
    if current:
        pieces.append(Text(tuple(current)))
    return [p for p in pieces if p.plain.strip()] or [Text(())]


def _cut(text: str, room: int, width: Width) -> tuple[str, str]:
    """Split `text` so the head fits `room`; prefer a boundary in its last half."""
    end, used = 0, 0
    for ch in text:
        if used + width(ch) > room:
            break
        used += width(ch)
        end += 1
    window = text[:end]
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at >= end // 2:
            cut = at + len(mark)
            return text[:cut].rstrip(), text[cut:]
    return window, text[end:]
