"""Expected failures that become a friendly, localized answer.

Every refusal carries its reason the same way: an English msgid and the values that
fill it, translated where it is shown (so the same refusal reads in each person's
language, and is never assembled from English pieces).
"""

from __future__ import annotations

from handlers.core.i18n import I18n


class Refusal(Exception):
    """Something refused, with the reason people read (`text`)."""

    def __init__(self, message: str | tuple[str, str], **values: object) -> None:
        """`message`: a msgid, or a (singular, plural) pair from `Nn_` whose form is
        picked by the value `n`."""
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, i18n: I18n) -> str:
        if isinstance(self.message, tuple):
            singular, plural = self.message
            values = dict(self.values)
            n = values.pop("n")
            assert isinstance(n, int)
            return i18n.tn(singular, plural, n, **values)
        return i18n.t(self.message, **self.values)


class UserError(Refusal):
    """Bad input or a refused request, answered to the person.

    Raising it rolls back the handler's writes: bad input changes nothing.
    """
