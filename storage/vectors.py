"""Product text embeddings: what each was computed from, and the vectors themselves.

The store only keeps bytes (float16, as the embedder gave them); what text a product
is embedded from and which model does it is the search feature's business.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import meta
from storage.catalog import NO_TRANSLATIONS, names_from_json
from storage.models import Product, ProductVector
from storage.sql import insert_for, table_of


@dataclass(frozen=True)
class ProductText:
    """The parts of a product its embedding is computed from."""

    id: int
    name: str
    description: str
    category: str
    tags: tuple[str, ...]
    category_names: Mapping[str, str] = NO_TRANSLATIONS
    names: Mapping[str, str] = NO_TRANSLATIONS


async def product_texts(session: AsyncSession, after: int, limit: int) -> list[ProductText]:
    """Up to `limit` products with ids above `after`, in id order (a batch of a scan)."""
    stmt = select(Product).where(col(Product.id) > after).order_by(col(Product.id)).limit(limit)
    return [
        ProductText(
            id=p.id or 0,
            name=p.name,
            description=p.description,
            category=p.category,
            tags=tuple(t for t in p.tags.split("|") if t),
            category_names=names_from_json(p.category_names),
            names=names_from_json(p.names),
        )
        for p in (await session.exec(stmt)).all()
    ]


async def digests(session: AsyncSession, model: str) -> dict[int, str]:
    """Product id -> digest of the text its stored vector by `model` was computed from."""
    stmt = select(ProductVector.product_id, ProductVector.digest).where(
        col(ProductVector.model) == model
    )
    return {pid: digest for pid, digest in (await session.exec(stmt)).all()}


async def save_vectors(
    session: AsyncSession, model: str, rows: Sequence[tuple[int, str, bytes]]
) -> None:
    """Store (product id, digest, vector) rows, replacing a product's older vector. The
    caller bumps the revision once it has saved a run's rows."""
    if not rows:
        return
    table = table_of(ProductVector)
    stmt = insert_for(session, table).values(
        [{"product_id": p, "model": model, "digest": d, "vector": v} for p, d, v in rows]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["product_id"],
        set_={
            "model": stmt.excluded.model,
            "digest": stmt.excluded.digest,
            "vector": stmt.excluded.vector,
        },
    )
    await session.exec(stmt)


async def drop_other_models(session: AsyncSession, model: str) -> int:
    """Delete vectors computed by any model but `model` (they cannot be compared)."""
    result = await session.exec(delete(ProductVector).where(col(ProductVector.model) != model))
    return int(result.rowcount or 0)


async def vectors(
    session: AsyncSession, model: str, batch: int
) -> AsyncIterator[list[tuple[int, bytes]]]:
    """Every stored (product id, vector) by `model`, `batch` rows at a time."""
    after = 0
    while True:
        stmt = (
            select(ProductVector.product_id, ProductVector.vector)
            .where(col(ProductVector.model) == model, col(ProductVector.product_id) > after)
            .order_by(col(ProductVector.product_id))
            .limit(batch)
        )
        rows = [(pid, bytes(vector)) for pid, vector in (await session.exec(stmt)).all()]
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def bump_revision(session: AsyncSession) -> None:
    """Mark the stored vectors changed, so every process reloads its matrix."""
    await meta.bump(session, meta.VECTOR_REVISION)


async def revision(session: AsyncSession) -> str:
    """The stored vectors' revision; empty if none were ever saved."""
    return await meta.revision(session, meta.VECTOR_REVISION)
