"""Standard colour names in the shopper's language.

The catalog names colours in English (Olive, Navy); a card shows the common ones in
the member's language and leaves any other name as the catalog wrote it (a brand's
"Midnight Moss" stays). Polish and Ukrainian use the masculine form, as a list of
colours does.
"""

from __future__ import annotations

_NAMES: dict[str, tuple[str, str, str, str, str]] = {
    # English: (pl, uk, fi, ms, id)
    "black": ("czarny", "чорний", "musta", "hitam", "hitam"),
    "white": ("biały", "білий", "valkoinen", "putih", "putih"),
    "grey": ("szary", "сірий", "harmaa", "kelabu", "abu-abu"),
    "gray": ("szary", "сірий", "harmaa", "kelabu", "abu-abu"),
    "charcoal": ("grafitowy", "графітовий", "grafiitinharmaa", "kelabu arang", "abu-abu arang"),
    "silver": ("srebrny", "сріблястий", "hopea", "perak", "perak"),
    "navy": ("granatowy", "темно-синій", "tummansininen", "biru tua", "biru dongker"),
    "blue": ("niebieski", "синій", "sininen", "biru", "biru"),
    "sky": ("błękitny", "блакитний", "taivaansininen", "biru langit", "biru langit"),
    "teal": ("morski", "бірюзовий", "sinivihreä", "hijau kebiruan", "hijau toska"),
    "green": ("zielony", "зелений", "vihreä", "hijau", "hijau"),
    "olive": ("oliwkowy", "оливковий", "oliivinvihreä", "hijau zaitun", "hijau zaitun"),
    "khaki": ("khaki", "хакі", "khaki", "khaki", "khaki"),
    "sand": ("piaskowy", "пісочний", "hiekanvärinen", "warna pasir", "warna pasir"),
    "beige": ("beżowy", "бежевий", "beige", "kuning air", "krem"),
    "cream": ("kremowy", "кремовий", "kermanvalkoinen", "krim", "krem"),
    "brown": ("brązowy", "коричневий", "ruskea", "coklat", "cokelat"),
    "red": ("czerwony", "червоний", "punainen", "merah", "merah"),
    "burgundy": ("bordowy", "бордовий", "viininpunainen", "merah marun", "merah marun"),
    "pink": ("różowy", "рожевий", "vaaleanpunainen", "merah jambu", "merah muda"),
    "orange": ("pomarańczowy", "помаранчевий", "oranssi", "oren", "oranye"),
    "yellow": ("żółty", "жовтий", "keltainen", "kuning", "kuning"),
    "gold": ("złoty", "золотий", "kullanvärinen", "emas", "emas"),
    "purple": ("fioletowy", "фіолетовий", "violetti", "ungu", "ungu"),
}
_LANGUAGES = ("pl", "uk", "fi", "ms", "id")


def colour_name(colour: str, language: str) -> str:
    """`colour` in `language` when it is a standard colour we know, else as given."""
    names = _NAMES.get(colour.strip().lower())
    if names is None or language not in _LANGUAGES:
        return colour
    return names[_LANGUAGES.index(language)]
