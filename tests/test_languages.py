"""A whole console session in each of the six languages, as a moderator in a group
would have it: nothing in English outside the catalog's own product data; and what the
bot posts on its own speaks the language of the moderator behind it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pytest
from rich.console import Console

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from config import shipped_file
from handlers.core.model import ChatKind, ChatRef, UserRef
from tests.support import Clock, command, plain

GROUP = ChatRef("console", "group:lang", ChatKind.GROUP, title="lang")
# What a shopper of each language asks, and a poll they would run.
SESSIONS = {
    "en": ("do you have a backpack?", "Which colour? | Sand | Olive"),
    "pl": ("czy macie plecak?", "Jaki kolor? | Piaskowy | Oliwkowy"),
    "uk": ("чи є у вас рюкзак?", "Який колір? | Пісочний | Оливковий"),
    "fi": ("onko teillä reppua?", "Mikä väri? | Hiekka | Oliivi"),
    "ms": ("ada beg galas tak?", "Warna mana satu? | Pasir | Zaitun"),
    "id": ("ada tas ransel nggak?", "Warna yang mana? | Krem | Zaitun"),
}
# Words that are English only (none is a word in the other five languages).
ENGLISH = frozenset(
    """the and your you poll vote votes voted results result please price prices colours
    colors sizes stock question option options deadline missing must number people person
    hours days what which with this that there here only left closed final far answer
    choose language send try again sorry something wrong whole none running""".split()
)


def catalog_values() -> list[str]:
    """The demo catalog's own texts (names, descriptions, categories, colours...),
    longest first: product data stays as the vendor wrote it."""
    found: set[str] = set()
    with shipped_file("demo_catalog.csv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            for cell in row:
                found |= {part.strip() for part in cell.split("|") if len(part.strip()) > 1}
    return sorted(found, key=len, reverse=True)


def english_words(shown: str) -> set[str]:
    # The console's answers to its own :commands (":lang", ":role") are its tool
    # language, as a command line's are, not the bot's.
    shown = "\n".join(line for line in shown.splitlines() if not line.startswith("[you are "))
    for value in catalog_values():
        shown = shown.replace(value, " ")
    shown = re.sub(r"(?<!\w)(/|--)[a-z_]+", " ", shown)  # commands and flags as typed
    return set(re.findall(r"[^\W\d_]+", shown.lower())) & ENGLISH


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("language", sorted(SESSIONS))
async def test_a_whole_console_session_in_each_language(app: App, language: str) -> None:
    """The console chat, scripted: /start, /help, /product, a bad argument, a product
    question, /poll with a bad deadline, a poll, a vote (its button) and /results."""
    question, poll = SESSIONS[language]
    buffer = io.StringIO()
    console = ConsoleAdapter(
        app.router.dispatch, Console(file=buffer, width=120), "shopbot", user="ola"
    )
    script = [
        f":lang {language}",  # the language the person's app reports
        ":role moderator",
        ":group shop",
        "/start",
        "/help",
        "/product BAG-001",
        "/results abc",
        f"@shopbot {question}",
        f"/poll 2x {poll}",
        f"/poll 2h {poll}",
        "2",  # votes for the second option
        "/results 1",
    ]
    for line in script:
        await console.handle_line(line)
    shown = buffer.getvalue()
    if language == "en":  # the check itself works: English is found in English
        assert {"poll", "votes", "the"} <= english_words(shown)
        return
    assert english_words(shown) == set(), shown


async def test_announcements_speak_the_language_of_the_moderator_behind_them(
    app: App, clock: Clock
) -> None:
    """Results at closing and welcomes are posted by the bot on its own, to a whole
    group: they speak the language the moderator who set them up chose."""
    from handlers.polls.closing import close_due
    from handlers.welcome.commands import post_welcomes
    from tests.test_polls import Deliveries
    from tests.test_welcome import Posted, join, newcomer

    mod = UserRef("console", "mod-uk", "Mo", is_chat_admin=True)
    await app.router.dispatch(command("language", "uk", actor=mod, chat=GROUP))
    await app.router.dispatch(command("poll", "2h Який колір? | A | B", actor=mod, chat=GROUP))
    await app.router.dispatch(command("welcome", "Раді вас бачити", actor=mod, chat=GROUP))
    clock.advance(hours=2, seconds=1)
    deliveries = Deliveries()
    assert await close_due(app.services, deliveries) == 1
    [(_, results)] = deliveries.sent
    assert "Остаточний результат" in plain(results), plain(results)
    await join(app, newcomer(1, "console"), GROUP)
    clock.advance(minutes=2)
    posted = Posted()
    assert await post_welcomes(replace(app.services, post=posted)) == 1
    [(_, greeting)] = posted.messages
    assert greeting.startswith("Вітаємо"), greeting
