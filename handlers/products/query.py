"""Turns a shopper's question into search terms plus filters.

"anything waterproof under 80 EUR?"  -> terms [waterproof], price <= 80.00 EUR
"linen shirt in blue, size M"        -> terms [linen, shirt], colours {blue shades}, size M
"czy macie plecak do 100 zł"         -> terms [plecak], price <= 100.00 PLN
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import UnknownCurrencyError, get_currency_precision

from handlers.products import quantity
from handlers.products.dictionary import dictionary
from handlers.products.index import CatalogTerms
from handlers.products.lexicon import (
    COLOR_WORDS,
    CURRENCIES,
    PRICE_MAX,
    PRICE_MIN,
    RANGE_JOINERS,
    SHADES,
    SIZE_KEYWORDS,
    SIZE_WORDS,
    STANDALONE_SIZES,
    STOPWORDS,
)
from storage.catalog import MAX_PRICE
from storage.search import SearchFilters
from storage.text import fold

_TOKEN = re.compile(r"\d+xl\b|\d+(?:[.,]\d{1,2})?|[^\W\d_]+|[€$£<>–-]")
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
# "20,000 mAh", "20.000 mAh", "1,200 eur": digits grouped by thousands are one number
# (a decimal has one or two digits after its comma: "1,7 l"); grouped by a space only
# before mAh or mm, where a second number is unlikely ("20 000 mAh", not "44 150 zł").
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[,.]\d{3})+(?![.,]?\d)")
_SPACED = re.compile(r"(?<![\d.,])(\d{1,3})[ \u00a0\u202f](\d{3})(?=\s*(?:mah|mm|мм)(?!\w))")
_HYPHENATED = re.compile(r"\b([^\W\d_]+)-([^\W\d_]+)\b")
_SYMBOLS = {"<": "under", ">": "over", "€": "eur", "$": "usd", "£": "gbp"}
LETTER_SIZES = frozenset({"s", "m", "l"})
_CONNECTORS = frozenset({"than", "niz", "dari", "of", "the", "ніж", "за"})
_BETWEEN = frozenset({"between", "antara", "miedzy", "valilla", "між"})


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    sku_candidates: list[str] = field(default_factory=list)
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    currency: str | None = None
    color_words: list[str] = field(default_factory=list)
    colors: set[str] = field(default_factory=set)
    size: str | None = None
    categories: list[str] = field(default_factory=list)  # exact catalog names
    category_words: list[str] = field(default_factory=list)
    quantities: list[quantity.Quantity] = field(default_factory=list)  # "1,7 l", "-10 °C"
    amount_words: list[str] = field(default_factory=list)  # their numbers, as terms
    # The shopping dictionary's English for the words the catalog lacks ("läppärin":
    # laptop), in order: what the model reads beside the question (finder.for_the_model).
    english: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.min_amount is not None
            or self.max_amount is not None
            or self.colors
            or self.size
            or self.categories
        )

    @property
    def naming(self) -> list[str]:
        """The words that may say what product is asked for, each once: the terms, then
        the category words."""
        return list(dict.fromkeys(self.terms + self.category_words))

    def following(self, before: ParsedQuery) -> ParsedQuery:
        """This question as a follow-up of `before`: the words of both, and each filter
        from this one where it names it, else from `before`."""
        priced = self.min_amount is not None or self.max_amount is not None
        price = self if priced else before
        return ParsedQuery(
            terms=list(dict.fromkeys(before.terms + self.terms)),
            unknown=list(dict.fromkeys(before.unknown + self.unknown)),
            min_amount=price.min_amount,
            max_amount=price.max_amount,
            currency=price.currency,
            color_words=self.color_words or before.color_words,
            colors=self.colors or before.colors,
            size=self.size or before.size,
            categories=self.categories or before.categories,
            category_words=self.category_words or before.category_words,
            quantities=self.quantities or before.quantities,
            amount_words=list(dict.fromkeys(before.amount_words + self.amount_words)),
            english=list(dict.fromkeys(before.english + self.english)),
        )

    def filters(self, with_variant: bool = True) -> SearchFilters:
        precision = _precision(self.currency)
        return SearchFilters(
            min_price_minor=_minor(self.min_amount, precision),
            max_price_minor=_minor(self.max_amount, precision),
            currency=self.currency,
            categories=tuple(self.categories),
            colors=tuple(sorted(self.colors)) if with_variant else (),
            size=self.size if with_variant else None,
        )


def _precision(currency: str | None) -> int:
    try:
        return int(get_currency_precision(currency)) if currency else 2
    except UnknownCurrencyError:
        return 2


def _minor(amount: Decimal | None, precision: int) -> int | None:
    return None if amount is None else int(amount.scaleb(precision))


def _amount(token: str) -> Decimal | None:
    """A price the question names; ids and other huge numbers are not prices, nor are
    "nan" and "inf", which Decimal reads as numbers."""
    amount = quantity.number(token)
    return amount if amount is not None and amount <= MAX_PRICE else None


def tokens(question: str) -> list[str]:
    """The question's folded tokens: digits grouped by thousands are one number
    ("20,000 mAh", "20 000 mm"), and a hyphen between two words is dropped, so that
    "kanak-kanak" and "селфі-палка" read as the dictionary's two-word phrases."""
    text = _SPACED.sub(r"\1\2", _GROUPED.sub(_digits, fold(question)))
    found = [_SYMBOLS.get(t, t) for t in _TOKEN.findall(text)]
    return [
        t
        for i, t in enumerate(found)
        if not (t == "-" and 0 < i < len(found) - 1 and _word(found[i - 1]) and _word(found[i + 1]))
    ]


