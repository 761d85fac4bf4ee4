"""Every user-facing string is translated into Polish, with the same placeholders."""

import re
import string
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from handlers.core.i18n import I18n, available_languages, negotiate
from handlers.core.model import Style, bold

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"t": None, "tn": (1, 2), "rich": None, "N_": None}


def extracted() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_polish_catalog_is_complete_and_consistent() -> None:
    with (ROOT / "handlers/locales/pl/LC_MESSAGES/shopbot.po").open("rb") as po:
        catalog = read_po(po, locale="pl")
    messages = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog if m.id}
    missing = sorted(extracted() - set(messages))
    assert not missing, f"untranslated into Polish: {missing}"
    for msgid, message in messages.items():
        assert not message.fuzzy, msgid
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for translation in translations:
            assert translation, f"empty Polish translation for {msgid!r}"
            assert placeholders(translation) == placeholders(msgid), msgid


def test_language_negotiation() -> None:
    assert {"en", "pl"} <= set(available_languages())
    assert negotiate(["pl-PL"], "en") == "pl"
    assert negotiate([None, "fi"], "pl") == "pl"  # no Finnish catalog yet: default
    assert negotiate(["xx"], "zz") == "en"


def test_polish_plurals_and_formatting() -> None:
    pl = I18n("pl")
    assert [pl.tn("Only {n} left", "Only {n} left", n) for n in (1, 3, 5, 22)] == [
        "Została tylko 1 sztuka",
        "Zostały tylko 3 sztuki",
        "Zostało tylko 5 sztuk",
        "Zostały tylko 22 sztuki",
    ]
    assert re.fullmatch(r"49,90\s€", pl.price(4990, "EUR"))
    assert I18n("en").price(4990, "EUR") == "€49.90"


def test_rich_keeps_values_as_separate_spans() -> None:
    text = I18n("en").rich(
        "Hi {name}! I'm the shop assistant of this community.", name=bold("<b>Eve</b>")
    )
    assert text.spans[1].text == "<b>Eve</b>" and text.spans[1].style is Style.BOLD
    assert text.plain == "Hi <b>Eve</b>! I'm the shop assistant of this community."
