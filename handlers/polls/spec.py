"""Reading a poll from one line, the same on every platform:

    /poll 2d Which colour? | Sand | Olive [BAG-001] | Navy
    /poll 36h --multi --hidden --everywhere Best summer drop? | Linen | Denim | Canvas

Deadline first (30m, 2h, 3d, or a UTC date/time such as 2026-12-01 or 2026-12-01T18:00),
then optional flags: --multi (several choices), --hidden (results only after closing),
--everywhere (all linked chats). Options may name a product SKU in brackets.

Flags are marked with dashes so that a question may start with any word ("All good for
summer?", "Hidden gems?"). Phones turn "--" into a dash (— or –), so those count too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handlers.core.errors import UserError
from handlers.core.i18n import N_

MIN_OPTIONS, MAX_OPTIONS = 2, 10
QUESTION_LIMIT = 300  # Telegram's limit for a poll question
OPTION_LIMIT = 100  # Telegram's limit for an option; Discord's 55 falls back to buttons
MAX_DURATION = timedelta(days=90)
FLAGS = {
    "multi": "multiple",
    "multiple": "multiple",
    "hidden": "hidden",
    "everywhere": "everywhere",
}
_FLAG = re.compile(r"(?:--|—|–)(\w+)")
_RELATIVE = re.compile(r"(\d{1,4})([mhd])", re.IGNORECASE)
_SKU = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9._-]{0,39})\]\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class OptionDraft:
    text: str
    sku: str | None


@dataclass(frozen=True)
class PollDraft:
    question: str
    options: tuple[OptionDraft, ...]
    closes_at: datetime
    multiple: bool = False
    hidden: bool = False
    everywhere: bool = False


def parse_deadline(text: str, now: datetime) -> datetime:
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        closes_at = now + timedelta(**{_UNITS[relative.group(2).lower()]: int(relative.group(1))})
    else:
        try:
            closes_at = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UserError(
                N_(
                    "I can't read the deadline {deadline}: use 30m, 2h, 3d or a date "
                    "like 2026-12-01."
                ),
                deadline=text[:40],
            ) from None
        if closes_at.tzinfo is None:
            closes_at = closes_at.replace(tzinfo=UTC)
    if closes_at <= now:
        raise UserError(N_("The deadline is in the past."))
    if closes_at - now > MAX_DURATION:
        raise UserError(N_("A poll can run for at most 90 days."))
    return closes_at


def parse_spec(deadline: str, spec: str, now: datetime) -> PollDraft:
    closes_at = parse_deadline(deadline, now)
    words = spec.split()
    flags: set[str] = set()
    while words and (flag := _FLAG.fullmatch(words[0])):
        name = flag.group(1).lower()
        if name not in FLAGS:
            raise UserError(
                N_("I don't know the option {option}: use --multi, --hidden or --everywhere."),
                option=words[0][:30],
            )
        flags.add(FLAGS[name])
        words.pop(0)
    question, *raw_options = (part.strip() for part in " ".join(words).split("|"))
    return PollDraft(
        check_question(question),
        check_options(raw_options),
        closes_at,
        "multiple" in flags,
        "hidden" in flags,
        "everywhere" in flags,
    )


def check_question(question: str) -> str:
    """The question, or why it cannot be one."""
    question = question.strip()
    if not question:
        raise UserError(N_("The poll needs a question."))
    if len(question) > QUESTION_LIMIT:
        raise UserError(
            N_("The question is too long (at most {limit} characters)."), limit=QUESTION_LIMIT
        )
    return question


def check_options(raw_options: list[str]) -> tuple[OptionDraft, ...]:
    """The options (2 to 10, each once, some naming a product), or why they cannot be."""
    options = tuple(_option(raw) for raw in raw_options)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise UserError(N_("A poll needs 2 to 10 options, separated by |."))
    seen: set[str] = set()
    for option in options:
        key = (option.text or option.sku or "").casefold()
        if key in seen:
            raise UserError(N_("The option {option} is there twice."), option=option.text[:50])
        seen.add(key)
    return options


def _option(raw: str) -> OptionDraft:
    sku_match = _SKU.search(raw)
    sku = sku_match.group(1).upper() if sku_match else None
    text = raw[: sku_match.start()].strip() if sku_match else raw.strip()
    if not text and sku is None:
        raise UserError(N_("An option is empty."))
    if len(text) > OPTION_LIMIT:
        raise UserError(
            N_("An option is too long (at most {limit} characters)."), limit=OPTION_LIMIT
        )
    return OptionDraft(text, sku)