def _digits(match: re.Match[str]) -> str:
    return re.sub(r"\D", "", match.group(0))


def _word(token: str) -> bool:
    return len(token) > 1 and token.isalpha()


def _join_hyphenated(question: str, catalog: CatalogTerms) -> str:
    """ "t-shirt" -> "tshirt" where the catalog knows the joined word."""

    def join(match: re.Match[str]) -> str:
        joined = match.group(1) + match.group(2)
        return joined if catalog.knows(fold(joined)) else match.group(0)

    return _HYPHENATED.sub(join, question)


def parse_question(question: str, catalog: CatalogTerms) -> ParsedQuery:
    parsed = ParsedQuery(
        sku_candidates=[
            m.group(0).strip("._-")
            for m in _SKU.finditer(question)
            if any(c.isdigit() for c in m.group(0)) and any(c.isalpha() for c in m.group(0))
        ]
    )
    asked = tokens(_join_hyphenated(question, catalog))
    spelled = dictionary().spell(asked, catalog.knows, _kept)
    toks = dictionary().translate(spelled, catalog.knows)
    # The model reads the English of the words as asked, not of the dictionary's spelling
    # guesses ("liner" read as "line", a rope): its agreement with the words claims a
    # product, and a wrong guess is no second opinion.
    exact = toks if spelled == asked else dictionary().translate(asked, catalog.knows)
    parsed.english = [t for t in dict.fromkeys(exact) if t.isalpha() and t not in asked]
    candidates: list[str] = []
    i = 0
    while i < len(toks):
        i = _parse_at(toks, i, parsed, catalog, candidates)
    _take_categories(parsed, candidates, catalog)
    for word in candidates:
        corrected = catalog.correct(word)
        if corrected is None:
            if len(word) > 2:  # stray letters ("t", "pc") say nothing about the product
                parsed.unknown.append(word)
        elif corrected not in parsed.terms:
            parsed.terms.append(corrected)
    return parsed


_LEXICON = (
    (STOPWORDS | SIZE_KEYWORDS | PRICE_MAX | PRICE_MIN | RANGE_JOINERS | set(COLOR_WORDS))
    | set(CURRENCIES)
    | set(SIZE_WORDS)
)


def _kept(token: str) -> bool:
    """Words never read as a misspelling of another: the parser's own (small words,
    colours, sizes, budgets) and units."""
    return token in _LEXICON or quantity.is_unit(token)


