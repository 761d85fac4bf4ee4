"""Reading a promotion, from one line or from a file, into a checked plan.

One line, the same on every platform:

    /promote BAG-001,BAG-002 2026-12-01T10:00 daily 7d --code WINTER20 Winter sale | 20% off

Products (SKUs, comma-separated), start (now, or a date/time: UTC unless it says
+01:00), repeat (once, daily, weekly, or every N days: 3d), how long it runs (7d, or an
end date), then optional flags: --code CODE, --times N (stop after N posts), --pin,
--here (this chat only), --image URL; then the title, "|", and the text. A file holds
the same as a mapping (see `from_mapping`). Flags take the dash forms phones make too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.core.errors import UserError
from handlers.core.i18n import N_
from storage.promotions import Plan

MAX_SPAN = timedelta(days=90)
MAX_PRODUCTS = 10
TITLE_LIMIT, TEXT_LIMIT, TERMS_LIMIT, CODE_LIMIT = 100, 2000, 500, 64
_FLAG = re.compile(r"(?:--|—|–)(\w+)")
_DAYS = re.compile(r"(\d{1,2})d", re.IGNORECASE)
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
REPEATS = {"once": 0, "daily": 1, "weekly": 7}
VALUED_FLAGS = {"code", "times", "image"}  # terms, with spaces, come in files
BARE_FLAGS = {"pin", "here"}


@dataclass(frozen=True)
class Draft:
    """A plan and where it goes: every chat the vendor may post in, this chat only
    (`here`), or the chats named (`platform:chat id`, from a file)."""

    plan: Plan
    here: bool = False
    chats: tuple[str, ...] = field(default=())


def parse_line(spec: str, now: datetime) -> Draft:
    """The one-line form (see the module's docstring)."""
    head, bar, text = spec.partition("|")
    words = head.split()
    if not bar or len(words) < 4:
        raise UserError(
            N_(
                "Write it as: /promote SKU,SKU START REPEAT LENGTH [--code CODE] Title | Text "
                "(for example: /promote BAG-001 now daily 7d Winter sale | 20% off all week)"
            )
        )
    skus, start, repeat, length = words[:4]
    flags, title_words = _flags(words[4:])
    starts_at = parse_start(start, now)
    times = flags.get("times")
    plan = Plan(
        title=check_title(" ".join(title_words)),
        body=check_text(text),
        skus=parse_skus(skus),
        starts_at=starts_at,
        ends_at=parse_end(length, starts_at),
        every_days=parse_repeat(repeat),
        times=parse_times(times) if times is not None else None,
        code=check_code(flags.get("code")),
        image_url=check_url(flags.get("image")),
        pin="pin" in flags,
    )
    return Draft(check_span(plan, now), here="here" in flags)


def from_mapping(data: Mapping[str, Any], now: datetime) -> Draft:
    """The file form: title, text, products (a list), start, end (a date or 7d), repeat,
    and optionally times, code, terms, image, pin, chats (platform:chat id each)."""
    unknown = sorted(set(data) - FILE_KEYS)
    if unknown:
        raise UserError(N_("Unknown field {name}."), name=str(unknown[0])[:40])
    products = data.get("products") or []
    if isinstance(products, str):
        products = products.split(",")
    starts_at = parse_start(str(data.get("start") or "now"), now)
    times = data.get("times")
    plan = Plan(
        title=check_title(str(data.get("title") or "")),
        body=check_text(str(data.get("text") or "")),
        skus=parse_skus(",".join(str(p) for p in products)),
        starts_at=starts_at,
        ends_at=parse_end(str(data.get("end") or ""), starts_at),
        every_days=parse_repeat(str(data.get("repeat") or "once")),
        times=parse_times(str(times)) if times is not None else None,
        code=check_code(_optional(data.get("code"))),
        terms=check_terms(_optional(data.get("terms"))),
        image_url=check_url(_optional(data.get("image"))),
        pin=bool(data.get("pin")),
    )
    chats = data.get("chats") or []
    if isinstance(chats, str):
        chats = [chats]
    return Draft(check_span(plan, now), chats=tuple(str(c).strip() for c in chats))


FILE_KEYS = {
    "vendor",
    "title",
    "text",
    "products",
    "start",
    "end",
    "repeat",
    "times",
    "code",
    "terms",
    "image",
    "pin",
    "chats",
}


def occurrences(plan: Plan) -> list[datetime]:
    """When the promotion is posted: from its start, every `every_days` days (once if
    0), before its end, at most `times` times."""
    if not plan.every_days:
        return [plan.starts_at]
    found: list[datetime] = []
    at = plan.starts_at
    while at < plan.ends_at and (plan.times is None or len(found) < plan.times):
        found.append(at)
        at += timedelta(days=plan.every_days)
    return found


def parse_start(text: str, now: datetime) -> datetime:
    if text.strip().lower() == "now":
        return now
    return _when(text, N_("I can't read the start {value}: use now or a date like 2026-12-01."))


def parse_end(text: str, starts_at: datetime) -> datetime:
    days = _DAYS.fullmatch(text.strip())
    if days:
        return starts_at + timedelta(days=int(days.group(1)))
    ends_at = _when(
        text, N_("I can't read the end {value}: use a length such as 7d or a date like 2026-12-08.")
    )
    if ends_at <= starts_at:
        raise UserError(N_("The promotion ends before it starts."))
    return ends_at


def parse_repeat(text: str) -> int:
    lowered = text.strip().lower()
    if lowered in REPEATS:
        return REPEATS[lowered]
    days = _DAYS.fullmatch(lowered)
    if days and 1 <= int(days.group(1)) <= 90:
        return int(days.group(1))
    raise UserError(
        N_("I can't read the repeat {value}: use once, daily, weekly or every N days (3d)."),
        value=text[:20],
    )


def parse_times(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 90:
        raise UserError(N_("--times takes a number of posts from 1 to 90."))
    return int(text)


def parse_skus(text: str) -> tuple[str, ...]:
    skus = tuple(dict.fromkeys(s.strip().upper() for s in text.split(",") if s.strip()))
    if not skus:
        raise UserError(N_("Name at least one product by its SKU."))
    if len(skus) > MAX_PRODUCTS:
        raise UserError(N_("A promotion shows at most 10 products."))
    bad = next((s for s in skus if not _SKU.fullmatch(s)), None)
    if bad is not None:
        raise UserError(N_("{sku} is not a SKU."), sku=bad[:40])
    return skus


def check_span(plan: Plan, now: datetime) -> Plan:
    if plan.starts_at < now - timedelta(minutes=5):
        raise UserError(N_("The promotion starts in the past."))
    if plan.ends_at <= plan.starts_at:
        raise UserError(N_("The promotion ends before it starts."))
    if plan.ends_at - plan.starts_at > MAX_SPAN:
        raise UserError(N_("A promotion can run for at most 90 days."))
    return plan


def check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise UserError(N_("The promotion needs a title before the |."))
    if len(title) > TITLE_LIMIT:
        raise UserError(
            N_("The title is too long (at most {limit} characters)."), limit=TITLE_LIMIT
        )
    return title


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError(N_("The promotion needs a text after the |."))
    if len(text) > TEXT_LIMIT:
        raise UserError(N_("The text is too long (at most {limit} characters)."), limit=TEXT_LIMIT)
    return text


def check_code(code: str | None) -> str | None:
    if code is None:
        return None
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code):
        raise UserError(N_("A discount code has letters, digits, - and _ only."))
    return code


def check_terms(terms: str | None) -> str | None:
    if terms is None:
        return None
    if len(terms) > TERMS_LIMIT:
        raise UserError(
            N_("The terms are too long (at most {limit} characters)."), limit=TERMS_LIMIT
        )
    return terms.strip() or None


def check_url(url: str | None) -> str | None:
    if url is None:
        return None
    if not re.fullmatch(r"https?://\S{1,490}", url):
        raise UserError(N_("The image must be an http(s) address."))
    return url


def _flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """The leading flags (with their values) and the words after them."""
    flags: dict[str, str] = {}
    while words and (flag := _FLAG.fullmatch(words[0])):
        name = flag.group(1).lower()
        words = words[1:]
        if name in BARE_FLAGS:
            flags[name] = ""
        elif name in VALUED_FLAGS and words:
            flags[name], words = words[0], words[1:]
        else:
            raise UserError(
                N_(
                    "I don't know the option {option}: use --code, --times, --image, --pin "
                    "or --here."
                ),
                option=f"--{name}"[:30],
            )
    return flags, words


def _when(text: str, message: str) -> datetime:
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(message, value=text[:40]) from None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _optional(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()
