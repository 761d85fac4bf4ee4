"""Greetings, thanks, "who are you" and "help" in the six languages get a short answer
in the person's language, not a product search; anything more is still a question, and
a refusal quotes the question without doubling its punctuation."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.core.model import Card
from handlers.products.smalltalk import Kind, kind_of
from tests.support import dm, group, plain, text, user

SAID = {
    Kind.GREETING: ["hi", "Hello!", "cześć", "Dzień dobry", "привіт", "Moi", "hai", "Halo"],
    Kind.THANKS: ["thanks!", "Thank you", "dzięki", "Дякую!", "kiitos", "terima kasih", "makasih"],
    Kind.WHO: ["who are you?", "kim jesteś?", "хто ти", "kuka olet?", "siapa awak", "kamu siapa"],
    Kind.HELP: ["help", "pomocy!", "допомога", "apua", "bantuan"],
}


@pytest.mark.parametrize("kind", list(Kind))
def test_small_talk_is_recognised_in_six_languages(kind: Kind) -> None:
    for message in SAID[kind]:
        assert kind_of(message, "shopbot") is kind, message
    assert kind_of("thanks shopbot", "shopbot") is Kind.THANKS


@pytest.mark.parametrize(
    "message", ["hi, do you have a backpack?", "thank you for the boots", "help me find a mug"]
)
def test_more_than_small_talk_is_a_question(message: str) -> None:
    assert kind_of(message, "shopbot") is None


async def test_small_talk_gets_an_answer_not_a_search(app: App) -> None:
    r = app.router.dispatch
    for message in ("hi", "terima kasih", "дякую", "kiitos!"):
        said = await r(text(message, actor=user("ann", locale=None), chat=dm("ann")))
        assert said and not [o for o in said if isinstance(o, Card)], message
        assert "nothing matching" not in plain(said)
    hello = await r(text("@shopbot hello", actor=user("ann"), chat=group(), addressed=True))
    assert "Ask me about a product" in plain(hello)
    polish = await r(text("cześć", actor=user("pia", locale="pl"), chat=dm("pia")))
    assert "Zapytaj mnie o produkt" in plain(polish)


async def test_a_refusal_quotes_the_question_without_doubling_its_end(app: App) -> None:
    said = plain(await app.router.dispatch(text("zzqx fribble?", actor=user("ann"), chat=dm())))
    assert "zzqx fribble." in said and "?." not in said