def _parse_at(
    toks: list[str], i: int, parsed: ParsedQuery, catalog: CatalogTerms, candidates: list[str]
) -> int:
    """Consume the construct starting at toks[i]; return the next index."""
    after = _price_words(toks, i, parsed)
    if after is None:
        after = _sizes(toks, i, parsed, catalog)
    if after is not None:
        return after
    after = _quantity(toks, i, parsed, catalog, candidates)
    if after is not None:
        return after
    amount = _amount(toks[i])
    if amount is not None:
        return _parse_amount(toks, i, amount, parsed, candidates)
    after = _colours(toks, i, parsed, catalog)
    if after is not None:
        return after
    tok = toks[i]
    if tok not in STOPWORDS and tok not in _CONNECTORS and tok not in RANGE_JOINERS:
        candidates.append(tok)
    return i + 1


def _price_words(toks: list[str], i: int, parsed: ParsedQuery) -> int | None:
    """ "under 80", "between 20 and 50 EUR", "€80": a budget."""
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if tok in _BETWEEN or tok in PRICE_MAX or tok in PRICE_MIN:
        j = i + 1
        while j < len(toks) and (toks[j] in _CONNECTORS or toks[j] in CURRENCIES):
            _note_currency(parsed, toks[j])
            j += 1
        amount = _amount(toks[j]) if j < len(toks) else None
        unit = toks[j + 1] if j + 1 < len(toks) else ""
        # "do 10 stopni" is no price; a one-letter "unit" may be a word ("do 200 w kolorze")
        if amount is not None and not (quantity.is_unit(unit) and len(unit) > 1):
            j = _skip_currency(toks, j + 1, parsed)
            if tok in _BETWEEN or tok in PRICE_MIN:
                parsed.min_amount = amount
            else:
                parsed.max_amount = amount
            return j
    if tok in CURRENCIES and _amount(nxt) is not None:
        _note_currency(parsed, tok)
        parsed.max_amount = _amount(nxt)  # "a jacket for €80": a budget
        return i + 2
    return None


def _sizes(toks: list[str], i: int, parsed: ParsedQuery, catalog: CatalogTerms) -> int | None:
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    after = toks[i + 2] if i + 2 < len(toks) else ""
    if nxt == "-" and after in SIZE_KEYWORDS:  # "L-koossa", "44-rozmiar"
        parsed.size = SIZE_WORDS.get(tok) or tok.upper()
        return i + 3
    if tok in SIZE_KEYWORDS:
        said = _catalog_size(toks, i + 1, catalog)
        if said is not None:  # "saiz L/XL"
            parsed.size, width = said
            return i + 1 + width
        if nxt and nxt not in SIZE_KEYWORDS:
            parsed.size = SIZE_WORDS.get(nxt) or nxt.upper()
            return i + 2
        return i + 1 if parsed.size else None  # "M koossa": the size came first
    said = _catalog_size(toks, i, catalog)
    if said is not None:
        size, width = said
        if width > 1 or nxt in SIZE_KEYWORDS or _after_colour(toks, i, parsed):
            parsed.size = size  # "200x200", "21 розмір", "синій на 116"
            return i + width
    after_colour = i > 0 and toks[i - 1] in parsed.color_words
    if tok in STANDALONE_SIZES or (tok in LETTER_SIZES and after_colour):
        parsed.size = tok.upper()  # "xl" anywhere; "m" right after a colour: "blue, m"
        return i + 1
    if (
        after_colour
        and tok.isdigit()
        and not quantity.is_unit(nxt)
        and nxt not in CURRENCIES
        and _amount(nxt) is None
    ):
        parsed.size = tok  # "czarne 40": a shoe size right after a colour
        return i + 1
    return None


def _catalog_size(toks: list[str], i: int, catalog: CatalogTerms) -> tuple[str, int] | None:
    """A size of the catalog's variants written from toks[i] ("200 x 200", "l xl",
    "116"), and how many tokens it takes; the longest first."""
    for width in range(min(3, len(toks) - i), 0, -1):
        size = catalog.sizes.get("".join(toks[i : i + width]))
        if size is not None:
            return size, width
    return None


