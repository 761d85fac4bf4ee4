"""Button action tokens: `kind:arg:arg`, at most 64 bytes (Telegram's callback_data).

A token is a request, not a fact: handlers re-validate everything it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOKEN_BYTES = 64
SEPARATOR = ":"
_KIND = re.compile(r"[a-z][a-z0-9_]{0,15}")


@dataclass(frozen=True)
class Action:
    kind: str
    args: tuple[str, ...] = ()


def encode(kind: str, *args: str) -> str:
    if not _KIND.fullmatch(kind):
        raise ValueError(f"bad action kind {kind!r}")
    if any(SEPARATOR in arg for arg in args):
        raise ValueError("action arguments may not contain ':'")
    token = SEPARATOR.join((kind, *args))
    if len(token.encode("utf-8")) > MAX_TOKEN_BYTES:
        raise ValueError(f"action token over {MAX_TOKEN_BYTES} bytes: {token!r}")
    return token


VOTE = "vote"  # a poll option pressed: vote:<poll ref>:<option index>


def vote_token(poll_ref: str, index: int) -> str:
    """The token of a poll option's button, wherever a poll is shown as buttons."""
    return encode(VOTE, poll_ref, str(index))


def decode(token: str) -> Action | None:
    """The action in `token`, or None when it is not a well-formed token."""
    if not token or len(token.encode("utf-8")) > MAX_TOKEN_BYTES:
        return None
    kind, *args = token.split(SEPARATOR)
    if not _KIND.fullmatch(kind):
        return None
    return Action(kind, tuple(args))


# Shared by features that show products and the feature that answers them (features do
# not import each other): a product card's buttons.
DETAILS = "product"  # a product's card in full: product:<sku>
SHARE = "share"  # one's share links for a product: share:<product id>
REVIEWS = "reviews"  # a product's reviews: reviews:<product id>[:<order>:<page>]
WRITE_REVIEW = "rvw"  # write (or edit) one's review of a product: rvw:<product id>
# A card's Buy button where the shop has cart links (handlers/products/checkout.py):
# buy:<product id>, then the colour and the variant chosen, each naming the chat the
# Buy was pressed in (its clicks count there):
# buycol:<product id>:<colour index>:<check>:<chat>, buyvar:<product id>:<variant
# index>:<check>:<chat>; <check> tells a stale index (the catalog changed) from a good one.
BUY = "buy"
BUY_COLOUR = "buycol"
BUY_VARIANT = "buyvar"
