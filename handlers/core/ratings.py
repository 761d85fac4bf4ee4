"""A product's rating as people read it, shared by the product card and the reviews
list (features do not import each other)."""

from __future__ import annotations

from handlers.core.i18n import N_, I18n, Nn_

REVIEW_COUNT = Nn_("{n} review", "{n} reviews")


def rating_line(i18n: I18n, count: int, stars: int) -> str:
    """`★ 4.3 · 12 reviews` from the number of published reviews and their stars, or
    that there are none yet."""
    if not count:
        return i18n.t(N_("No reviews yet"))
    average = i18n.decimal(stars / count)
    return f"★ {average} · {i18n.tn(*REVIEW_COUNT, count)}"