def _after_colour(toks: list[str], i: int, parsed: ParsedQuery) -> bool:
    """Right after a colour, or after a colour and a small word ("синій на 116")."""
    before = toks[max(0, i - 2) : i]
    return bool(before) and (
        before[-1] in parsed.color_words
        or (len(before) == 2 and before[0] in parsed.color_words and before[1] in STOPWORDS)
    )


def _quantity(
    toks: list[str], i: int, parsed: ParsedQuery, catalog: CatalogTerms, candidates: list[str]
) -> int | None:
    """ "1,7 l", "-10 stopni", "2-person": an amount the product itself should have. Its
    number is searched for too where the catalog has it ("Trek 55": "plecak 55 litrów")."""
    found = quantity.read(toks, i)
    if found is None:
        return None
    parsed.quantities.append(found[0])
    if candidates and i > 0 and candidates[-1] == toks[i - 1] in quantity.MEASURE_NOUNS:
        candidates.pop()  # "suhu -10", "moc 2000 W": the word for the measure says no more
    digits = toks[i + 1] if toks[i] in quantity.MINUS else toks[i]
    if catalog.knows(digits):
        candidates.append(digits)
        parsed.amount_words.append(digits)
    return found[1]


def _colours(toks: list[str], i: int, parsed: ParsedQuery, catalog: CatalogTerms) -> int | None:
    """A shade the catalog has ("sky blue", "olive"), or a colour family ("blue")."""
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    pair = f"{tok} {nxt}"
    if nxt and pair in catalog.colors:
        parsed.colors.add(pair)
        parsed.color_words.append(pair)
        return i + 2
    if tok in catalog.colors and tok not in COLOR_WORDS:
        parsed.colors.add(tok)
        parsed.color_words.append(tok)
        return i + 1
    if tok in COLOR_WORDS:
        parsed.colors |= SHADES[COLOR_WORDS[tok]] & (catalog.colors | {COLOR_WORDS[tok]})
        parsed.colors.add(COLOR_WORDS[tok])
        parsed.color_words.append(tok)
        return i + 1
    return None


def _parse_amount(
    toks: list[str], i: int, amount: Decimal, parsed: ParsedQuery, candidates: list[str]
) -> int:
    j = _skip_currency(toks, i + 1, parsed)
    if j < len(toks) - 1 and toks[j] in RANGE_JOINERS and _amount(toks[j + 1]) is not None:
        upper = _amount(toks[j + 1])
        parsed.min_amount, parsed.max_amount = amount, upper
        return _skip_currency(toks, j + 2, parsed)
    if (
        parsed.min_amount is not None
        and parsed.max_amount is None
        and i > 0
        and (toks[i - 1] in RANGE_JOINERS)
    ):
        parsed.max_amount = amount  # "between 20 and 50"
        return j
    if j > i + 1:
        parsed.max_amount = amount  # "a jacket for 80 EUR": a budget
        return j
    candidates.append(toks[i])  # a bare number may be part of a name ("30 l", "42")
    return i + 1


def _skip_currency(toks: list[str], j: int, parsed: ParsedQuery) -> int:
    if j < len(toks) and toks[j] in CURRENCIES:
        _note_currency(parsed, toks[j])
        return j + 1
    return j


def _note_currency(parsed: ParsedQuery, tok: str) -> None:
    if tok in CURRENCIES:
        parsed.currency = CURRENCIES[tok]


def _take_categories(parsed: ParsedQuery, candidates: list[str], catalog: CatalogTerms) -> None:
    """A question naming a category ("any shoes under 100") filters on it."""
    present = set(candidates)
    for name, name_words in catalog.categories.items():
        if not name_words:
            continue
        matched = [_match_word(w, present) for w in name_words]
        if all(m is not None for m in matched):
            parsed.categories.append(name)
            parsed.category_words.extend(name_words)
            for m in matched:
                if m in candidates:
                    candidates.remove(m)


def _match_word(word: str, present: set[str]) -> str | None:
    for candidate in present:
        if candidate == word or candidate.rstrip("s") == word.rstrip("s"):
            return candidate
    return None
