"""Direct answers: "how much is X", "is X waterproof", "what colours does X come in",
"do you have X in blue, M" get a sentence that answers them, from the product's own
data, before its card.

A question's intent is read from phrases in the six languages; they are taken out of
the question before it is searched ("is the rain jacket waterproof" looks for the
rain jacket, not for waterproof products).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.core.i18n import N_, I18n, Nn_
from handlers.core.model import Out, Text, bold
from handlers.products.cards import in_stock_values
from handlers.products.colours import colour_name
from handlers.products.lexicon import folded, folded_phrases
from handlers.products.query import ParsedQuery
from storage.catalog import ProductRecord
from storage.text import fold


class Kind(StrEnum):
    PRICE = "price"
    ATTRIBUTE = "attribute"
    COLOURS = "colours"
    SIZES = "sizes"


@dataclass(frozen=True)
class Attribute:
    """A yes/no property: the phrases that ask about it (folded), and the phrases of a
    product's English text that say yes or no (the no phrases are checked first)."""

    key: str
    asked: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]


ATTRIBUTES = (
    Attribute(
        "waterproof",
        asked=folded_phrases(
            "waterproof",
            "wodoodporn",
            "nieprzemakaln",
            "водонепроникн",
            "непромокальн",
            "vedenpitav",
            "vedenkestav",
            "kalis air",
            "tahan air",
            "anti air",
        ),
        yes=("waterproof",),
        no=("not waterproof", "water-resistant", "water resistant", "splash-proof"),
    ),
    Attribute(
        "washable",
        asked=folded_phrases(
            "machine washable",
            "machine wash",
            "washable",
            "w pralce",
            "prac",
            "прати",
            "пральн",
            "konepes",
            "pesta koneessa",
            "basuh mesin",
            "dibasuh",
            "mesin basuh",
            "cuci mesin",
            "dicuci",
        ),
        yes=("machine washable", "machine-washable", "machine wash"),
        no=("hand wash only", "hand-wash only", "dry clean", "not machine washable", "wipe clean"),
    ),
    Attribute(
        "stock",
        asked=folded_phrases(
            "in stock",
            "available",
            "dostepn",
            "na stanie",
            "w magazynie",
            "наявност",
            "varastossa",
            "saatavilla",
            "ada stok",
            "stok",
            "tersedia",
        ),
        yes=(),
        no=(),
    ),
)
_PRICE = folded_phrases(
    "how much",
    "price",
    "cost",
    "ile kosztuj",
    "ile za",
    "cena",
    "скільки кошт",
    "ціна",
    "paljonko",
    "hinta",
    "berapa harga",
    "harga",
    "berapa",
)
_COLOURS = folded_phrases(
    "what colour",
    "what color",
    "which colour",
    "which color",
    "jakie kolory",
    "jakich kolorach",
    "які кольори",
    "яких кольорах",
    "mita vareja",
    "missa vareissa",
    "warna apa",
    "apa warna",
)
_SIZES = folded_phrases(
    "what size",
    "which size",
    "jakie rozmiary",
    "jakich rozmiarach",
    "які розміри",
    "яких розмірах",
    "mita kokoja",
    "missa koissa",
    "saiz apa",
    "apa saiz",
    "ukuran apa",
    "apa ukuran",
)
# A yes/no question starts so; "waterproof jacket" alone is a search, not a question.
_YES_NO = folded("is are does do can czy чи onko onks adakah apakah apa")


@dataclass(frozen=True)
class Intent:
    kind: Kind
    rest: str  # the question without the phrases that asked
    attribute: Attribute | None = None


def intent_of(question: str) -> Intent | None:
    """What the question asks directly, if it asks something a sentence answers."""
    text = fold(question)
    for kind, phrases in ((Kind.COLOURS, _COLOURS), (Kind.SIZES, _SIZES)):
        rest = _without(text, phrases)
        if rest is not None:
            return Intent(kind, rest)
    first = text.split(maxsplit=1)[0] if text.split() else ""
    if first in _YES_NO:
        for attribute in ATTRIBUTES:
            rest = _without(text, attribute.asked)
            if rest is not None:
                return Intent(Kind.ATTRIBUTE, rest, attribute)
    rest = _without(text, _PRICE)
    return Intent(Kind.PRICE, rest) if rest is not None else None


def _without(text: str, phrases: tuple[str, ...]) -> str | None:
    """`text` with every one of `phrases` found (with the rest of its word) taken out,
    or None when none is there."""
    found = False
    for phrase in phrases:
        text, count = re.subn(rf"(?<!\w){re.escape(phrase)}\w*", " ", text)
        found = found or count > 0
    return " ".join(text.split()) if found else None


