"""Comparatives: "cheaper", "a bigger one than the Trek 28", "lighter than that".

Price comes from the catalog; capacity, weight and warmth are read from the product's
name and description ("30 L", "1.4 kg", "comfort -5 °C"), as shops write them. Only
products of the same kind compare: the same category and the same last word of the
name ("Ridge 2 Tent" and "Summit 3 Tent").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from handlers.core.i18n import N_, I18n
from handlers.core.model import Text, bold
from handlers.products.lexicon import folded_phrases
from storage.catalog import ProductRecord
from storage.text import fold


class Measure(StrEnum):
    PRICE = "price"
    CAPACITY = "capacity"
    WEIGHT = "weight"
    WARMTH = "warmth"  # a duvet's tog, or minus a sleeping bag's comfort temperature
    POWER = "power"  # watts
    # Named with an amount only ("2-person tent", "20000 mAh", "a 23 cm knife"):
    PEOPLE = "people"
    BATTERY = "battery"  # mAh
    LENGTH = "length"  # cm; an area in cm² where the text gives "180 x 100 cm"
    SPF = "spf"  # sun protection factor
    WATERPROOF = "waterproof"  # a fabric's rating, in mm of water


@dataclass(frozen=True)
class Comparison:
    measure: Measure
    less: bool  # wants a smaller value (cheaper, lighter, smaller)
    rest: str  # the question before "than" (without the comparative word)
    reference: str  # the question after "than" ("" when it refers to the last answer)
    superlative: bool = False  # "the cheapest", not "cheaper": the extreme of a kind


def _stems(listed: str) -> tuple[str, ...]:
    return folded_phrases(*listed.split(","))


# Stems (folded) in the six languages, each with what it compares and which way. Malay
# and Indonesian compare with "lebih" or, in chat Malay, "lagi" ("lagi murah"): "murah"
# alone means cheap. Where two could match ("більш водонепроникна", "більший"), the
# longer, earlier entry wins.
_WORDS: tuple[tuple[tuple[str, ...], Measure, bool], ...] = (
    (
        _stems(
            "more waterproof,bardziej wodoodporn,більш водонепроникн,vedenpitavamp,"
            "lebih kalis air,lagi kalis air,lebih tahan air"
        ),
        Measure.WATERPROOF,
        False,
    ),
    (
        _stems("cheaper,tansz,taniej,дешевш,halvemp,lebih murah,lagi murah,murah sikit"),
        Measure.PRICE,
        True,
    ),
    (
        _stems("pricier,more expensive,drozsz,drozej,дорожч,kalliimp,lebih mahal,lagi mahal"),
        Measure.PRICE,
        False,
    ),
    (
        _stems(
            "bigger,larger,roomier,more capacity,higher capacity,wieksz,більш,isomp,suuremp,"
            "lebih besar,lagi besar,lebih gede,lebih gedhe,gedean"
        ),
        Measure.CAPACITY,
        False,
    ),
    (
        _stems("smaller,mniejsz,менший,менша,меншого,pienemp,lebih kecil,lagi kecil,kecilan"),
        Measure.CAPACITY,
        True,
    ),
    (_stems("longer,dluzsz,довш,pidemp,lebih panjang,lagi panjang"), Measure.LENGTH, False),
    (_stems("shorter,krotsz,коротш,lyhyemp,lebih pendek,lagi pendek"), Measure.LENGTH, True),
    (_stems("lighter,lzejsz,легш,kevyemp,lebih ringan,lagi ringan"), Measure.WEIGHT, True),
    (_stems("heavier,ciezsz,важч,painavamp,lebih berat,lagi berat"), Measure.WEIGHT, False),
    (
        _stems(
            "warmer,cieplejsz,тепліш,lampimamp,lebih hangat,lebih panas,lebih anget,"
            "lagi hangat,lagi panas"
        ),
        Measure.WARMTH,
        False,
    ),
    (
        _stems("more powerful,stronger,mocniejsz,потужніш,tehokkaamp,lebih laju,lebih kuat"),
        Measure.POWER,
        False,
    ),
    # "Higher" says what is higher only beside "SPF" (see comparison_of).
    (
        _stems("higher,wyzsz,вищ,korkeamp,lebih tinggi,lagi tinggi,tinggi sikit"),
        Measure.SPF,
        False,
    ),
)
# Superlatives ("the cheapest", "najlżejszy", "paling murah"), read before comparatives.
# Ukrainian "найбільш"/"найменш" also make a superlative of a following adjective
# ("найбільш водонепроникна"): that entry comes first.
_SUPERLATIVES: tuple[tuple[tuple[str, ...], Measure, bool], ...] = (
    (
        _stems(
            "most waterproof,najbardziej wodoodporn,найбільш водонепроникн,vedenpitavin,"
            "paling kalis air,paling tahan air"
        ),
        Measure.WATERPROOF,
        False,
    ),
    (
        _stems(
            "cheapest,least expensive,lowest price,najtansz,najtaniej,найдешевш,halvin,"
            "halvimm,paling murah,termurah"
        ),
        Measure.PRICE,
        True,
    ),
    (
        _stems(
            "most expensive,priciest,najdrozsz,найдорожч,kallein,kalleimm,paling mahal,termahal"
        ),
        Measure.PRICE,
        False,
    ),
    (
        _stems(
            "biggest,largest,roomiest,najwieksz,найбільш,suurin,suurimm,isoin,isoimm,"
            "paling besar,terbesar,paling gede"
        ),
        Measure.CAPACITY,
        False,
    ),
    (
        _stems("smallest,najmniejsz,найменш,pienin,pienimm,paling kecil,terkecil"),
        Measure.CAPACITY,
        True,
    ),
    (
        _stems("longest,najdluzsz,найдовш,pisin,pisimm,paling panjang,terpanjang"),
        Measure.LENGTH,
        False,
    ),
    (
        _stems("shortest,najkrotsz,найкоротш,lyhyin,lyhyimm,paling pendek,terpendek"),
        Measure.LENGTH,
        True,
    ),
    (
        _stems("lightest,najlzejsz,найлегш,kevyin,kevyimm,paling ringan,teringan"),
        Measure.WEIGHT,
        True,
    ),
    (
        _stems("heaviest,najciezsz,найважч,painavin,painavimm,paling berat,terberat"),
        Measure.WEIGHT,
        False,
    ),
    (
        _stems(
            "warmest,najcieplejsz,найтепліш,lampimin,lampimimm,paling hangat,terhangat,"
            "paling panas,terpanas"
        ),
        Measure.WARMTH,
        False,
    ),
    (
        _stems(
            "most powerful,strongest,najmocniejsz,найпотужніш,tehokkain,tehokkaimm,"
            "paling kuat,terkuat,paling laju"
        ),
        Measure.POWER,
        False,
    ),
    (
        _stems("highest,najwyzsz,найвищ,korkein,korkeimm,paling tinggi,tertinggi"),
        Measure.SPF,
        False,
    ),
)
# Words before "longer" that make it time ("no longer", "lasts longer", "trwa dłużej").
_NOT_LENGTH = ("last", "work", "hold", "stay", "trwa", "kesta", "працю", "трима")
_THAN = frozenset(_stems("than,niz,od,ніж,за,kuin,daripada,dari,dibanding,dibandingkan"))
_WORD = re.compile(r"\w+")


_Table = tuple[tuple[tuple[str, ...], Measure, bool], ...]
_START = 3  # letters every stem has


def _by_start(table: _Table) -> dict[str, list[tuple[str, Measure, bool]]]:
    """The table's stems by their first letters, in the table's order: a word is tried
    against the few that start as it does, not all two hundred."""
    index: dict[str, list[tuple[str, Measure, bool]]] = {}
    for stems, measure, less in table:
        for stem in stems:
            index.setdefault(stem[:_START], []).append((stem, measure, less))
    return index


_SUPERLATIVES_BY_START = _by_start(_SUPERLATIVES)
_WORDS_BY_START = _by_start(_WORDS)


def comparison_of(question: str) -> Comparison | None:
    """The comparison the question asks for, if any: a superlative ("the cheapest
    tent") or a comparative ("cheaper than the Ridge 2")."""
    tokens = _WORD.findall(fold(question))
    return _found_in(tokens, _SUPERLATIVES_BY_START, superlative=True) or _found_in(
        tokens, _WORDS_BY_START
    )


def _found_in(
    tokens: list[str],
    table: dict[str, list[tuple[str, Measure, bool]]],
    superlative: bool = False,
) -> Comparison | None:
    for i, token in enumerate(tokens):
        # The word with the next (stems of two words); a stem of one word starts it too.
        pair = f"{token} {tokens[i + 1]}" if i + 1 < len(tokens) else token
        for stem, measure, less in table.get(pair[:_START], ()):
            if not pair.startswith(stem) or (measure is Measure.SPF and "spf" not in tokens):
                continue
            before_it = tokens[i - 1] if i else ""
            if measure is Measure.LENGTH and (
                before_it in ("no", "any") or before_it.startswith(_NOT_LENGTH)
            ):
                continue  # "no longer sold", "lasts longer": time, not length
            width = 2 if " " in stem else 1
            before, after = tokens[:i], tokens[i + width :]
            reference = ""
            for j, word in enumerate(after):
                if word in _THAN and not superlative:  # a superlative has no reference
                    before, reference = before + after[:j], " ".join(after[j + 1 :])
                    break
            else:
                before = before + after
            return Comparison(measure, less, " ".join(before), reference, superlative)
    return None


_LITRES = re.compile(r"(\d+(?:[.,]\d+)?)\s*(ml|l|litres?|liters?|ltr)(?!\w)")
_PEOPLE = re.compile(
    r"(\d+|one|two|three|four|five|six|eight)[- ]?(?:person|people|persons|man|seater)(?!\w)"
    r"|sleeps (\d+|one|two|three|four|five|six|eight)(?!\w)"
)
_NUMERALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8}
_MAH = re.compile(r"(\d{1,3}(?:[ ,.]\d{3})+|\d+)\s*mah(?!\w)")
_SPF = re.compile(r"spf\s*(\d+)(\+?)")
_RATING = re.compile(r"(\d{1,3}(?:[ ,.]\d{3})+|\d+)\s*mm(?!\w)")
_R_VALUE = re.compile(r"r[- ]?value\s*(\d+(?:[.,]\d+)?)")
_INCHES = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:-\s*)?(?:inch(?:es)?|\")(?!\w)")
_CM = re.compile(r"(\d+(?:[.,]\d+)?)(?:\s*x\s*(\d+(?:[.,]\d+)?))?\s*(cm|mm|m)(?!\w)")
_GRAMS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g)(?!\w)")
_COMFORT = re.compile(r"(?:comfort|rated|limit|down to)\D{0,20}?(-?\d+)\s*°?\s*c(?!\w)")
_TOG = re.compile(r"(\d+(?:[.,]\d+)?)\s*tog(?!\w)")
_WATTS = re.compile(r"(\d+(?:[.,]\d+)?)\s*w(?!\w)")
_UNITS = frozenset("ml l cl kg g mm cm m w v mah tog xl xs pcs pack set".split())


