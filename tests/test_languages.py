"""A whole session in each of the six languages, as a moderator in a group would have
it: nothing in English outside the catalog's own product data."""

from __future__ import annotations

import csv
import re
from dataclasses import replace

import pytest

from bot.app import App
from config import shipped_file
from handlers.core.model import ChatKind, ChatRef, Out, Poll, UserRef
from tests.support import Clock, action, command, plain, text

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


def english_words(outs: list[Out]) -> set[str]:
    shown = plain(outs)
    for value in catalog_values():
        shown = shown.replace(value, " ")
    shown = re.sub(r"(?<!\w)(/|--)[a-z_]+", " ", shown)  # commands and flags as typed
    return set(re.findall(r"[^\W\d_]+", shown.lower())) & ENGLISH


@pytest.mark.parametrize("language", sorted(SESSIONS))
async def test_a_whole_session_in_each_language(app: App, language: str) -> None:
    question, poll = SESSIONS[language]
    mod = UserRef("console", f"mod-{language}", "Mo", locale=language, is_chat_admin=True)

    outs: list[Out] = []
    for name, args in (("start", ""), ("help", ""), ("product", "BAG-001"), ("results", "abc")):
        outs += await app.router.dispatch(command(name, args, actor=mod, chat=GROUP))
    outs += await app.router.dispatch(text(question, actor=mod, chat=GROUP, addressed=True))
    outs += await app.router.dispatch(command("poll", f"2x {poll}", actor=mod, chat=GROUP))
    created = await app.router.dispatch(command("poll", f"2h {poll}", actor=mod, chat=GROUP))
    [made] = [o for o in created if isinstance(o, Poll)]
    outs += [o for o in created if not isinstance(o, Poll)]
    outs += await app.router.dispatch(action(f"vote:{made.ref}:1", actor=mod, chat=GROUP))
    outs += await app.router.dispatch(command("results", "1", actor=mod, chat=GROUP))
    if language == "en":  # the check itself works: English is found in English
        assert {"poll", "votes", "the"} <= english_words(outs)
        return
    assert english_words(outs) == set(), plain(outs)


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
