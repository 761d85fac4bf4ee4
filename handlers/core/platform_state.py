"""Small values adapters keep between runs (e.g. the hash of the synced slash commands),
in the database so every process and every restart sees the same."""

from __future__ import annotations

from storage.db import Database
from storage.meta import get_value, set_value


class PlatformState:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        async with self._db.session() as session:
            return await get_value(session, key)

    async def set(self, key: str, value: str) -> None:
        async with self._db.session() as session:
            await set_value(session, key, value)
