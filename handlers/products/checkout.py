"""Checkout: the Buy button straight to a filled cart.

Where the shop has a cart link (`cart_url`: Shopify's `/cart/<variant>:<quantity>`,
WooCommerce's `?add-to-cart=<id>&quantity=<n>`, or any template) and the catalog gives
the shop's own ids (`shop_id`, `variant_ids`), a card's Buy asks for the colour, then
the size, among those in stock (one button per combination when there are few), and
answers with one "Go to cart" link that puts that variant in the cart, quantity 1.

The link carries the presser's own code (`ref`), so an order through it names them as
its buyer: it is made for whoever pressed, and from a group it goes to them privately
(everyone sees a group's cards; see `_code` in commands.py). With `public_url` it leads
through the click redirect (bot/cart_links.py), which counts the click for the chat the
Buy was pressed in; the choices made in private carry that chat along.

Every press is checked again: the catalog may have changed since the card was shown. A
product or variant sold out meanwhile is said so, with similar products in stock
offered; a variant whose id the shop has not given leads to the product's page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from string import Formatter
from urllib.parse import quote

from handlers.core.actions import BUY, BUY_COLOUR, BUY_VARIANT, DETAILS, encode
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.core.links import with_param
from handlers.core.model import (
    Button,
    ButtonRows,
    Buttons,
    Out,
    bold,
)
from handlers.core.privately import privately
from handlers.products.cards import variant_in_stock, with_code
from handlers.products.colours import colour_name
from storage import orders, promotions
from storage.catalog import ProductRecord, VariantRecord, product_by_id, similar_in_stock

QUANTITY = 1
FEW = 6  # in-stock combinations shown as one button each; more: the colour first
SIMILAR = 3  # products offered instead of one sold out
PER_ROW = 3
MAX_CHOICES = 25  # Discord shows at most five rows of five buttons
CART_PATH = "/b"  # the click redirect's path (bot/cart_links.py)
REF_PARAM = "ref"  # the buyer's code on a shop link (as on the cards' Buy links)
GONE = N_("That product is no longer in the catalog.")
STALE = N_("That choice is no longer available. Press Buy again.")
_NUMBER = re.compile(r"[0-9]{1,9}")
_CHECK = re.compile(r"[0-9a-f]{6}")


@dataclass(frozen=True)
class Item:
    """What a cart link is for: a product, and one of its variants by position with a
    check of its colour and size (positions shift when the catalog changes)."""

    product_id: int
    variant: int | None = None
    check: str = ""

    @property
    def token(self) -> str:
        """The item as the redirect's path names it: `<product>` or
        `<product>-<variant>-<check>`."""
        if self.variant is None:
            return str(self.product_id)
        return f"{self.product_id}-{self.variant}-{self.check}"


def parse_item(token: str) -> Item | None:
    """The item a redirect path names, or None when it is no item's token."""
    parts = token.split("-")
    if not all(_NUMBER.fullmatch(part) for part in parts[:2]):
        return None
    if len(parts) == 1:
        return Item(int(parts[0]))
    if len(parts) == 3 and _CHECK.fullmatch(parts[2]):
        return Item(int(parts[0]), int(parts[1]), parts[2])
    return None


def check_of(*names: str) -> str:
    """A short check of a colour, or of a colour and size, that a token carries."""
    return hashlib.sha256("/".join(names).casefold().encode()).hexdigest()[:6]


def item_of(product: ProductRecord, index: int | None) -> Item:
    if index is None:
        return Item(product.id)
    variant = product.variants[index]
    return Item(product.id, index, check_of(variant.color, variant.size))


def chosen(product: ProductRecord, item: Item) -> VariantRecord | None:
    """The variant `item` names (None: the product, which has no variants); raises
    LookupError when it names none of them any more (the catalog changed)."""
    if item.variant is None:
        if product.variants:
            raise LookupError(item)
        return None
    if item.variant >= len(product.variants):
        raise LookupError(item)
    variant = product.variants[item.variant]
    if check_of(variant.color, variant.size) != item.check:
        raise LookupError(item)
    return variant


