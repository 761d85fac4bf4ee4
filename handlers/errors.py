"""Expected failures that become a friendly, localized reply."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused request. `message` is an English msgid, translated on reply.

    Raising it rolls back the handler's writes: bad input changes nothing.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values
