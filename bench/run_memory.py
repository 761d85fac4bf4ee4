"""The resident memory of `shopbot run` itself (the console), asked one question.

Used by `bench.catalog_bench --rss` on the catalog it imported. Each run starts the
real command, asks a question through its stdin and then `:quit`, and reads the
process's peak resident set (VmHWM) from /proc until it stops. The floor is the same
run on a fresh database holding only the demo catalog.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

# In words no product has, so the model runs and the product matrix is loaded.
QUESTION = "something to keep me dry on a rainy walk"
WAIT = 300.0  # seconds at most: a cold start on 100,000 products with vectors


def peak_mb(url: str, semantic: bool, demo: bool) -> float:
    env = {
        **os.environ,
        "SHOPBOT_DATABASE_URL": url,
        "SHOPBOT_SEMANTIC_SEARCH": "true" if semantic else "false",
        "SHOPBOT_LOAD_DEMO_CATALOG": "true" if demo else "false",
    }
    command = [str(Path(sys.executable).with_name("shopbot")), "run"]
    peak = 0
    with subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as bot:
        assert bot.stdin is not None
        bot.stdin.write(f"{QUESTION}\n:quit\n")  # the console answers, then stops
        bot.stdin.close()
        deadline = time.monotonic() + WAIT
        while bot.poll() is None and time.monotonic() < deadline:
            peak = max(peak, _high_water_kb(bot.pid))
            time.sleep(0.05)
        bot.kill()
    return peak / 1024


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # it has just stopped
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "")
    return int(line.split()[1]) if line else 0


def run_memory(url: str, tmp: Path) -> None:
    for semantic in (False, True):
        floor_url = f"sqlite:///{tmp / f'demo-{semantic}.db'}"
        floor = peak_mb(floor_url, semantic, demo=True)
        used = peak_mb(url, semantic, demo=False)
        mode = "with search by meaning" if semantic else "lexical search only"
        print(
            f"shopbot run, {mode}: peak RSS {used:.0f} MB after one question"
            f" (floor: {floor:.0f} MB on the demo catalog)"
        )