def cart_link(
    template: str, product: ProductRecord, variant: VariantRecord | None, quantity: int = QUANTITY
) -> str | None:
    """The shop's cart link (`cart_url` filled in) for the variant, or for the product
    where it has none; None without a template or where an id it names is not in the
    catalog. {variant_id} is the variant's own id: a product's id is no variant's."""
    if not template:
        return None
    values = {
        "variant_id": variant.shop_id if variant is not None else product.shop_id,
        "product_id": product.shop_id,
        "sku": product.sku,
        "quantity": str(quantity),
    }
    named = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    if not all(values.get(name) for name in named):
        return None
    return template.format(**{name: quote(value or "", safe="") for name, value in values.items()})


def offers_cart(template: str, product: ProductRecord) -> bool:
    """Whether the card's Buy goes through checkout: the shop has a cart link, and it can
    be made for the product (or one of its variants) from what the catalog gives."""
    return any(cart_link(template, product, v) for v in product.variants or (None,))


def destination(template: str, product: ProductRecord, variant: VariantRecord | None) -> str | None:
    """Where a Buy leads: the cart link, else the product's page (None: neither)."""
    return cart_link(template, product, variant) or product.url


SIGNATURE_PARAM = "k"


def sign(salt: str, chat: int | str, token: str) -> str:
    """What a cart link carries to show that we made it for that chat and item: only
    such a link counts a click (a made-up path still leads to the shop, uncounted)."""
    return hmac.new(salt.encode(), f"cart|{chat}|{token}".encode(), hashlib.sha256).hexdigest()[:16]


def register(feature: Feature) -> None:
    """Declare the Buy button's actions on the products feature."""
    feature.action(BUY)(buy)
    feature.action(BUY_COLOUR)(pick_colour)
    feature.action(BUY_VARIANT)(pick_variant)


