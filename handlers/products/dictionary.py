"""A shopping dictionary: what shoppers call things in Polish, Ukrainian, Finnish, Malay
and Indonesian, in the English a catalog is written in ("krem do rąk" -> hand cream,
"plecaka" -> backpack, "tyyny" -> pillow).

Catalogs are mostly English only; the dictionary lets the lexical engine find them
from the other languages, with or without the `semantic` extra. A word the catalog
itself knows (translated tags or names) is left as it is. The word lists live in
`dictionary/<language>.txt`, one English term per line: `hand cream = krem do rąk, …`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from storage.text import words

FILES = Path(__file__).parent / "dictionary"
LONGEST = 4  # words in the longest phrase looked up
# A word of at least TYPO_MIN letters with one letter missing or extra, or two
# neighbouring letters swapped, from exactly one dictionary word is read as that word;
# words a letter apart in two places ("вказано", "казанок") are not.
TYPO_MIN = 5
TYPO_CUTOFF = 80  # fuzz.ratio of two swapped letters in a six-letter word: 83


@dataclass(frozen=True)
class Dictionary:
    # Folded words -> the English they may mean, in the order listed ("dzieci": child,
    # then kids): the first whose every word the catalog knows is read.
    phrases: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]

    words: tuple[str, ...]  # every word of the phrases, sorted: what typos are fixed to
    english: frozenset[str]  # every word the phrases translate to

    def spell(
        self, tokens: list[str], known: Callable[[str], bool], kept: Callable[[str], bool]
    ) -> list[str]:
        """`tokens` with each word neither the catalog nor the dictionary knows read as the
        dictionary's closest word where one is close ("sepedah" -> "sepeda", "чайнк" ->
        "чайник"), unless `kept` (small words, units)."""
        return [t if known(t) or kept(t) else self._spelled(t) for t in tokens]

    def translate(self, tokens: list[str], known: Callable[[str], bool]) -> list[str]:
        """`tokens` with each phrase the catalog does not know (some word of it is new to
        it) replaced by its English, where the catalog knows every English word of it;
        longest phrases first."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for width in range(min(LONGEST, len(tokens) - i), 0, -1):
                phrase = tuple(tokens[i : i + width])
                meanings = self.phrases.get(phrase, ())
                english = next((e for e in meanings if all(known(w) for w in e)), None)
                if english and not all(known(w) for w in phrase):
                    out += english
                    i += width
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _spelled(self, token: str) -> str:
        if len(token) < TYPO_MIN or not token.isalpha() or self._has(token):
            return token
        # Among the words of the same first letter, as the catalog's typo fixes do.
        start = bisect.bisect_left(self.words, token[0])
        end = bisect.bisect_left(self.words, chr(ord(token[0]) + 1))
        near = process.extract(
            token, self.words[start:end], scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=5
        )
        # Only a letter missing or extra or two swapped, and only one such word (or
        # spellings of one meaning): "sepda" is "sepeda", but a word two dictionary words
        # could be is left alone.
        slips = [str(word) for word, *_ in near if _one_letter_apart(token, str(word))]
        meant = {self.phrases.get((word,), ((word,),))[0] for word in slips}
        return slips[0] if len(meant) == 1 else token

    def _has(self, word: str) -> bool:
        i = bisect.bisect_left(self.words, word)
        return i < len(self.words) and self.words[i] == word


def _one_letter_apart(one: str, other: str) -> bool:
    """A letter missing or extra, or two neighbours swapped ("powebrank", "комапс")."""
    if len(one) == len(other):
        apart = [k for k in range(len(one)) if one[k] != other[k]]
        return (
            len(apart) == 2
            and apart[1] == apart[0] + 1
            and one[apart[0]] == other[apart[1]]
            and one[apart[1]] == other[apart[0]]
        )
    short, long = sorted((one, other), key=len)
    return len(long) == len(short) + 1 and any(
        long[:k] + long[k + 1 :] == short for k in range(len(long))
    )


@cache
def dictionary() -> Dictionary:
    phrases: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for path in sorted(FILES.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            english, sep, forms = line.partition("=")
            if not sep or line.lstrip().startswith("#"):
                continue
            target = tuple(words(english))
            for form in forms.split(","):
                key = tuple(words(form))
                if any(w.isdigit() for w in key):
                    continue  # an amount stays an amount ("powerbank 20000 mAh")
                meanings = phrases.get(key, ())
                if key and target and key != target and target not in meanings:
                    phrases[key] = (*meanings, target)
    return Dictionary(
        phrases,
        tuple(sorted({w for key in phrases for w in key})),
        frozenset(w for meanings in phrases.values() for target in meanings for w in target),
    )
