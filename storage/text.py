"""Text folding shared by the search index and the queries that read it.

Both sides must fold identically, so the index stores text already folded and
tokenised into plain space-separated words: SQLite FTS5 and PostgreSQL's 'simple'
parser then see the same tokens.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into base letter + accent.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, accent-free form of `text` (ą->a, ł->l, é->e; Cyrillic kept)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_EXTRA_FOLDS))


def words(text: str) -> list[str]:
    """The folded word tokens of `text`."""
    return _WORD.findall(fold(text))


def index_text(*parts: str) -> str:
    """The folded words of all `parts`, space-separated: the form the search index stores."""
    return " ".join(word for part in parts for word in words(part))
