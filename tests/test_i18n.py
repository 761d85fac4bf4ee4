"""Every user-facing string in all six languages, with the same placeholders and
every plural form; refusals in the member's language."""

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.app import App
from handlers.core.i18n import I18n, available_languages, negotiate
from handlers.core.model import Buttons, Style, UserRef, bold
from tests.support import action, command, plain, text

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"t": None, "tn": (1, 2), "rich": None, "rich_n": (1, 2), "N_": None, "Nn_": (1, 2)}


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


LANGUAGES = ("pl", "uk", "fi", "ms", "id")  # besides English, the source
# Plural forms per language (CLDR, as Babel writes the catalogs' headers).
PLURAL_FORMS = {"pl": 3, "uk": 3, "fi": 2, "ms": 1, "id": 1}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_consistent(language: str) -> None:
    """Every string of the code is translated, with the same placeholders, in every
    plural form the language has; nothing is left fuzzy."""
    with (ROOT / f"handlers/locales/{language}/LC_MESSAGES/shopbot.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    assert catalog.num_plurals == PLURAL_FORMS[language]
    messages = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog if m.id}
    missing = sorted(extracted() - set(messages))
    assert not missing, f"untranslated into {language}: {missing}"
    for msgid, message in messages.items():
        assert not message.fuzzy, msgid
        expected = placeholders(message.id[-1] if isinstance(message.id, tuple) else msgid)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple):
            assert len(forms) == catalog.num_plurals, msgid
        for translation in forms:
            assert translation, f"empty {language} translation for {msgid!r}"
            assert placeholders(translation) == expected, (language, msgid, translation)


def test_every_language_is_offered() -> None:
    assert set(available_languages()) == {"en", *LANGUAGES}


def test_language_negotiation() -> None:
    assert {"en", "pl"} <= set(available_languages())
    assert negotiate(["pl-PL"], "en") == "pl"
    assert negotiate([None, "fi-FI"], "pl") == "fi"
    assert negotiate([None, "de"], "pl") == "pl"  # no German catalog: the default
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


async def test_refusals_speak_the_members_language_throughout(app: App) -> None:
    """After /language pl nothing English leaks: parameter names in refusals, the
    too-long refusal (with a Polish thousands separator), the usage line."""
    await app.router.dispatch(command("language", "pl"))
    assert plain(await app.router.dispatch(command("product"))).startswith(
        "Brakuje: nazwa lub SKU."
    )
    refused = plain(await app.router.dispatch(command("results", "abc")))
    assert refused.startswith("numer ankiety: ") and "poll number" not in refused
    too_long = plain(await app.router.dispatch(text("x" * 5000)))
    assert "4\xa0000" in too_long and "too long" not in too_long


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("uk", ["1 голос", "3 голоси", "5 голосів", "22 голоси", "11 голосів"]),
        ("pl", ["1 głos", "3 głosy", "5 głosów", "22 głosy", "11 głosów"]),
        ("fi", ["1 ääni", "3 ääntä", "5 ääntä", "22 ääntä", "11 ääntä"]),
        ("id", ["1 suara", "3 suara", "5 suara", "22 suara", "11 suara"]),
    ],
)
def test_vote_counts_in_results_follow_each_languages_plural_rules(
    language: str, expected: list[str]
) -> None:
    from handlers.polls.results import VOTES

    i18n = I18n(language)
    said = [i18n.tn(*VOTES, n, percent=i18n.percent(0.5)) for n in (1, 3, 5, 22, 11)]
    assert [s.split(" (")[0] for s in said] == expected


async def test_language_buttons_and_the_language_a_question_is_written_in(app: App) -> None:
    """/language alone offers a button per language; a message from a platform that
    tells no language is answered in the language it is written in."""
    [offer] = await app.router.dispatch(command("language"))
    assert isinstance(offer, Buttons)
    pressed = [b.action for row in offer.rows for b in row]
    assert sorted(pressed) == sorted(f"lang:{code}" for code in available_languages())
    assert "Готово" in plain(await app.router.dispatch(action("lang:uk")))
    unknown = UserRef("discord", "42", "Ola", locale=None)  # Discord: no locale
    answer = plain(await app.router.dispatch(text("czy macie plecak do 100 EUR?", actor=unknown)))
    assert "Cena: " in answer and "Price: " not in answer  # the card speaks Polish


async def test_a_polish_card_names_standard_colours_in_polish(app: App) -> None:
    await app.router.dispatch(command("language", "pl"))
    card = plain(await app.router.dispatch(command("product", "BAG-001")))
    assert "Kolory: oliwkowy, czarny, granatowy" in card
