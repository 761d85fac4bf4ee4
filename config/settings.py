"""Settings: `SHOPBOT_*` environment variables over a TOML file over defaults.

The TOML file is `$SHOPBOT_CONFIG` or `./shopbot.toml`; it is optional. Every key is
documented in `config/shopbot.example.toml`. Secrets (tokens) are accepted from the
environment only, so a config file can be shared or committed without leaking them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "SHOPBOT_"
DEFAULT_CONFIG_FILE = "shopbot.toml"
SECRET_KEYS = frozenset({"telegram_token", "telegram_webhook_secret", "discord_token"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

IdList = Annotated[list[str], NoDecode]


class SettingsError(Exception):
    """Configuration that cannot be used; the message names the key and where it came from."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    database_url: str = Field(
        "sqlite+aiosqlite:///shopbot.db",
        description="SQLAlchemy URL; sqlite:///file.db or postgresql://user@host/db",
    )
    default_locale: str = Field("en", description="Language for members who have not chosen one")
    bot_name: str = Field("shopbot", min_length=1, max_length=64)
    owner_ids: IdList = Field(default_factory=list, description="platform:user_id entries")
    moderator_ids: IdList = Field(default_factory=list, description="platform:user_id entries")
    load_demo_catalog: bool = Field(True, description="Load the demo catalog into an empty store")
    max_results: int = Field(3, ge=1, le=10, description="Product cards per answer")
    log_level: str = "INFO"
    telegram_token: SecretStr | None = None
    # Bot API base URLs; `{token}` is replaced by the token (else it is appended).
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(8443, ge=1, le=65535)
    telegram_webhook_url: str | None = None  # public HTTPS URL Telegram posts updates to
    telegram_webhook_secret: SecretStr | None = None
    discord_token: SecretStr | None = None
    # Guilds where slash commands sync instantly (global sync can take up to an hour).
    discord_guild_ids: IdList = Field(default_factory=list)
    # REST base override (e.g. a shared rate-limit proxy); the gateway URL then comes
    # from that server's GET /gateway/bot as well.
    discord_api_url: str | None = None
    # Member joins need the privileged Server Members intent; off unless you enable it
    # in the developer portal too.
    discord_member_events: bool = False
    # After connecting, how long to wait for each guild the gateway announced but had not
    # sent yet, before answering (discord.py's guild_ready_timeout).
    discord_guild_ready_timeout: float = Field(default=2.0, ge=0, le=60)

    @field_validator("owner_ids", "moderator_ids", "discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("owner_ids", "moderator_ids")
    @classmethod
    def _check_ids(cls, value: list[str]) -> list[str]:
        for entry in value:
            platform, sep, user_id = entry.partition(":")
            if not sep or not platform or not user_id:
                raise ValueError(f"{entry!r} is not of the form platform:user_id")
        return value

    @field_validator("discord_guild_ids")
    @classmethod
    def _check_guilds(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.isdigit():
                raise ValueError(f"{entry!r} is not a Discord guild id")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as exc:
            raise ValueError(f"unknown locale {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        if self.telegram_mode == "webhook" and self.telegram_token is not None:
            if not self.telegram_webhook_url:
                raise ValueError("telegram_mode 'webhook' needs telegram_webhook_url")
            if self.telegram_webhook_secret is None:
                raise ValueError(
                    "telegram_mode 'webhook' needs SHOPBOT_TELEGRAM_WEBHOOK_SECRET, "
                    "checked on every webhook request"
                )
        return self

    @property
    def platform_tokens(self) -> dict[str, SecretStr]:
        tokens = {"telegram": self.telegram_token, "discord": self.discord_token}
        return {name: token for name, token in tokens.items() if token is not None}


class _TomlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = dict(data)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self._data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    for key in sorted(SECRET_KEYS & data.keys()):
        env = ENV_PREFIX + key.upper()
        raise SettingsError(f"{path}: key '{key}' is a secret; set it in the environment as {env}")
    return data


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment) and the TOML file."""
    env = dict(os.environ if environ is None else environ)
    path = Path(env.get(ENV_PREFIX + "CONFIG", DEFAULT_CONFIG_FILE))
    explicit = ENV_PREFIX + "CONFIG" in env
    if path.is_file():
        file_data = _read_toml(path)
    elif explicit:
        raise SettingsError(f"{path}: config file named by {ENV_PREFIX}CONFIG does not exist")
    else:
        file_data = {}
    env_data: dict[str, Any] = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in env.items()
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG"
    }

    class _Bound(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, _TomlSource(settings_cls, file_data))

    known = set(Settings.model_fields)
    unknown_env = sorted(k for k in env_data if k not in known)
    if unknown_env:
        names = ", ".join(ENV_PREFIX + k.upper() for k in unknown_env)
        raise SettingsError(f"unknown environment setting(s): {names}")
    try:
        # Environment values go in as init kwargs so they win over the file.
        return _Bound(**env_data)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, path, env_data)) from None


def _describe(exc: ValidationError, path: Path, env_data: Mapping[str, str]) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(file)"
        top = str(error["loc"][0]) if error["loc"] else ""
        where = f"environment {ENV_PREFIX}{top.upper()}" if top in env_data else str(path)
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"{where}: key '{key}': {message}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def shipped_file(name: str) -> Path:
    """Path of a file shipped in the config package (sample config, demo catalog)."""
    return Path(str(resources.files("config").joinpath(name)))
