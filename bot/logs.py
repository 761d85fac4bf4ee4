"""Logging for the process: text or JSON lines on stderr, with every secret redacted.

Secrets leak into logs in other people's lines: httpx logs each request URL, and the
Bot API puts the token in the URL; a traceback can quote a database URL. So redaction
is applied to the finished line (message, arguments and traceback alike), not to the
places we log from.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from handlers.core.router import current_event

REDACTED = "***"
# Whatever the configured secrets: a Telegram bot token, and a password in a URL.
_TELEGRAM_TOKEN = re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}")
# Discord interaction tokens (valid 15 minutes) ride in webhook and callback URLs.
_INTERACTION_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.-]{20,}")
# ... and in the gateway's payloads, which discord.py logs whole at DEBUG.
_TOKEN_FIELD = re.compile(r"""(["']token["']\s*:\s*["'])[^"']+""")
# Up to the last '@' of the authority: a password may hold an unencoded '@'.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^/\s]*@")
# Chatty at INFO: one line per HTTP request (with the token in it, for Telegram).
NOISY = ("httpx", "httpcore", "aiohttp.access", "discord.http", "discord.gateway", "apscheduler")


class Redactor:
    """Replaces the given secrets, and anything shaped like one, with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        found = {
            shown
            for secret in secrets
            if len(secret) >= 4
            for shown in (secret, quote(secret, safe=""))
        }
        # The longest first, so a secret containing another is hidden whole.
        self._secrets = sorted(found, key=len, reverse=True)

    def __call__(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        line = _TELEGRAM_TOKEN.sub(REDACTED, line)
        line = _INTERACTION_TOKEN.sub(rf"\g<1>{REDACTED}", line)
        line = _TOKEN_FIELD.sub(rf"\g<1>{REDACTED}", line)
        return _URL_PASSWORD.sub(rf"\g<1>{REDACTED}@", line)


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the platform and
    event id of the update being handled, when there is one."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        event = current_event.get()
        if event is not None:
            entry["platform"], entry["event_id"] = event.platform, event.event_id
        if record.exc_info:
            entry["traceback"] = self._redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def _not_about_voice(record: logging.LogRecord) -> bool:
    # discord.py warns at every start that voice support is not installed; ShopBot
    # never speaks, so the warning is noise an operator would chase.
    return "voice will NOT be supported" not in str(record.msg)


def setup(level: str, fmt: str, secrets: Iterable[str]) -> None:
    """Send every logger to stderr in `fmt` ("text" or "json") at `level`, secrets
    redacted; the HTTP libraries' request lines only when debugging."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    handler.addFilter(_not_about_voice)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet = max(logging.WARNING, root.level) if root.level > logging.DEBUG else logging.DEBUG
    for name in (*NOISY, "alembic"):
        logging.getLogger(name).setLevel(quiet)
