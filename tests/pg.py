"""A PostgreSQL server for the tests: use the running one, start it if it is down, or
explain why PostgreSQL tests are skipped."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import uuid

import asyncpg
import pytest

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _can_connect(url: str) -> str | None:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def _try_start() -> str:
    """Start the local cluster the way this machine's services are started."""
    if shutil.which("pg_ctlcluster") is None:
        return "pg_ctlcluster not found"
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        return "no cluster under /etc/postgresql"
    done = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stderr.strip() or f"pg_ctlcluster exit {done.returncode}"


def ensure_server() -> str | None:
    """None when a server answers at ADMIN_URL, else the reason there is none."""
    problem = asyncio.run(_can_connect(ADMIN_URL))
    if problem is None:
        return None
    started = _try_start()
    for _ in range(20):
        if asyncio.run(_can_connect(ADMIN_URL)) is None:
            return None
        subprocess.run(["sleep", "0.5"], check=False)
    return f"no PostgreSQL at {ADMIN_URL} ({problem}); starting it failed: {started}"


def require_server() -> None:
    """Skip the test when no server can be had, or fail it when CI requires one."""
    problem = ensure_server()
    if problem is None:
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail(f"REQUIRE_POSTGRES is set but {problem}")
    pytest.skip(f"PostgreSQL tests skipped: {problem}")


def _admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def create_database() -> str:
    name = f"shopbot_test_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    name = url.rpartition("/")[2]
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
