"""The product vectors as one matrix in memory, and its search: the rows closest to a
question's vector, and how a question's similarities to all rows spread.

At scale, reading every 384-wide row for each question is most of what search by
meaning costs after the model itself (100,000 rows: 150 MB of float32 read each time).
From COARSE_FROM rows, a first pass reads a COARSE_DIMS-wide projection of the rows onto
their principal directions and keeps a SHORTLIST, which the full rows then rank
exactly. The spread (mean and standard deviation of the similarities to every row) is
exact at any size, from the rows' mean and second moment, without reading the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

COARSE_FROM = 20_000  # rows from which the first pass reads the projection
COARSE_DIMS = 64
SHORTLIST = 1_000  # rows the projection keeps for the exact ranking

Floats = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True)
class ProductMatrix:
    ids: np.ndarray[Any, np.dtype[np.int64]]  # ascending: the rows' product ids
    rows: Floats  # one L2-normalised vector per product
    mean: Floats  # the mean row
    moment: Floats  # rows.T @ rows / len(rows): the similarities' second moment
    basis: Floats | None  # COARSE_DIMS principal directions, from COARSE_FROM rows
    coarse: Floats | None  # rows @ basis

    @classmethod
    def of(cls, ids: np.ndarray[Any, np.dtype[np.int64]], rows: Floats) -> ProductMatrix:
        if not len(rows):
            empty = np.empty((0, 0), np.float32)
            return cls(ids, empty, np.empty(0, np.float32), empty, None, None)
        moment = (rows.T @ rows / len(rows)).astype(np.float32)
        basis = coarse = None
        if len(rows) >= COARSE_FROM:
            _, directions = np.linalg.eigh(moment)  # ascending: the last are the largest
            basis = np.ascontiguousarray(directions[:, -COARSE_DIMS:], dtype=np.float32)
            coarse = rows @ basis
        return cls(ids, rows, rows.mean(axis=0), moment, basis, coarse)

    def __len__(self) -> int:
        return len(self.ids)

    def closest(self, query: Floats, k: int) -> tuple[np.ndarray[Any, Any], Floats]:
        """The indexes of the k rows most similar to `query`, most similar first, and
        their cosine similarities."""
        if self.coarse is None or self.basis is None:
            candidates = np.arange(len(self.rows))
            scores = self.rows @ query
        else:
            rough = self.coarse @ (self.basis.T @ query)
            candidates = np.argpartition(-rough, SHORTLIST - 1)[:SHORTLIST]
            scores = self.rows[candidates] @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return candidates[top], scores[top]

    def spread(self, query: Floats) -> tuple[float, float]:
        """The mean and the mean square of `query`'s similarities to every row."""
        return float(self.mean @ query), float(query @ (self.moment @ query))