def value(product: ProductRecord, measure: Measure) -> Decimal | None:
    """The product's value of `measure`, or None where its text does not say."""
    if measure is Measure.PRICE:
        return Decimal(product.price_minor)
    text = fold(f"{product.name}. {product.description}").replace("−", "-")
    return _READERS[measure](text)


def _capacity(text: str) -> Decimal | None:
    """What "bigger" means for the kind: litres, then people, charge, length or area."""
    litres = _LITRES.search(text)
    if litres:
        amount = _decimal(litres.group(1))
        return amount / 1000 if litres.group(2) == "ml" else amount
    return _people(text) or _mah(text) or _length(text)


def _weight(text: str) -> Decimal | None:
    grams = _GRAMS.search(text)
    if not grams:
        return _found(_TOG, text)  # a "lighter" duvet is a thinner one: the lower tog
    amount = _decimal(grams.group(1))
    return amount * 1000 if grams.group(2) == "kg" else amount


def _warmth(text: str) -> Decimal | None:
    """A duvet's tog, a sleeping pad's R-value, or minus a sleeping bag's comfort
    temperature."""
    found = _found(_TOG, text) or _found(_R_VALUE, text)
    if found is not None:
        return found
    comfort = _COMFORT.search(text)
    return -Decimal(comfort.group(1)) if comfort else None


