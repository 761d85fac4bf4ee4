"""What a failed command prints: one or two lines naming what failed, the setting to
check and what to do. Failures not listed here are bugs and keep their traceback."""

from __future__ import annotations

from bot.http import HttpUnavailable
from bot.runner import PlatformRefused
from storage.backup import BackupError
from storage.db import DatabaseUnavailable

# Their messages are written for the operator already.
EXPLAINED = (DatabaseUnavailable, PlatformRefused, HttpUnavailable, BackupError)


def explain(error: BaseException) -> str | None:
    """The operator's line for `error` (or what caused it), or None for a bug."""
    current: BaseException | None = error
    seen: list[BaseException] = []
    while current is not None and current not in seen:
        if isinstance(current, EXPLAINED):
            return str(current)
        seen.append(current)
        current = current.__cause__ or current.__context__
    return None
