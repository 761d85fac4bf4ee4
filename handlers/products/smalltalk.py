"""Greetings, thanks, "who are you" and "help" in the six languages get a short friendly
answer instead of a product search (which found "nothing matching hi", or a tote bag).
Only a whole message that is such a phrase counts: "hi, do you have boots?" is still a
question."""

from __future__ import annotations

from enum import StrEnum

from handlers.core.context import Context
from handlers.core.i18n import N_
from handlers.core.model import Out, Text
from storage.text import words


class Kind(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    WHO = "who"
    HELP = "help"


# Whole messages, by kind, "|"-separated; in English, Polish, Ukrainian, Finnish, Malay
# and Indonesian (compared folded: without accents or case).
PHRASES = {
    Kind.GREETING: "hi|hello|hey|hiya|good morning|good afternoon|good evening"
    "|cześć|hej|siema|witam|dzień dobry|dobry wieczór"
    "|привіт|вітаю|добрий день|доброго ранку|добрий вечір"
    "|hei|moi|terve|moikka|huomenta|hyvää päivää|hyvää iltaa"
    "|hai|helo|halo|selamat pagi|selamat petang|selamat siang|selamat sore|selamat malam",
    Kind.THANKS: "thanks|thank you|thx|ty|cheers|thanks a lot|thank you very much"
    "|dzięki|dziękuję|dziękuję bardzo|wielkie dzięki"
    "|дякую|дуже дякую|спасибі|щиро дякую"
    "|kiitos|kiitti|kiitos paljon|kiitoksia"
    "|terima kasih|terima kasih banyak|tq|makasih",
    Kind.WHO: "who are you|what are you|what can you do|what do you do"
    "|kim jesteś|co potrafisz|co umiesz"
    "|хто ти|що ти вмієш|що ти можеш"
    "|kuka olet|kuka sinä olet|mitä osaat|mitä sinä osaat"
    "|siapa awak|siapa anda|siapa kamu|kamu siapa|apa yang awak boleh buat"
    "|apa yang bisa kamu lakukan",
    Kind.HELP: "help|pomoc|pomocy|допомога|допоможи|apua|bantuan|tolong",
}
# Words a phrase may come with: the bot's name, "bot", "please".
EXTRA = frozenset(("bot", "shopbot", "please", "prosze"))
_KNOWN = {
    " ".join(words(phrase)): kind
    for kind, phrases in PHRASES.items()
    for phrase in phrases.split("|")
}


def kind_of(text: str, bot_name: str = "") -> Kind | None:
    """What small talk the message is, if it is nothing else."""
    found = words(text)
    extra = EXTRA | {" ".join(words(bot_name))}
    while found and found[-1] in extra:
        found = found[:-1]
    while found and found[0] in extra:  # "@shopbot hello"
        found = found[1:]
    return _KNOWN.get(" ".join(found))


def answer(ctx: Context, kind: Kind) -> list[Out]:
    match kind:
        case Kind.GREETING:
            said = N_("Hi! Ask me about a product, for example: trail backpack under 100 EUR")
        case Kind.THANKS:
            said = N_("You're welcome! Ask me anything else about the products here.")
        case Kind.WHO:
            said = N_(
                "I'm the shopping assistant of this community: ask me about products, "
                "and I run polls, reviews and rewards here. /help lists everything."
            )
        case Kind.HELP:
            said = N_("Send /help to see everything I can do, or just ask about a product.")
    return [Text.of(ctx.t(said))]
