"""Coupon codes from a CSV file (`shopbot rewards import codes.csv`):

    reward,price,per_member,code
    10% off,200,1,SAVE10-AB12
    10% off,200,1,SAVE10-CD34

One row per code. The file is read and checked whole before anything is stored; rows of
one reward must agree on its price and per-member limit."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from storage import points
from storage.db import Database

COLUMNS = ("reward", "price", "per_member", "code")


class CodesError(ValueError):
    """A file that cannot be loaded; the message names the line."""


def read_codes(path: Path) -> dict[tuple[str, int, int], list[str]]:
    """(reward, price, per member) -> codes, from the file."""
    found: dict[tuple[str, int, int], list[str]] = {}
    terms: dict[str, tuple[int, int]] = {}
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise CodesError(f"the header must be {','.join(COLUMNS)}")
        for row in reader:
            line = reader.line_num
            name, code = (row["reward"] or "").strip(), (row["code"] or "").strip()
            if not name or not code or len(name) > 100 or len(code) > 64:
                raise CodesError(f"line {line}: a reward (100) and a code (64) are needed")
            try:
                price, per_member = int(row["price"]), int(row["per_member"] or 1)
            except ValueError:
                raise CodesError(f"line {line}: price and per_member are whole numbers") from None
            if price < 1 or per_member < 1:
                raise CodesError(f"line {line}: price and per_member must be at least 1")
            if terms.setdefault(name, (price, per_member)) != (price, per_member):
                raise CodesError(f"line {line}: {name!r} has another price or limit above")
            found.setdefault((name, price, per_member), []).append(code)
    return found


async def import_codes(db: Database, path: Path, now: datetime) -> dict[str, int]:
    """Load the file in one unit of work: reward name -> codes added."""
    rewards = read_codes(path)
    added: dict[str, int] = {}
    async with db.session() as session:
        for (name, price, per_member), codes in rewards.items():
            _, count = await points.load_reward(session, name, price, per_member, codes, now)
            added[name] = count
    return added
