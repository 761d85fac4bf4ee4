"""Shop links carrying a member's code, shared by the cards (the reader's own code) and
the share-link redirect (the sharer's)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_param(url: str, key: str, value: str) -> str:
    """`url` with its query's `key` set to `value` (any earlier value replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return urlunsplit(parts._replace(query=urlencode([*query, (key, value)])))
