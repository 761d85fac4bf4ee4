"""Neutral commands -> Discord application command payloads, and their hash.

The payload is built from the router's declarations (one definition for every
platform) rather than from discord.py's app_commands decorators, which want a Python
signature per command. The hash decides whether a start-up must re-sync.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from discord import Permissions

from handlers.core.args import Param, ParamKind
from handlers.core.features import Command, Role, Scope
from handlers.core.i18n import SOURCE_LANGUAGE, I18n, available_languages

# Our language codes -> Discord's locale names. Malay has none: Malay speakers see
# Discord's default (English) menus, while the bot's answers follow /language.
DISCORD_LOCALES = {"pl": "pl", "fi": "fi", "uk": "uk", "id": "id", "en": "en-US"}
STRING, INTEGER, USER, ATTACHMENT = 3, 4, 6, 11
GUILD, BOT_DM = 0, 1
MODERATOR_PERMISSIONS = Permissions(manage_messages=True).value
_CONTEXTS = {Scope.ANYWHERE: [GUILD, BOT_DM], Scope.DM: [BOT_DM], Scope.GROUP: [GUILD]}


def command_payloads(commands: Sequence[Command], only: int | None = None) -> list[dict[str, Any]]:
    """The definitions to upload. `only` limits them to one context: GUILD for the
    commands synced to each configured guild, BOT_DM for the global set that then
    serves private chats (without it, guild-synced bots had no DM commands at all)."""
    languages = {lang: I18n(lang) for lang in available_languages()}
    english = languages[SOURCE_LANGUAGE]
    payloads = []
    for command in sorted(commands, key=lambda c: c.name):
        contexts = [c for c in _CONTEXTS[command.scope] if only is None or c == only]
        if not contexts:
            continue
        payload: dict[str, Any] = {
            "name": command.name,
            "type": 1,
            "description": english.t(command.summary)[:100],
            "description_localizations": _localized(command.summary, languages),
            "options": [_option(p, languages) for p in command.params],
            "contexts": contexts,
            "integration_types": [0],
        }
        if command.role is Role.MODERATOR:
            # Discord hides the command from members without the permission; the router
            # still checks the role on every use.
            payload["default_member_permissions"] = str(MODERATOR_PERMISSIONS)
        payloads.append(payload)
    return payloads


def _localized(message: str, languages: dict[str, I18n]) -> dict[str, str]:
    return {
        DISCORD_LOCALES[lang]: i18n.t(message)[:100]
        for lang, i18n in languages.items()
        if lang != SOURCE_LANGUAGE and lang in DISCORD_LOCALES
    }


def option_name(label: str) -> str:
    """A label as Discord allows an option's name: lower case, no spaces, 32 at most
    ("nazwa lub SKU" -> "nazwa-lub-sku"). Discord sends the canonical name back."""
    words = re.findall(r"[^\W_]+", label.lower())
    return "-".join(words)[:32] or "value"


def _option(param: Param, languages: dict[str, I18n]) -> dict[str, Any]:
    label = param.placeholder or param.name
    names = {
        DISCORD_LOCALES[lang]: option_name(i18n.t(label))
        for lang, i18n in languages.items()
        if lang != SOURCE_LANGUAGE and lang in DISCORD_LOCALES
    }
    option: dict[str, Any] = {
        "name": param.name,
        "name_localizations": names,
        "description": languages[SOURCE_LANGUAGE].t(label)[:100],
        "description_localizations": _localized(label, languages),
        "type": INTEGER if param.kind is ParamKind.INT else STRING,
        "required": param.required,
    }
    if param.kind is ParamKind.MEMBER:
        return {**option, "type": USER}
    if param.kind is ParamKind.PHOTO:
        # Several photo options share a label: their names stay as declared (photo1…),
        # since localized names must differ too.
        return {**option, "type": ATTACHMENT, "name_localizations": {}}
    if param.kind is ParamKind.INT:
        if param.min_value is not None:
            option["min_value"] = param.min_value
        if param.max_value is not None:
            option["max_value"] = param.max_value
    else:
        option["max_length"] = min(param.max_length, 6000)
    if param.kind is ParamKind.CHOICE:
        option["choices"] = [{"name": c, "value": c} for c in param.choices]
    elif param.completion:
        option["autocomplete"] = True
    return option


def definition_hash(payloads: list[dict[str, Any]]) -> str:
    canonical = json.dumps(payloads, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
