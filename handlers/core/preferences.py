"""Choices a member makes in `/settings`, declared by the features they concern (the
basics feature shows them all, features do not import each other): each is on or
off, stored per member (storage/preferences.py), off until the member turns it on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preference:
    """One choice: its stored key, what it means when on and off (msgids), and the
    buttons that turn it on and off (msgids)."""

    key: str
    when_on: str
    when_off: str
    turn_on: str
    turn_off: str
