"""How far the model's own scores can carry a claim made on meaning alone.

    .venv/bin/python -m bench.meaning_curve [--chart meaning_curve.png]

A paraphrase ("my phone always dies halfway through festivals") names no product, so the
engine claims one only when the model puts it far enough ahead; a question about
something the shop does not sell ("trekking poles?") must claim nothing. Every
threshold trades one against the other. For each paraphrase, cross-language and "none"
question of the studied splits (test, dev, fresh, blind; never blind2, whose
questions set no threshold) asked without context, this takes the model's nearest
product to what it reads (the question, then the shopping dictionary's English for its
words the catalog lacks: `finder.for_the_model`), how far its similarity stands out from
the question's similarity to everything (z, the engine's own score) and its lead over
the next one (margin). A claim at z >= T and margin >= M is right when that product is
one the question expects; a "none" question stays honest when its nearest does not
clear both.

Printed for a grid of thresholds, then the best share of paraphrases and of
cross-language questions right first by meaning alone while "none" stays at least 90%
honest: the ceiling of this model whatever rules surround it (the engine's words and
dictionary do the rest). With --chart, the same curve as a PNG picture.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlmodel import select

from bench.answers_eval import open_shop, questions
from handlers.products.finder import MATCH, for_the_model
from handlers.products.index import ProductIndex
from handlers.products.query import parse_question
from storage.models import Product

STUDIED = ("test", "dev", "fresh", "blind")
KINDS = ("paraphrase", "cross-language", "none")
HONEST = 0.9  # the target for "none" questions
Z = [1.5 + 0.25 * step for step in range(13)]  # 1.5 (offered as closest) to 4.5
MARGINS = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class Nearest:
    kind: str
    z: float
    margin: float
    right: bool  # the nearest product is one the question expects


@dataclass(frozen=True)
class Point:
    z: float
    margin: float
    honest: float  # share of "none" questions claiming nothing
    right: dict[str, float]  # per kind, the share right first by meaning alone


async def nearest_of_each() -> tuple[str, list[Nearest]]:
    """The model's name, and each question's nearest product by meaning."""
    with tempfile.TemporaryDirectory() as tmp:
        app, semantic = await open_shop(lexical=False, tmp=Path(tmp))
        assert semantic is not None
        found = []
        try:
            async with app.db.session() as session:
                embedder = await semantic.embedder()
                ready = await semantic.ready(session)
                assert embedder is not None and ready, "the semantic extra is installed"
                skus = dict((await session.exec(select(Product.id, Product.sku))).all())
                terms = await ProductIndex().terms(session)
                for item in questions(STUDIED):
                    if item["category"] not in KINDS or item["context"]:
                        continue
                    parsed = parse_question(item["question"], terms)
                    near = await semantic.nearest(for_the_model(item["question"], parsed), 2)
                    assert len(near) == 2, "every product of the catalog has a vector"
                    (first, z), (_, second) = near
                    right = skus[first] in item["expect"]
                    found.append(Nearest(item["category"], z, z - second, right))
        finally:
            await app.close()
        return embedder.name, found


def curve(found: Sequence[Nearest], margin: float) -> list[Point]:
    points = []
    for z in Z:
        claims = [n for n in found if n.z >= z and n.margin >= margin]
        right = {
            kind: sum(n.right for n in claims if n.kind == kind)
            / max(1, sum(n.kind == kind for n in found))
            for kind in KINDS[:2]
        }
        nones = sum(n.kind == "none" for n in found)
        honest = 1 - sum(n.kind == "none" for n in claims) / max(1, nones)
        points.append(Point(z, margin, honest, right))
    return points


def report(found: Sequence[Nearest]) -> list[Point]:
    counts = ", ".join(f"{sum(n.kind == k for n in found)} {k}" for k in KINDS)
    print(f"\n{counts} questions; the engine claims by meaning at z >= {MATCH}\n")
    print(f"{'z >=':>6}{'margin >=':>11}{'paraphrase':>12}{'cross-lang':>12}{'none honest':>13}")
    points = []
    for margin in MARGINS:
        for point in curve(found, margin):
            points.append(point)
            print(
                f"{point.z:>6.2f}{margin:>11.1f}{point.right['paraphrase']:>12.1%}"
                f"{point.right['cross-language']:>12.1%}{point.honest:>13.1%}"
            )
    honest = [p for p in points if p.honest >= HONEST]
    print(f"\nwith 'none' at least {HONEST:.0%} honest, right first by meaning alone, at best:")
    for kind in KINDS[:2]:
        best = max(honest, key=lambda p: p.right[kind], default=None)
        if best is None:
            print(f"  {kind}: no threshold keeps 'none' that honest")
        else:
            print(
                f"  {kind}: {best.right[kind]:.1%} (z >= {best.z:.2f}, margin >= {best.margin:.1f})"
            )
    return points


def chart(points: Sequence[Point], model: str) -> bytes:
    """The trade-off as a picture: share right (up) against "none" honest (across), one
    line per kind at margin 0, the issue's targets as a shaded corner."""
    width, height, pad = 720, 480, 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()

    def at(honest: float, right: float) -> tuple[float, float]:
        return (
            pad + honest * (width - 2 * pad),
            height - pad - right * (height - 2 * pad),
        )

    draw.rectangle([at(HONEST, 1.0), at(1.0, 0.7)], fill=(220, 245, 220))
    draw.text((at(HONEST, 1.0)[0] + 4, pad + 4), "targets", fill=(0, 110, 0), font=font)
    draw.line([at(0, 0), at(1, 0)], fill="black")
    draw.line([at(0, 0), at(0, 1)], fill="black")
    for tick in range(0, 101, 20):
        x, y = at(tick / 100, 0)
        draw.text((x - 8, y + 6), f"{tick}%", fill="black", font=font)
        x, y = at(0, tick / 100)
        draw.text((x - 36, y - 6), f"{tick}%", fill="black", font=font)
    draw.text((width / 2 - 90, height - 24), '"none" answered honestly', fill="black", font=font)
    title = f"right first by meaning alone ({model}, studied splits)"
    draw.text((8, 8), title, fill="black", font=font)
    for kind, colour in (("paraphrase", (200, 40, 40)), ("cross-language", (40, 80, 200))):
        line = [at(p.honest, p.right[kind]) for p in points if p.margin == 0]
        draw.line(line, fill=colour, width=2)
        for x, y in line:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        draw.text((line[0][0] + 8, line[0][1] - 14), kind, fill=colour, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chart", type=Path, help="also draw the curve into this PNG file")
    args = parser.parse_args()
    model, found = asyncio.run(nearest_of_each())
    points = report(found)
    if args.chart:
        args.chart.write_bytes(chart(points, model))
        print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
