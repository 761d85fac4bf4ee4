"""Translations. English is the source language; other languages are gettext `.po`
catalogs under handlers/locales, compiled in memory at start-up (no build step).

Handlers call `t()` for plain strings, `tn()` for plurals and `rich()` for messages
that embed user- or catalog-supplied values: those values become their own spans, so
they are escaped by the adapter and can never act as markup.
"""

from __future__ import annotations

import gettext
import io
import string
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from datetime import date as datetime_date  # `date` is a method here
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
)

from handlers.core.model import Span, Style, Text

LOCALES_DIR = Path(__file__).parents[1] / "locales"
DOMAIN = "shopbot"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for translation where it is declared; translate where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message (singular, plural) for translation where it is declared; the
    form is picked by the value `n` where it is shown."""
    return (singular, plural)


class Msg(str):
    """A value that is itself a msgid (a parameter's label, say): translated when the
    message it fills is shown, so no English piece lands in another language."""

    __slots__ = ()


@cache
def _catalogs() -> dict[str, gettext.NullTranslations]:
    found: dict[str, gettext.NullTranslations] = {SOURCE_LANGUAGE: gettext.NullTranslations()}
    for po_path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        found[language] = gettext.GNUTranslations(buffer)
    return found


def available_languages() -> list[str]:
    return sorted(_catalogs())


def negotiate(preferred: Iterable[str | None], default: str) -> str:
    """First supported language among `preferred` (e.g. 'pl-PL' -> 'pl'), else `default`."""
    supported = _catalogs()
    for tag in [*preferred, default]:
        if not tag:
            continue
        language = tag.replace("-", "_").split("_")[0].lower()
        if language in supported:
            return language
    return SOURCE_LANGUAGE


def language_name(language: str) -> str:
    try:
        return str(Locale.parse(language).get_display_name(language) or language)
    except (UnknownLocaleError, ValueError):
        return language


class I18n:
    """Translation and formatting for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._translations = _catalogs().get(language) or _catalogs()[SOURCE_LANGUAGE]

    def t(self, message: str, **values: object) -> str:
        translated = self._translations.gettext(message)
        return translated.format(**self._filled(values)) if values else translated

    def tn(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The plural form for `n`, with `{n}` written as this language writes numbers."""
        template = self._translations.ngettext(singular, plural, n)
        return template.format(n=self.number(n), **self._filled(values))

    def _filled(self, values: dict[str, object]) -> dict[str, object]:
        return {k: self.t(v) if isinstance(v, Msg) else v for k, v in values.items()}

    def number(self, value: int | float | Decimal) -> str:
        """A number as this language writes it: 4,000 in English, 4 000 in Polish."""
        return str(format_decimal(value, locale=self.language))

    def decimal(self, value: float) -> str:
        """A number with one decimal, as this language writes it: 4.3, 4,3."""
        return str(format_decimal(value, "0.0", locale=self.language))

    def date(self, when: datetime) -> str:
        """A day (UTC), as this language writes it."""
        return str(format_date(when.astimezone(UTC), "medium", locale=self.language))

    def day(self, when: datetime_date) -> str:
        """A day without its year, short (a chart's axis): Dec 1, 1 gru."""
        return str(format_skeleton("MMMd", when, locale=self.language))

    def percent(self, share: float) -> str:
        """A share (0.6) as this language writes a percentage: 60%, 60 %."""
        return str(format_percent(share, locale=self.language))

    def moment(self, when: datetime) -> str:
        """A date and time, in UTC, as this language writes them (with the zone named)."""
        # Date medium, time short: minutes are enough for a deadline.
        day = format_date(when.astimezone(UTC), "medium", locale=self.language)
        hour = format_time(when, "short", tzinfo=UTC, locale=self.language)
        return f"{day} {hour} UTC"

    def rich(self, message: str, **values: str | Span) -> Text:
        """Translate `message` and fill `{name}` placeholders with spans, not markup."""
        return _spans(self._translations.gettext(message), values)

    def rich_n(self, singular: str, plural: str, n: int, **values: str | Span) -> Text:
        """`rich` with the plural form for `n` (filled as `{n}`)."""
        template = self._translations.ngettext(singular, plural, n)
        return _spans(template, {"n": self.number(n), **values})

    def listing(self, items: Sequence[str]) -> str:
        """ "a, b and c" as this language writes a list."""
        return str(format_list(list(items), locale=self.language))

    def price(self, amount_minor: int, currency: str) -> str:
        amount = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
        return str(format_currency(amount, currency, locale=self.language))


def _spans(template: str, values: dict[str, str | Span]) -> Text:
    """The template with each placeholder replaced by its own span."""
    spans: list[Span] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            spans.append(Span(literal))
        if name is not None:
            value = values[name]
            spans.append(value if isinstance(value, Span) else Span(value, Style.PLAIN))
    return Text(tuple(spans))
