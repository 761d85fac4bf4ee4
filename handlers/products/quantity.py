"""Amounts with a unit in a question ("czajnik 1,7 l", "duvet 13.5 tog", "спальник до
-10 градусів", "2-person tent", "powerbank 20000 mAh"), in the six languages.

A number with a unit describes the product, not its price and not an unknown word: the
products whose own text gives that amount (compare.value) come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from handlers.products.compare import Measure, value
from handlers.products.lexicon import COLOR_WORDS, folded
from storage.catalog import ProductRecord


@dataclass(frozen=True)
class Quantity:
    measure: Measure
    amount: Decimal  # in the unit compare.value reads: litres, grams, watts, mAh, cm


# Folded unit words, each with its measure and the factor to compare.value's unit. The
# languages' inflections are listed where they differ ("litra", "litran", "літрів").
_UNITS: dict[str, tuple[Measure, Decimal]] = {
    **dict.fromkeys(
        folded(
            "l ltr litre litres liter liters litr litra litry litrow litrach litrze litran"
            " litraa litrainen litrinen л літр літра літри літрів літрах"
        ),
        (Measure.CAPACITY, Decimal(1)),
    ),
    **dict.fromkeys(
        folded("ml mililitr mililitrow millilitraa mililiter мл мілілітр мілілітрів"),
        (Measure.CAPACITY, Decimal("0.001")),
    ),
    **dict.fromkeys(
        folded(
            "person persons people man seater osoba osoby osob osobowy osobowa osobowe"
            " особа особи осіб особу місний місна hengen henkilon henkea henkilolle orang"
        ),
        (Measure.PEOPLE, Decimal(1)),
    ),
    **dict.fromkeys(
        folded("kg kilo kilos kilogram kilograms kilogramy kilogramow кг кілограм кіло kiloa"),
        (Measure.WEIGHT, Decimal(1000)),
    ),
    **dict.fromkeys(
        folded("g gram grams gramy gramow г грам грамів grammaa"), (Measure.WEIGHT, Decimal(1))
    ),
    "tog": (Measure.WARMTH, Decimal(1)),
    **dict.fromkeys(
        folded("w watt watts wat watow вт ват ватт wattia"), (Measure.POWER, Decimal(1))
    ),
    **dict.fromkeys(folded("mah мач маг"), (Measure.BATTERY, Decimal(1))),
    **dict.fromkeys(folded("cm см centymetrow senttia sentti"), (Measure.LENGTH, Decimal(1))),
    **dict.fromkeys(folded("mm мм milimetrow millia"), (Measure.LENGTH, Decimal("0.1"))),
    **dict.fromkeys(
        folded("meter meters metre metres metr metry metrow metra metria metrin метр метри метрів"),
        (Measure.LENGTH, Decimal(100)),
    ),
    **dict.fromkeys(
        folded("inch inches cali cal дюймів дюйми дюйм tuumaa tuuman inci"),
        (Measure.LENGTH, Decimal("2.54")),
    ),
}
WATER_COLUMN = 1000  # mm from which an amount is a fabric's waterproof rating, not a size
# Temperatures: a sleeping bag "to -10 degrees" is warmth 10 (compare.value).
_DEGREES = folded(
    "c °c celsius degree degrees stopni stopnie stopien градусів градуси градус градуса"
    " astetta asteeseen asteen aste darjah derajat"
)
MINUS = folded("- minus мінус miinus")
_AFTER_W = folded("kolorze kolorach rozmiarze rozmiarach cenie stylu") | frozenset(COLOR_WORDS)
# Two-word units: "мА·год" (folded and split: "ма", "год").
_PAIRS = {("ма", "год"): (Measure.BATTERY, Decimal(1))}
_PAIR_STARTS = frozenset(first for first, _ in _PAIRS)
# Words naming what the amount measures ("suhu -10", "pojemność 20 l"): said with an
# amount, they add nothing to it.
MEASURE_NOUNS = folded(
    "temperature temp capacity volume weight power suhu kapasiti kapasitas berat"
    " temperatura temperatury pojemnosc pojemnosci waga moc lampotila lampotilaan"
    " tilavuus paino teho температура температури ємність ємністю вага потужність"
)


def number(token: str) -> Decimal | None:
    """The token as a number ("1,7" too), or None; "nan" and "inf" are none."""
    try:
        amount = Decimal(token.replace(",", "."))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def read(tokens: Sequence[str], i: int) -> tuple[Quantity, int] | None:
    """The amount with a unit starting at tokens[i] ("1,7 l", "- 10 stopni", "2 - person"),
    and the index after it; None when there is none."""
    negative = tokens[i] in MINUS
    start = i + 1 if negative else i
    amount = number(tokens[start]) if start < len(tokens) else None
    if amount is None:
        return None
    j = start + 1
    if j < len(tokens) - 1 and tokens[j] == "-":  # "2-person"
        j += 1
    unit = tokens[j] if j < len(tokens) else ""
    pair = (unit, tokens[j + 1]) if j + 1 < len(tokens) else None
    if pair in _PAIRS:
        measure, factor = _PAIRS[pair]
        return Quantity(measure, amount * factor), j + 2
    if unit in _DEGREES:
        celsius = -amount if negative else amount
        return Quantity(Measure.WARMTH, -celsius), j + 1
    if unit == "w" and j + 1 < len(tokens) and tokens[j + 1] in _AFTER_W:
        return None  # Polish "w" (in): "42 w kolorze brązowym"
    if unit in _UNITS and not negative:
        measure, factor = _UNITS[unit]
        if measure is Measure.LENGTH and factor < 1 and amount >= WATER_COLUMN:
            return Quantity(Measure.WATERPROOF, amount), j + 1  # "20 000 mm": a rating
        return Quantity(measure, amount * factor), j + 1
    return None


def is_unit(token: str) -> bool:
    """Whether `token` is a unit, so a number before it is no price ("do 10 stopni")."""
    return token in _UNITS or token in _DEGREES or token in _PAIR_STARTS


def by_fit(products: list[ProductRecord], wanted: Sequence[Quantity]) -> list[ProductRecord]:
    """`products` with those closest to the amounts asked for first (exact ones first of
    all); products whose text does not give an amount keep their place after them."""
    if not wanted:
        return products

    def distance(product: ProductRecord) -> tuple[int, Decimal]:
        total, missing = Decimal(0), 0
        for quantity in wanted:
            found = value(product, quantity.measure)
            if found is None:
                missing += 1
            else:
                total += abs(found - quantity.amount) / max(abs(quantity.amount), Decimal(1))
        return missing, total

    return sorted(products, key=distance)
