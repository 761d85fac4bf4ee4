"""Backing up and restoring an SQLite database while the bot may be running.

A copy of the file is not a backup: a write can land half-way, and the write-ahead log
holds commits the file does not have yet. SQLite's online backup API copies pages in
one read transaction, so the copy is exactly the database at one commit, whatever
other processes write meanwhile. PostgreSQL has pg_dump for the same.

Running bots hold a shared lock on `<database>.lock` (`running_on`), so a restore,
which must not pull the file from under them, can tell and refuse.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def lock_path(database: Path) -> Path:
    """The file running bots hold a lock on."""
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def running_on(database: Path) -> Iterator[None]:
    """Held while a bot runs on `database`: shared, so several bots may run at once."""
    with _locked(database, fcntl.LOCK_SH):
        yield


def backup(database: Path, target: Path) -> int:
    """A consistent copy of the live `database` at `target` (which must not exist);
    returns its size in bytes."""
    if not database.is_file():
        raise BackupError(f"the SQLite database {database} does not exist (database_url)")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    try:
        # Not opened read-only: reading a database in WAL mode may need to create its
        # shared-memory file.
        with _connect(database) as source, _connect(partial) as copy:
            source.backup(copy)  # all pages in one step: one read transaction, one commit
        os.replace(partial, target)  # the name appears only for a finished copy
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup {target}: {error}") from None
    return target.stat().st_size


def restore(backup_file: Path, database: Path) -> int:
    """Replace `database` by the backup, once it is checked; refused while a bot runs
    on it. The bot migrates a backup from an older version when it next starts."""
    _check_backup(backup_file)
    if not database.parent.is_dir():
        raise BackupError(f"the folder {database.parent} does not exist (database_url)")
    try:
        with (
            _locked(database, fcntl.LOCK_EX | fcntl.LOCK_NB),
            _connect(backup_file, read_only=True) as source,
            _connect(database) as target,
        ):
            source.backup(target)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"cannot restore into {database}: {error}") from None
    return database.stat().st_size


def _check_backup(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"there is no backup file {path}")
    try:
        with _connect(path, read_only=True) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a ShopBot database ({error})") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged (integrity check: {verdict})")


@contextlib.contextmanager
def _connect(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    # A URI, so read-only can be asked for; from the resolved path, so a '#' or '?' in a
    # file name is part of the name.
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def _locked(database: Path, how: int) -> Iterator[None]:
    with open(lock_path(database), "a+b") as handle:
        try:
            fcntl.flock(handle, how)
        except BlockingIOError:
            raise BackupError(
                f"a bot is running on {database}: stop it first (every process using "
                "that file), then restore"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
