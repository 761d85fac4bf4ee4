"""Which of our languages a message is written in, when the platform does not say
(Discord messages carry no locale): letters only some languages use, then the most
common small words. A short, ambiguous message gives None, and the default applies.

Small on purpose: six languages, a few dozen words each, no model to load.
"""

from __future__ import annotations

import re

from storage.text import fold

_WORD = re.compile(r"[^\W\d_]+")
# Letters that settle it (after case folding; not accent-folded).
_LETTERS = {
    "uk": set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "pl": set("ąćęłńśźż"),
    "fi": set("äö"),
}
# Common words, written without accents (as `fold` leaves them).
_WORDS = {
    "en": "the is are do does you your have has what how much any anything for with in on"
    " and or of to a an my me i hi hello thanks thank please want need looking show cheap",
    "pl": "czy jest sa macie masz ile kosztuje kosztuja cena jaki jaka jakie szukam chce"
    " potrzebuje prosze dzieki dziekuje czesc dzien dobry moze mozna w na z dla i lub albo",
    "fi": "onko on ja tai ei mita mika paljonko maksaa hinta kuinka etsin haluan tarvitsen"
    " kiitos hei moi teilla sinulla jotain jokin koko vari",
    "ms": "tak nak boleh saiz beg kasut baju awak anda ke ni tu kah sahaja baharu macam"
    " mana berapa harga ada terima kasih tolong cari warna untuk",
    "id": "tidak nggak gak enggak bisa banget saya kamu mau dong sih aja ukuran sepatu tas"
    " kaos bagaimana berapa harga ada terima kasih tolong cari warna untuk yang",
    "uk": "",
}
_LEXICON = {language: frozenset(words.split()) for language, words in _WORDS.items()}


def detect(text: str) -> str | None:
    """The language `text` is most likely in, or None when it cannot be told."""
    lowered = text.casefold()
    for language, letters in _LETTERS.items():
        if any(ch in letters for ch in lowered):
            return language
    words = [fold(word) for word in _WORD.findall(lowered)]
    scores = {lang: sum(word in lexicon for word in words) for lang, lexicon in _LEXICON.items()}
    best = max(scores.values(), default=0)
    leaders = [lang for lang, score in scores.items() if score == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None