def _spf(text: str) -> Decimal | None:
    spf = _SPF.search(text)
    return Decimal(spf.group(1)) + (Decimal("0.5") if spf.group(2) else 0) if spf else None


def _waterproof(text: str) -> Decimal | None:
    return _grouped(_RATING, text) if "waterproof" in text else None


def _found(pattern: re.Pattern[str], text: str) -> Decimal | None:
    match = pattern.search(text)
    return _decimal(match.group(1)) if match else None


def _decimal(digits: str) -> Decimal:
    """ "1,5" and "1.5" are one and a half; "10,000" is ten thousand."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits):
        return Decimal(digits.replace(",", ""))
    return Decimal(digits.replace(",", "."))


def _mah(text: str) -> Decimal | None:
    return _grouped(_MAH, text)


def _grouped(pattern: re.Pattern[str], text: str) -> Decimal | None:
    """A whole number that may be grouped by thousands ("20,000", "20 000", "20.000")."""
    match = pattern.search(text)
    return Decimal(re.sub(r"\D", "", match.group(1))) if match else None


def _people(text: str) -> Decimal | None:
    people = _PEOPLE.search(text)
    if not people:
        return None
    found = people.group(1) or people.group(2)
    return Decimal(_NUMERALS.get(found) or found)


def _length(text: str) -> Decimal | None:
    """A length in cm ("23 cm", "2 m"), or an area in cm² ("180 x 100 cm")."""
    # Not a fabric's waterproof rating ("3,000 mm"), which is no length.
    size = next((m for m in _CM.finditer(text) if "," not in m.group(1)), None)
    if not size:
        inches = _INCHES.search(text)
        return _decimal(inches.group(1)) * Decimal("2.54") if inches else None
    scale = {"mm": Decimal("0.1"), "cm": Decimal(1), "m": Decimal(100)}[size.group(3)]
    first = _decimal(size.group(1)) * scale
    return first * _decimal(size.group(2)) * scale if size.group(2) else first


_READERS: dict[Measure, Callable[[str], Decimal | None]] = {
    Measure.CAPACITY: _capacity,
    Measure.WEIGHT: _weight,
    Measure.WARMTH: _warmth,
    Measure.POWER: lambda text: _found(_WATTS, text),
    Measure.PEOPLE: _people,
    Measure.BATTERY: _mah,
    Measure.LENGTH: _length,
    Measure.SPF: _spf,
    Measure.WATERPROOF: _waterproof,
}


def kind(product: ProductRecord) -> tuple[str, str]:
    """What kind of product it is: its category and the last word of its name."""
    words = [w for w in _WORD.findall(fold(product.name)) if w.isalpha() and w not in _UNITS]
    last = words[-1] if words else ""
    return product.category, last.removesuffix("s")


def ranked(
    reference: ProductRecord, candidates: list[ProductRecord], comparison: Comparison
) -> list[ProductRecord]:
    """The candidates that beat the reference, nearest first (the next cheaper, the next
    bigger): those of the reference's very kind (the last word of the name) first, in
    stock before out of stock."""
    base = value(reference, comparison.measure)
    if base is None:
        return []
    own = kind(reference)
    beating = []
    for product in candidates:
        found = value(product, comparison.measure)
        if product.id == reference.id or found is None:
            continue
        if found < base if comparison.less else found > base:
            order = (kind(product) != own, product.stock <= 0, abs(found - base), product.id)
            beating.append((order, product))
    return [p for _, p in sorted(beating, key=lambda row: row[0])]


def extremes(candidates: list[ProductRecord], comparison: Comparison) -> list[ProductRecord]:
    """The candidates whose text gives the measure, the extreme first (the cheapest, the
    warmest); equal values in stock first."""
    valued = [(found, p) for p in candidates if (found := value(p, comparison.measure)) is not None]
    valued.sort(key=lambda row: (row[0] if comparison.less else -row[0], row[1].stock <= 0))
    return [p for _, p in valued]


_NOTHING_BEATS = {
    (Measure.PRICE, True): N_("Nothing of its kind here is cheaper than {product}."),
    (Measure.PRICE, False): N_("Nothing of its kind here costs more than {product}."),
    (Measure.CAPACITY, False): N_("Nothing of its kind here is bigger than {product}."),
    (Measure.CAPACITY, True): N_("Nothing of its kind here is smaller than {product}."),
    (Measure.WEIGHT, True): N_("Nothing of its kind here is lighter than {product}."),
    (Measure.WEIGHT, False): N_("Nothing of its kind here is heavier than {product}."),
    (Measure.WARMTH, False): N_("Nothing of its kind here is warmer than {product}."),
    (Measure.POWER, False): N_("Nothing of its kind here is more powerful than {product}."),
    (Measure.LENGTH, False): N_("Nothing of its kind here is longer than {product}."),
    (Measure.LENGTH, True): N_("Nothing of its kind here is shorter than {product}."),
    (Measure.SPF, False): N_("Nothing of its kind here has a higher SPF than {product}."),
    (Measure.WATERPROOF, False): N_("Nothing of its kind here is more waterproof than {product}."),
}
_UNKNOWN = {
    Measure.CAPACITY: N_("The description of {product} doesn't give its size, so I can't compare."),
    Measure.WEIGHT: N_("The description of {product} doesn't give its weight, so I can't compare."),
    Measure.WARMTH: N_(
        "The description of {product} doesn't say how warm it is, so I can't compare."
    ),
    Measure.POWER: N_("The description of {product} doesn't give its power, so I can't compare."),
    Measure.LENGTH: N_("The description of {product} doesn't give its length, so I can't compare."),
    Measure.SPF: N_("The description of {product} doesn't give its SPF, so I can't compare."),
    Measure.WATERPROOF: N_(
        "The description of {product} doesn't give its waterproof rating, so I can't compare."
    ),
}


def nothing_beats(comparison: Comparison, reference: ProductRecord, i18n: I18n) -> Text:
    """Why no product answers the comparison: none beats the reference, or the
    reference's own text does not give the value compared."""
    name = bold(reference.name_in(i18n.language))
    if value(reference, comparison.measure) is None:
        return i18n.rich(_UNKNOWN[comparison.measure], product=name)
    return i18n.rich(_NOTHING_BEATS[(comparison.measure, comparison.less)], product=name)
