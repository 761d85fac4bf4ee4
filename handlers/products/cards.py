"""Product -> Card, in the member's language."""

from __future__ import annotations

from handlers.core.actions import BUY, DETAILS, REVIEWS, SHARE, WRITE_REVIEW, encode
from handlers.core.i18n import N_, I18n
from handlers.core.links import with_param
from handlers.core.model import Button, Card, CardField
from handlers.core.ratings import rating_line
from handlers.products.colours import colour_name
from storage.catalog import ProductRecord, VariantRecord

DETAILS_ACTION = DETAILS
SHORT_BODY = 240
LOW_STOCK = 5


def variant_in_stock(product: ProductRecord, variant: VariantRecord) -> bool:
    """The variant's own stock says so, or, where only the total is known, the product's."""
    return variant.stock > 0 if variant.stock is not None else product.stock > 0


def in_stock_values(product: ProductRecord) -> tuple[list[str], list[str]]:
    available = [v for v in product.variants if variant_in_stock(product, v)]
    colors = list(dict.fromkeys(v.color for v in available if v.color))
    sizes = list(dict.fromkeys(v.size for v in available if v.size))
    return colors, sizes


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


def with_code(url: str, code: str | None) -> str:
    """The shop link carrying the reader's code (`ref`), so the order it leads to names
    them as its buyer (a verified buyer of what they review)."""
    return with_param(url, "ref", code) if code else url


def product_card(
    product: ProductRecord,
    i18n: I18n,
    detailed: bool = False,
    buyer_code: str | None = None,
    checkout: bool = False,
) -> Card:
    """The product as a card. `buyer_code`: the reader's own code, for a card only they
    see (a private chat): their Buy link carries it. `checkout`: Buy is a button that
    goes through checkout (the variant picked, then a cart link made for whoever presses
    it, handlers/products/checkout.py) rather than a link to the product's page."""
    colors, sizes = in_stock_values(product)
    none = i18n.t(N_("none in stock"))
    fields = [CardField(i18n.t(N_("Price")), i18n.price(product.price_minor, product.currency))]
    if product.colors:
        shown = [colour_name(colour, i18n.language) for colour in colors]
        fields.append(CardField(i18n.t(N_("Colours")), ", ".join(shown) or none))
    if product.sizes:
        fields.append(CardField(i18n.t(N_("Sizes")), ", ".join(sizes) or none))
    if product.stock <= 0:
        stock = i18n.t(N_("Out of stock"))
    elif product.stock <= LOW_STOCK:
        stock = i18n.tn("Only {n} left", "Only {n} left", product.stock)
    else:
        stock = i18n.t(N_("In stock"))
    fields.append(CardField(i18n.t(N_("Availability")), stock))
    rating = rating_line(i18n, product.rating_count, product.rating_sum)
    fields.append(CardField(i18n.t(N_("Rating")), rating))
    buttons: list[Button] = []
    if checkout:
        buttons.append(Button(i18n.t(N_("Buy")), action=encode(BUY, str(product.id))))
    elif product.url:
        buttons.append(Button(i18n.t(N_("Buy")), url=with_code(product.url, buyer_code)))
    if not detailed:
        buttons.append(Button(i18n.t(N_("Details")), action=encode(DETAILS_ACTION, product.sku)))
    ref = str(product.id)
    reviews = (
        Button(i18n.t(N_("Reviews")), action=encode(REVIEWS, ref)),
        Button(i18n.t(N_("Write a review")), action=encode(WRITE_REVIEW, ref)),
        Button(i18n.t(N_("Share")), action=encode(SHARE, ref)),
    )
    language = i18n.language
    description = product.description_in(language)
    body = description if detailed else _shorten(description, SHORT_BODY)
    if detailed and product.variants:
        fields.extend(_variant_fields(product, i18n))
    return Card(
        title=product.name_in(language),
        body=body,
        fields=tuple(fields),
        image_url=product.image_url,
        url=product.url,
        buttons=(tuple(buttons), reviews) if buttons else (reviews,),
        footer=f"{product.category_in(language)} · {product.sku}",
    )


def _variant_fields(product: ProductRecord, i18n: I18n) -> list[CardField]:
    if all(v.stock is None for v in product.variants):
        return []
    lines = []
    for variant in product.variants:
        label = " / ".join(part for part in (variant.color, variant.size) if part)
        lines.append(f"{label}: {variant.stock if variant.stock is not None else '?'}")
    return [CardField(i18n.t(N_("Stock by variant")), "\n".join(lines))]
