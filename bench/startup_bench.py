"""How fast the `shopbot` command starts, next to what Python itself needs to start.

    .venv/bin/python -m bench.startup_bench [--runs 7]

Each figure is the median wall time of fresh processes. Floors, measured in the same
run: a bare interpreter, and importing the libraries a catalog import cannot do
without (SQLModel, which brings SQLAlchemy and pydantic). A catalog import runs against
a database already at the newest migration, as it is after the first one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "config" / "demo_catalog.csv"
SHOPBOT = [sys.executable, "-m", "bot"]


def _median_seconds(argv: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SHOPBOT_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        import_demo = [*SHOPBOT, "catalog", "import", str(DEMO)]
        subprocess.run(import_demo, env=env, check=True, capture_output=True)  # migrates
        rows = [
            ("floor: python -c pass", [sys.executable, "-c", "pass"]),
            ("floor: python -c 'import sqlmodel'", [sys.executable, "-c", "import sqlmodel"]),
            ("shopbot --help", [*SHOPBOT, "--help"]),
            ("shopbot catalog import (46 rows, at head)", import_demo),
        ]
        print(f"median of {args.runs} fresh processes each")
        for label, argv in rows:
            print(f"{label:<44} {_median_seconds(argv, env, args.runs):6.2f} s")


if __name__ == "__main__":
    main()
