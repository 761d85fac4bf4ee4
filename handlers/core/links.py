"""Links carrying a member's code: shop links on the cards (the reader's own code), and
share links (the sharer's): the Telegram deep link into the bot and the web link
through the share-link redirect (bot/share_links.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from config import Settings

SHARE_PREFIX = "s"  # /start s-<code>-<product id>
SHARER_PARAM = "sref"  # the sharer's code on a shop link: the shop keeps it on the order
PROMOTION_PARAM = "spromo"  # the promotion whose link it is (bot/promo_links.py)
SHARE_PROMOTION = "p"  # on a web share link: the promotion it was made from


@dataclass(frozen=True)
class ShareLinks:
    """A member's links for a product; either is None where not set up."""

    telegram: str | None
    web: str | None


def share_links(
    settings: Settings,
    bot_links: dict[str, str],
    code: str,
    product_id: int,
    promotion: int | None = None,
) -> ShareLinks:
    """The links `code`'s owner shares a product by: into the Telegram bot (once it has
    said who it is) and on the web (with `public_url`); made from a promotion's post,
    they name it, so what they bring counts for it too."""
    telegram = bot_links.get("telegram")
    public = settings.public_url
    tail = f"-{promotion}" if promotion is not None else ""
    query = f"?{SHARE_PROMOTION}={promotion}" if promotion is not None else ""
    return ShareLinks(
        f"{telegram}?start={SHARE_PREFIX}-{code}-{product_id}{tail}" if telegram else None,
        f"{public.rstrip('/')}/s/{code}/{product_id}{query}" if public else None,
    )


def with_param(url: str, key: str, value: str) -> str:
    """`url` with its query's `key` set to `value` (any earlier value replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return urlunsplit(parts._replace(query=urlencode([*query, (key, value)])))