async def buy(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    """Buy pressed on a card: the choice of variant, or the link straight away."""
    if len(args) != 1:
        raise UserError(GONE)
    product = await _product(ctx, args[0])
    if not product.variants:
        if product.stock <= 0:
            return await _sold_out(ctx, product, None)
        return await _link(ctx, product, None, ctx.chat_id)
    available = [n for n, v in enumerate(product.variants) if variant_in_stock(product, v)]
    if not available:
        return await _sold_out(ctx, product, None)
    if len(available) == 1:  # nothing to choose
        return await _link(ctx, product, available[0], ctx.chat_id)
    colours = list(dict.fromkeys(product.variants[n].color for n in available))
    # The colour first only where it narrows the choice, and every variant has one.
    if len(available) <= FEW or "" in colours or len(colours) in (1, len(available)):
        return _variant_choice(ctx, product, available, ctx.chat_id)
    return _colour_choice(ctx, product, colours, ctx.chat_id)


async def pick_colour(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    """A colour chosen: its sizes in stock, or the link when there is one."""
    product, index, chat = await _choice(ctx, args)
    colours = product.colors
    if index >= len(colours) or check_of(colours[index]) != args[2]:
        raise UserError(STALE)
    colour = colours[index]
    mine = [n for n, v in enumerate(product.variants) if v.color == colour]
    available = [n for n in mine if variant_in_stock(product, product.variants[n])]
    if not available:
        return await _sold_out(ctx, product, _label(ctx, VariantRecord(colour)))
    if len(available) == 1:
        return await _link(ctx, product, available[0], chat)
    return _variant_choice(ctx, product, available, chat, sizes_only=True)


async def pick_variant(ctx: Context, args: tuple[str, ...]) -> Sequence[Out]:
    """A variant chosen: its cart link, if it is still in stock."""
    product, index, chat = await _choice(ctx, args)
    try:
        variant = chosen(product, Item(product.id, index, args[2]))
    except LookupError:
        raise UserError(STALE) from None
    assert variant is not None  # an index always names a variant
    if not variant_in_stock(product, variant):
        return await _sold_out(ctx, product, _label(ctx, variant))
    return await _link(ctx, product, index, chat)


async def _product(ctx: Context, given: str) -> ProductRecord:
    found = await product_by_id(ctx.session, int(given)) if _NUMBER.fullmatch(given) else None
    if found is None:
        raise UserError(GONE)
    return found


async def _choice(ctx: Context, args: tuple[str, ...]) -> tuple[ProductRecord, int, int]:
    """The product, the position chosen and the chat of the Buy, from a choice's token
    (`<product>:<position>:<check>:<chat>`)."""
    if len(args) != 4 or not _CHECK.fullmatch(args[2]):
        raise UserError(GONE)
    if not (_NUMBER.fullmatch(args[1]) and _NUMBER.fullmatch(args[3])):
        raise UserError(GONE)
    return await _product(ctx, args[0]), int(args[1]), int(args[3])


def _label(ctx: Context, variant: VariantRecord) -> str:
    """The variant in the shopper's words: "czarny / M"."""
    colour = colour_name(variant.color, ctx.i18n.language) if variant.color else ""
    return " / ".join(part for part in (colour, variant.size) if part)


def _named(ctx: Context, product: ProductRecord, variant: str | None) -> str:
    name = product.name_in(ctx.i18n.language)
    return f"{name} ({variant})" if variant else name


def _rows(buttons: list[Button]) -> ButtonRows:
    shown = buttons[:MAX_CHOICES]
    width = PER_ROW if len(shown) <= PER_ROW * 5 else 5
    return tuple(tuple(shown[n : n + width]) for n in range(0, len(shown), width))


def _colour_choice(
    ctx: Context, product: ProductRecord, colours: list[str], chat: int
) -> list[Out]:
    language, pid = ctx.i18n.language, str(product.id)
    buttons = [
        Button(
            colour_name(colour, language),
            action=encode(
                BUY_COLOUR, pid, str(product.colors.index(colour)), check_of(colour), str(chat)
            ),
        )
        for colour in colours
    ]
    question = ctx.rich(N_("Which colour of {product}?"), product=bold(_named(ctx, product, None)))
    return privately(ctx, [Buttons(question, _rows(buttons))])


def _variant_choice(
    ctx: Context, product: ProductRecord, available: list[int], chat: int, sizes_only: bool = False
) -> list[Out]:
    buttons = []
    for n in available:
        variant = product.variants[n]
        item = item_of(product, n)
        label = variant.size if sizes_only and variant.size else _label(ctx, variant)
        action = encode(BUY_VARIANT, str(product.id), str(n), item.check, str(chat))
        buttons.append(Button(label or product.name_in(ctx.i18n.language), action=action))
    if sizes_only:
        colour = _label(ctx, VariantRecord(product.variants[available[0]].color))
        named = _named(ctx, product, colour)
        question = ctx.rich(N_("Which size of {product}?"), product=bold(named))
    else:
        question = ctx.rich(N_("Which one of {product}?"), product=bold(_named(ctx, product, None)))
    return privately(ctx, [Buttons(question, _rows(buttons))])


async def _link(ctx: Context, product: ProductRecord, index: int | None, chat: int) -> list[Out]:
    """The one message with the link for the variant (or the product without any)."""
    variant = product.variants[index] if index is not None else None
    settings = ctx.services.settings
    cart = cart_link(settings.cart_url, product, variant)
    if cart is None and not product.url:
        raise UserError(N_("This product cannot be bought online."))
    code = await orders.code_of(ctx.session, ctx.member.member_id)
    if settings.public_url:
        token = item_of(product, index).token
        path = f"{settings.public_url.rstrip('/')}{CART_PATH}/{chat}/{token}"
        salt = await promotions.visitor_salt(ctx.session)
        url = with_param(
            with_param(path, REF_PARAM, code), SIGNATURE_PARAM, sign(salt, chat, token)
        )
    else:
        url = with_code(cart or product.url or "", code)
    named = bold(_named(ctx, product, _label(ctx, variant) if variant is not None else None))
    if cart is not None:
        text = ctx.rich(N_("Your cart with {product} is ready:"), product=named)
        button = Button(ctx.t(N_("Go to cart")), url=url)
    else:  # the shop's id of this one is not in the catalog
        text = ctx.rich(N_("{product} is bought on its page in the shop:"), product=named)
        button = Button(ctx.t(N_("Go to the shop")), url=url)
    return privately(ctx, [Buttons(text, ((button,),))])


async def _sold_out(ctx: Context, product: ProductRecord, variant: str | None) -> list[Out]:
    """Says it is out of stock, and offers similar products in stock."""
    named = bold(_named(ctx, product, variant))
    similar = await similar_in_stock(ctx.session, product, SIMILAR)
    if not similar:
        return privately(ctx, [ctx.rich(N_("Sorry, {product} is out of stock."), product=named)])
    language = ctx.i18n.language
    rows = tuple(
        (Button(other.name_in(language), action=encode(DETAILS, other.sku)),) for other in similar
    )
    text = ctx.rich(N_("Sorry, {product} is out of stock. Similar ones in stock:"), product=named)
    return privately(ctx, [Buttons(text, rows)])
