"""What the question parser needs to know about the catalog, cached per catalog revision.

The cache is a derived view: every process re-reads it when the catalog revision in
the database changes, so several processes on one database stay consistent.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.products.dictionary import dictionary
from handlers.products.lexicon import STOPWORDS
from storage.catalog import catalog_revision
from storage.db import off_the_loop
from storage.search import (
    SearchTerm,
    categories,
    currencies,
    variant_colors,
    variant_sizes,
    vocabulary,
)
from storage.text import fold, words

MAX_INFLECTION = 2  # letters an ending may add: -s, -es, -i, -ów, -ja


@dataclass
class CatalogTerms:
    vocabulary: dict[str, int] = field(default_factory=dict)
    sorted_terms: list[str] = field(default_factory=list)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> words
    colors: frozenset[str] = frozenset()  # folded variant colour names
    # Variant sizes other than plain letters, by their letters and digits alone:
    # "200x200", "lxl" -> "L/XL", "116" (see `compact_size`).
    sizes: dict[str, str] = field(default_factory=dict)
    currencies: tuple[str, ...] = ()

    def knows(self, term: str) -> bool:
        return term in self.vocabulary

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.sorted_terms, prefix)
        return i < len(self.sorted_terms) and self.sorted_terms[i].startswith(prefix)

    def expand(self, term: str) -> SearchTerm:
        """A known word also finds its short inflections (backpack -> backpacks, plecak ->
        plecaki) but not longer words (backpacking); an unknown one is a prefix."""
        if term not in self.vocabulary:
            return SearchTerm((term,), prefix=True)
        words = self._inflections(term)
        # A word of another language that a few products carry as a tag ("plecak") also
        # finds the products that say it in English ("backpack"); an English word
        # ("carrier", listed by a dictionary as a loanword) stays itself.
        shopping = dictionary()
        meanings = () if term in shopping.english else shopping.phrases.get((term,), ())
        single = [meaning[0] for meaning in meanings if len(meaning) == 1]
        english = next((e for e in single if e in self.vocabulary), None)
        if english is not None:
            words += [w for w in self._inflections(english) if w not in words]
        return SearchTerm(tuple(words))

    def _inflections(self, term: str) -> list[str]:
        i = bisect.bisect_left(self.sorted_terms, term)
        words = []
        while i < len(self.sorted_terms) and self.sorted_terms[i].startswith(term):
            if len(self.sorted_terms[i]) <= len(term) + MAX_INFLECTION:
                words.append(self.sorted_terms[i])
            i += 1
        return words

    def correct(self, token: str, loose: bool = False) -> str | None:
        """The catalog term `token` most likely means: itself, an inflection, a typo fix."""
        if token in self.vocabulary:
            return token
        if len(token) >= 4 and self.has_prefix(token):
            return token  # searched as a prefix: "back" finds "backpack"
        for cut in (1, 2):  # plurals and case endings: shirts, plecaki, kurtkę
            stem = token[:-cut]
            if len(stem) >= 4 and stem in self.vocabulary:
                return stem
        if len(token) < 5 and not loose:
            return None  # short words have too many near neighbours to guess safely
        cutoff = 70 if loose else (80 if len(token) <= 6 else 75)
        # Among the words with the same first letter: a slip rarely hits the first one,
        # and a large catalog's vocabulary (every model number) is read 20 times faster.
        same_start = self.sorted_terms[
            bisect.bisect_left(self.sorted_terms, token[0]) : bisect.bisect_left(
                self.sorted_terms, chr(ord(token[0]) + 1)
            )
        ]
        found = process.extractOne(token, same_start, scorer=fuzz.ratio, score_cutoff=cutoff)
        return str(found[0]) if found else None


class ProductIndex:
    """Holds the current CatalogTerms; refreshes them when the catalog revision moves."""

    def __init__(self) -> None:
        self._revision: str | None = None
        self._terms = CatalogTerms()
        self._lock = asyncio.Lock()

    @property
    def currencies(self) -> tuple[str, ...]:
        return self._terms.currencies

    async def terms(self, session: AsyncSession) -> CatalogTerms:
        revision = await catalog_revision(session)
        if revision != self._revision:
            async with self._lock:
                if revision != self._revision:
                    with off_the_loop():  # the whole vocabulary: a third of a second at 100,000
                        self._terms = await _load(session)
                    self._revision = revision
        return self._terms


def compact_size(size: str) -> str:
    """A size by its letters and digits alone, as a question may space or split it
    ("L/XL", "l xl"; "200x200", "200 x 200")."""
    return re.sub(r"[\W_]", "", fold(size))


async def _load(session: AsyncSession) -> CatalogTerms:
    vocab = {
        term: count
        for term, count in (await vocabulary(session)).items()
        if term not in STOPWORDS and len(term) > 1
    }
    return CatalogTerms(
        vocabulary=vocab,
        sorted_terms=sorted(vocab),
        categories={name: tuple(words(name)) for name in await categories(session)},
        colors=frozenset(fold(c) for c in await variant_colors(session)),
        sizes={
            compact_size(size): size
            for size in await variant_sizes(session)
            if not size.isalpha()  # letter sizes ("XL") are the parser's own
        },
        currencies=tuple(await currencies(session)),
    )
