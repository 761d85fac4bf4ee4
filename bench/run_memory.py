"""The resident memory of `shopbot run` itself (the console), asked one question.

Used by `bench.catalog_bench --rss` on the catalog it imported. Each run starts the
real command, asks a question through its stdin, waits for the answer's card, and then
reads the process's peak resident set (VmHWM) from /proc. The floor is the same run on
a fresh database holding only the demo catalog.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "do you have a waterproof jacket?"
WAIT = 300.0  # seconds for the answer: a cold start on 100,000 products with vectors


def peak_mb(url: str, semantic: bool, demo: bool) -> float:
    env = {
        **os.environ,
        "SHOPBOT_DATABASE_URL": url,
        "SHOPBOT_SEMANTIC_SEARCH": "true" if semantic else "false",
        "SHOPBOT_LOAD_DEMO_CATALOG": "true" if demo else "false",
    }
    command = [str(Path(sys.executable).with_name("shopbot")), "run"]
    with subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as bot:
        assert bot.stdin is not None and bot.stdout is not None
        bot.stdin.write(QUESTION + "\n")
        bot.stdin.flush()
        deadline = time.monotonic() + WAIT
        for line in bot.stdout:  # the console prints each card's fields as lines
            if "Price" in line or time.monotonic() > deadline:
                break
        status = Path(f"/proc/{bot.pid}/status").read_text()
        bot.stdin.write(":quit\n")
        bot.stdin.flush()
        bot.wait(60)
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(peak.split()[1]) / 1024


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