# "Is X waterproof?": yes, no, or the product's text does not say.
_SAYS = {
    ("waterproof", True): N_("Yes: {product} is waterproof."),
    ("waterproof", False): N_("No: {product} is not waterproof."),
    ("waterproof", None): N_("The description of {product} doesn't say whether it is waterproof."),
    ("washable", True): N_("Yes: {product} is machine washable."),
    ("washable", False): N_("No: {product} is not machine washable."),
    ("washable", None): N_(
        "The description of {product} doesn't say whether it is machine washable."
    ),
}
IN_STOCK = Nn_("Yes: {product} is in stock, {n} left.", "Yes: {product} is in stock, {n} left.")
OUT_OF_STOCK = N_("No: {product} is out of stock right now.")
COSTS = N_("{product} costs {price}.")
COMES_IN_COLOURS = N_("{product} comes in {colours}.")
COMES_IN_SIZES = N_("{product} comes in sizes {sizes}.")
NONE_LEFT = N_("{product} is out of stock in every colour and size.")
VARIANT_LEFT = Nn_(
    "Yes: {product} in {variant}, {n} left.", "Yes: {product} in {variant}, {n} left."
)
VARIANT_IN_STOCK = N_("Yes: {product} in {variant} is in stock.")
NOT_IN_VARIANT = N_("{product} is not in stock in {wanted}; it comes in {available}.")


def says(product: ProductRecord, attribute: Attribute) -> bool | None:
    """Whether the product's own text says it has the attribute (None: it doesn't say)."""
    text = fold(" ".join([product.name, product.description, *product.tags]))
    if any(_has(text, phrase) for phrase in attribute.no):
        return False
    if any(_has(text, phrase) for phrase in attribute.yes):
        return True
    return None


def _has(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def sentence(intent: Intent, product: ProductRecord, i18n: I18n) -> Out:
    """The sentence that answers `intent` about `product`."""
    name = bold(product.name_in(i18n.language))
    if intent.kind is Kind.PRICE:
        return i18n.rich(
            COSTS, product=name, price=i18n.price(product.price_minor, product.currency)
        )
    if intent.kind is Kind.ATTRIBUTE and intent.attribute is not None:
        if intent.attribute.key == "stock":
            if product.stock <= 0:
                return i18n.rich(OUT_OF_STOCK, product=name)
            return i18n.rich_n(*IN_STOCK, product.stock, product=name)
        return i18n.rich(
            _SAYS[(intent.attribute.key, says(product, intent.attribute))], product=name
        )
    colours, sizes = in_stock_values(product)
    if intent.kind is Kind.COLOURS and colours:
        shown = [colour_name(c, i18n.language) for c in colours]
        return i18n.rich(COMES_IN_COLOURS, product=name, colours=i18n.listing(shown))
    if intent.kind is Kind.SIZES and sizes:
        return i18n.rich(COMES_IN_SIZES, product=name, sizes=i18n.listing(sizes))
    return i18n.rich(NONE_LEFT, product=name)


def variant_sentence(parsed: ParsedQuery, product: ProductRecord, i18n: I18n) -> Text:
    """ "Do you have X in blue, M?" answered from the variants' stock: which of them
    there are, or that there are none and what there is instead."""
    name = bold(product.name_in(i18n.language))
    wanted = [
        v
        for v in product.variants
        if (not parsed.colors or v.color.lower() in parsed.colors)
        and (not parsed.size or v.size.upper() == parsed.size.upper())
        and (v.stock if v.stock is not None else product.stock) > 0
    ]
    if wanted:
        variant = wanted[0]
        parts = (
            colour_name(variant.color, i18n.language) if parsed.colors else "",
            variant.size if parsed.size else "",
        )
        label = ", ".join(part for part in parts if part)
        counts = [v.stock for v in wanted]
        if any(count is None for count in counts):
            return i18n.rich(VARIANT_IN_STOCK, product=name, variant=label)
        left = sum(count or 0 for count in counts)
        return i18n.rich_n(*VARIANT_LEFT, left, product=name, variant=label)
    colours, sizes = in_stock_values(product)
    asked = [*parsed.color_words, *([parsed.size] if parsed.size else [])]
    available = [colour_name(c, i18n.language) for c in colours] if parsed.colors else sizes
    if not available:
        return i18n.rich(NONE_LEFT, product=name)
    return i18n.rich(
        NOT_IN_VARIANT,
        product=name,
        wanted=", ".join(asked),
        available=i18n.listing(available),
    )
