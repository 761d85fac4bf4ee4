"""Poll results as a PNG bar chart (people would rather look than read)."""

from __future__ import annotations

import io
from collections.abc import Sequence

WIDTH_PX, DPI = 800, 100


def bar_chart(title: str, labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """Horizontal bars, one per option, largest share highlighted. Blocking: call it in a
    worker thread. Matplotlib's object API (a Figure with its own canvas) keeps no global
    state, so charts drawn in several threads at once cannot mix; it is imported here,
    on first use, so commands that draw nothing start without it."""
    from matplotlib.figure import Figure

    height_px = 160 + 48 * len(labels)
    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
    axes = figure.subplots()
    total = sum(counts) or 1
    best = max(counts) if counts else 0
    colours = ["#2e7d32" if c == best and best > 0 else "#90a4ae" for c in counts]
    positions = range(len(labels))[::-1]
    bars = axes.barh(list(positions), counts, color=colours)
    axes.set_yticks(list(positions), [_short(label) for label in labels])
    for bar, count in zip(bars, counts, strict=True):
        axes.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f"  {count} ({100 * count / total:.0f}%)",
            va="center",
        )
    axes.set_title(_short(title, 70))
    axes.set_xlim(0, max(best, 1) * 1.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)  # the Agg canvas: no display needed
    return buffer.getvalue()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
