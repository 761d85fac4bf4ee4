"""What a promotion looks like in a chat: its products' pictures together (an album on
Telegram, a gallery on Discord) when it shows several, then a card with the title,
text, discount code and terms, a line per product with its price, a Buy link per
product, and who it is from, marked as a promotion."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from handlers.core.i18n import N_, I18n
from handlers.core.model import Album, Button, Card, CardField, Image, Out
from storage.catalog import ProductRecord
from storage.promotions import Plan

MAX_BUY_BUTTONS = 5
SHARE_ACTION = "pshare"  # pshare:<promotion id>: the presser's own share links for it
CAPTION_LIMIT = 1024  # Telegram's, for a card shown as a photo with its caption


# A product's link in a post (its position among the promotion's products -> URL):
# through the click-counting redirect once the post exists.
Links = Callable[[int, ProductRecord], str | None]


def direct(index: int, product: ProductRecord) -> str | None:
    """The product's own page (a preview, or no HTTP server to count clicks on)."""
    return product.url


def post(
    plan: Plan,
    vendor: str,
    products: Sequence[ProductRecord],
    i18n: I18n,
    links: Links = direct,
    share: str | None = None,
) -> list[Out]:
    """The promotion's messages, in the chat's language for what ShopBot adds."""
    pictures = [Image(url=p.image_url, caption=p.name) for p in products if p.image_url]
    outs: list[Out] = []
    if len(pictures) > 1:
        outs.append(Album(tuple(pictures[:10])))
    gallery = len(pictures) > 1
    outs.append(card(plan, vendor, products, i18n, gallery=gallery, links=links, share=share))
    return outs


def card(
    plan: Plan,
    vendor: str,
    products: Sequence[ProductRecord],
    i18n: I18n,
    gallery: bool = False,
    links: Links = direct,
    share: str | None = None,
) -> Card:
    """The promotion's card; `share`: the action of its Share button (on posts)."""
    body = plan.body
    if plan.code:
        body += "\n\n" + i18n.t(N_("Code: {code}"), code=plan.code)
    if plan.terms:
        body += "\n" + i18n.t(N_("Terms: {terms}"), terms=plan.terms)
    fields = tuple(CardField(p.name, i18n.price(p.price_minor, p.currency)) for p in products)
    buy = tuple(
        Button(i18n.t(N_("Buy {product}"), product=p.name)[:60], url=url)
        for index, p in enumerate(products[:MAX_BUY_BUTTONS])
        if (url := links(index, p)) is not None
    )
    image = plan.image_url
    if image is None and not gallery and products:
        image = products[0].image_url
    rows = tuple((b,) for b in buy)
    if share is not None:
        rows += ((Button(i18n.t(N_("Share and earn")), share),),)
    return Card(
        title=plan.title,
        body=body,
        fields=fields,
        image_url=image,
        buttons=rows,
        footer=i18n.t(N_("Promotion · {vendor}"), vendor=vendor),
    )


def ended_card(plan: Plan, vendor: str, products: Sequence[ProductRecord], i18n: I18n) -> Card:
    """The card as it stays once the promotion is over: said so first, no Buy links."""
    shown = card(plan, vendor, products, i18n)
    ended = i18n.t(N_("This promotion has ended."))
    return replace(shown, body=f"{ended}\n\n{shown.body}", buttons=())


def caption_length(card: Card) -> int:
    """How long the card is as a caption (what Telegram limits to 1,024 characters)."""
    parts = [card.title, card.body, *(f"{f.name}: {f.value}" for f in card.fields), card.footer]
    return sum(len(p) + 2 for p in parts)
