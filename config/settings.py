"""Settings: `SHOPBOT_*` environment variables over `./.env` over a TOML file over defaults.

The TOML file is `$SHOPBOT_CONFIG` or `./shopbot.toml`; it is optional, and so is `.env`
(`SHOPBOT_*` lines in dotenv format; `SHOPBOT_CONFIG` may be one of them). Every key is
documented in `config/shopbot.example.toml`. Secrets (tokens) are accepted from the
environment and `.env` only, so a config file can be shared or committed without leaking
them.
"""

from __future__ import annotations

import io
import ipaddress
import os
import re
import tomllib
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "SHOPBOT_"
DEFAULT_CONFIG_FILE = "shopbot.toml"
DOTENV_FILE = ".env"
SECRET_KEYS = frozenset(
    {
        "telegram_token",
        "telegram_webhook_secret",
        "discord_token",
        "shopify_webhook_secret",
        "woocommerce_webhook_secret",
    }
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

IdList = Annotated[list[str], NoDecode]

# What a cart link template (`cart_url`) may name: the chosen variant's id in the shop
# (else the product's, for a product without variants), the product's id in the shop,
# its SKU, and how many.
CART_PLACEHOLDERS = ("variant_id", "product_id", "sku", "quantity")
# `shopify:<shop address>` and `woocommerce:<shop address>` stand for their cart links:
# Shopify's cart permalink and WooCommerce's add-to-cart link.
CART_PRESETS = {
    "shopify": "/cart/{variant_id}:{quantity}",
    "woocommerce": "/?add-to-cart={variant_id}&quantity={quantity}",
}
_SHOP_ADDRESS = re.compile(r"https?://[^\s?#{}]+", re.IGNORECASE)
_TEMPLATE = re.compile(r"https?://\S+", re.IGNORECASE)


def cart_template(value: str) -> str:
    """The cart link template `value` stands for (a preset expanded), checked: an
    http(s) address whose placeholders are CART_PLACEHOLDERS and name the product.
    Empty: no cart links. Raises ValueError saying what is wrong."""
    value = value.strip()
    if not value:
        return ""
    preset, colon, shop = value.partition(":")
    if colon and preset.lower() in CART_PRESETS and not shop.startswith("//"):
        shop = shop.strip().rstrip("/")
        if not _SHOP_ADDRESS.fullmatch(shop):
            raise ValueError(
                f"{preset}: needs the shop's address, as in {preset}:https://shop.example"
            )
        value = shop + CART_PRESETS[preset.lower()]
    if not _TEMPLATE.fullmatch(value):
        raise ValueError(
            "is not an http(s) address, nor shopify:<shop address> or woocommerce:<shop address>"
        )
    allowed = ", ".join("{" + name + "}" for name in CART_PLACEHOLDERS)
    try:
        fields = [
            (name, spec, conv)
            for _, name, spec, conv in Formatter().parse(value)
            if name is not None
        ]
    except ValueError:
        raise ValueError(f"has an unmatched brace: placeholders are {allowed}") from None
    for name, spec, conversion in fields:
        if name not in CART_PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{name}}}: use {allowed}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} takes no conversion or format")
    if not {name for name, _, _ in fields} & {"variant_id", "product_id", "sku"}:
        raise ValueError("names no product: use {variant_id}, {product_id} or {sku}")
    return value


class SettingsError(Exception):
    """Configuration that cannot be used; the message names the key and where it came from."""


class _CrossCheckError(ValueError):
    """A check across settings; `keys` lets the error name each one and where it came from."""

    def __init__(self, message: str, *keys: str) -> None:
        super().__init__(message)
        self.keys = keys


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
    vendor_ids: IdList = Field(
        default_factory=list,
        description="platform:user_id entries: vendors in every community, named as they are",
    )
    load_demo_catalog: bool = Field(True, description="Load the demo catalog into an empty store")
    max_results: int = Field(3, ge=1, le=10, description="Product cards per answer")
    semantic_search: bool = Field(
        True, description="Also search by meaning, where the semantic extra is installed"
    )
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        "text", description="text: readable lines; json: one JSON object per line"
    )
    http_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port of the HTTP server for /healthz, /readyz, /metrics and the "
        "Telegram webhook; no server when unset",
    )
    http_listen: str = Field("0.0.0.0", min_length=1, description="Address the HTTP server binds")
    telegram_token: SecretStr | None = None
    # Bot API base URLs; `{token}` is replaced by the token (else it is appended).
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
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
    media_dir: Path = Field(
        Path("media"), description="Where review photos are kept (re-encoded, no metadata)"
    )
    review_request_days: int = Field(
        7, ge=1, le=90, description="Days after an order before its buyer is asked for a review"
    )
    public_url: str | None = Field(
        None,
        description="The HTTP server's public address (https://bot.example.com), for "
        "share links (/s/...); none without it",
    )
    trusted_proxies: IdList = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="Addresses or networks of the reverse proxies in front of the HTTP "
        "server, comma-separated: only from these is X-Forwarded-For believed when link "
        "clicks are told apart (anyone else could make up a new visitor per request)",
    )
    cart_url: str = Field(
        "",
        description="The shop's cart link for the Buy button, with placeholders "
        "{variant_id} {product_id} {sku} {quantity}, or shopify:<shop address> or "
        "woocommerce:<shop address>; empty: Buy opens the product's page",
    )
    discord_min_account_days: int = Field(
        7,
        ge=0,
        le=365,
        description="A purchase through a share link pays nobody when the buyer is known "
        "only by a Discord account younger than this (fresh accounts are how referral "
        "fraud is done)",
    )
    join_wait_days: int = Field(
        3, ge=0, le=60, description="Days a newcomer must stay before their join pays the inviter"
    )
    tiers: str = Field(
        "Bronze:0:1,Silver:300:1.1,Gold:1000:1.25",
        description="Tiers by points earned in the last 12 months: name:threshold:multiplier, "
        "comma-separated, lowest first; the multiplier scales what the tier earns",
    )
    points_expire_months: int = Field(
        12, ge=0, le=120, description="Months before earned points expire; 0: never"
    )
    # Order webhooks on the HTTP server (/orders/shopify, /orders/woocommerce): each
    # request's HMAC-SHA256 signature is checked with these.
    shopify_webhook_secret: SecretStr | None = None
    woocommerce_webhook_secret: SecretStr | None = None

    @field_validator(
        "telegram_token",
        "discord_token",
        "telegram_webhook_secret",
        "shopify_webhook_secret",
        "woocommerce_webhook_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # `SHOPBOT_TELEGRAM_TOKEN=` in a .env means "no token", not an empty one.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("owner_ids", "moderator_ids", "vendor_ids", "discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("owner_ids", "moderator_ids", "vendor_ids")
    @classmethod
    def _check_ids(cls, value: list[str]) -> list[str]:
        for entry in value:
            platform, sep, user_id = entry.partition(":")
            if not sep or not platform or not user_id:
                raise ValueError(f"{entry!r} is not of the form platform:user_id")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an address or network") from None
        return value

    @field_validator("discord_guild_ids")
    @classmethod
    def _check_guilds(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.isdigit():
                raise ValueError(f"{entry!r} is not a Discord guild id")
        return value

    @field_validator("tiers")
    @classmethod
    def _check_tiers(cls, value: str) -> str:
        last = -1
        for entry in value.split(","):
            parts = entry.strip().split(":")
            try:
                name, threshold, multiplier = parts[0].strip(), int(parts[1]), float(parts[2])
            except (IndexError, ValueError):
                raise ValueError(f"{entry.strip()!r} is not name:threshold:multiplier") from None
            if last < 0 and threshold != 0:
                raise ValueError("the first tier starts at 0 points")
            if not name or threshold <= last or not 0 < multiplier <= 10:
                raise ValueError(
                    f"{entry.strip()!r}: names are needed, thresholds must rise, "
                    "multipliers lie between 0 and 10"
                )
            last = threshold
        return value

    @field_validator("cart_url")
    @classmethod
    def _check_cart_url(cls, value: str) -> str:
        return cart_template(value)

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
            involved = ("telegram_mode", "telegram_token")
            if not self.telegram_webhook_url:
                raise _CrossCheckError(
                    "telegram_mode 'webhook' needs telegram_webhook_url",
                    *involved,
                    "telegram_webhook_url",
                )
            if self.telegram_webhook_secret is None:
                raise _CrossCheckError(
                    "telegram_mode 'webhook' needs SHOPBOT_TELEGRAM_WEBHOOK_SECRET, "
                    "checked on every webhook request",
                    *involved,
                    "telegram_webhook_secret",
                )
            if self.http_port is None:
                raise _CrossCheckError(
                    "telegram_mode 'webhook' needs http_port: Telegram posts to "
                    "/telegram on the HTTP server",
                    *involved,
                    "http_port",
                )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what it is given: load_settings reads the environment, .env and the file
        # itself, to name where each value came from.
        return (init_settings,)

    @property
    def platform_tokens(self) -> dict[str, SecretStr]:
        tokens = {"telegram": self.telegram_token, "discord": self.discord_token}
        return {name: token for name, token in tokens.items() if token is not None}


class _Origin(NamedTuple):
    """Where a setting's value came from."""

    where: str  # "environment SHOPBOT_X", ".env SHOPBOT_X" or the TOML file's path
    variable: bool  # named as SHOPBOT_X (environment, .env) rather than as a file key


_Layer = dict[str, tuple[_Origin, Any]]  # setting key -> (origin, raw value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    for key in sorted(SECRET_KEYS & data.keys()):
        env = ENV_PREFIX + key.upper()
        raise SettingsError(
            f"{path}: key '{key}' is a secret; set it in the environment or {DOTENV_FILE} as {env}"
        )
    return data


def _read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of a dotenv file (quotes, comments, `export`), if there is one.

    No `${VAR}` expansion: a secret containing `$` is taken as written.
    """
    if not path.is_file():
        return {}
    from dotenv.parser import parse_stream

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            # The line is not quoted back: it may hold a token.
            raise SettingsError(f"{path}: line {binding.original.line}: not KEY=VALUE")
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def _variables(variables: Mapping[str, str], origin: str) -> _Layer:
    """The `SHOPBOT_*` variables by setting key; others are left to other programs."""
    return {
        name[len(ENV_PREFIX) :].lower(): (_Origin(f"{origin} {name}", True), value)
        for name, value in variables.items()
        if name.startswith(ENV_PREFIX)
    }


def _file_layer(named: tuple[_Origin, Any] | None) -> _Layer:
    """The TOML file `SHOPBOT_CONFIG` names (it must exist), else `./shopbot.toml` if any."""
    path = Path(named[1] if named else DEFAULT_CONFIG_FILE)
    if path.is_file():
        origin = _Origin(str(path), False)
        return {key: (origin, value) for key, value in _read_toml(path).items()}
    if named:
        raise SettingsError(f"{path}: config file named by {named[0].where} does not exist")
    return {}


def load_settings(
    environ: Mapping[str, str] | None = None, *, languages: Collection[str] | None = None
) -> Settings:
    """Build settings from `environ` (default: the process environment), `./.env` and the
    TOML file, in that order of precedence.

    With `languages` (those ShopBot speaks), a `default_locale` must be one of them;
    config/ cannot ask handlers/ which they are.
    """
    variables = {
        **_variables(_read_dotenv(Path(DOTENV_FILE)), DOTENV_FILE),
        **_variables(os.environ if environ is None else environ, "environment"),
    }
    layers = {**_file_layer(variables.pop("config", None)), **variables}
    # Unknown keys are set aside rather than passed on: a name such as `_env_prefix`
    # means something to BaseSettings itself.
    problems = [_unknown(key, origin) for key, (origin, _) in layers.items() if not _known(key)]
    if languages is not None and (unspoken := _check_spoken(layers, languages)):
        problems.append(unspoken)
        del layers["default_locale"]  # babel's "unknown locale" would add nothing
    try:
        settings = Settings(**{key: value for key, (_, value) in layers.items() if _known(key)})
    except ValidationError as exc:
        origins = {key: origin for key, (origin, _) in layers.items()}
        problems += [_describe(error, origins) for error in exc.errors()]
    else:
        if not problems:
            return settings
    raise SettingsError("invalid settings:\n  " + "\n  ".join(problems))


def _known(key: str) -> bool:
    return key in Settings.model_fields


def _check_spoken(layers: _Layer, languages: Collection[str]) -> str | None:
    """A `default_locale` that is set must be a language ShopBot speaks.

    Checked apart from validation, which cannot be told the languages (BaseSettings
    passes no validation context).
    """
    if "default_locale" not in layers:
        return None  # the default, "en", is the source language
    origin, value = layers["default_locale"]
    if not isinstance(value, str):
        return None  # validation names the wrong type
    # As handlers.core.i18n.negotiate matches: 'pl-PL' is spoken if 'pl' is.
    primary = value.replace("-", "_").split("_")[0].lower()
    if value in languages or primary in languages:
        return None
    spoken = ", ".join(sorted(languages))
    where = _where(origin, ("default_locale",))
    return f"{where}: ShopBot does not speak {value!r}; it speaks: {spoken}"


def _describe(error: ErrorDetails, origins: Mapping[str, _Origin]) -> str:
    if not error["loc"]:
        return f"{_involved(error, origins)}: {_message(error)}"
    origin = origins.get(str(error["loc"][0]), _Origin("default", False))
    return f"{_where(origin, error['loc'])}: {_message(error)}"


def _where(origin: _Origin, loc: tuple[int | str, ...]) -> str:
    if origin.variable:  # the variable names the key
        return origin.where
    return f"{origin.where}: key '{'.'.join(str(part) for part in loc)}'"


def _involved(error: ErrorDetails, origins: Mapping[str, _Origin]) -> str:
    """For a check across settings: each setting it involves, and where that came from."""
    cause = error.get("ctx", {}).get("error")
    keys = cause.keys if isinstance(cause, _CrossCheckError) else ()
    named = [f"{key} ({origins[key].where if key in origins else 'not set'})" for key in keys]
    return ", ".join(named) or "settings"


def _message(error: ErrorDetails) -> str:
    cause = error.get("ctx", {}).get("error")
    # Our own ValueErrors read better without pydantic's "Value error, " in front.
    return str(cause) if error["type"] == "value_error" and cause else error["msg"]


def _unknown(key: str, origin: _Origin) -> str:
    import difflib

    problem = f"{_where(origin, (key,))}: unknown {'setting' if origin.variable else 'key'}"
    close = difflib.get_close_matches(key, Settings.model_fields, n=1)
    if not close:
        return problem
    suggestion = ENV_PREFIX + close[0].upper() if origin.variable else close[0]
    return f"{problem}; did you mean {suggestion}?"


def shipped_file(name: str) -> Path:
    """Path of a file shipped in the config package (sample config, demo catalog)."""
    return Path(str(resources.files("config").joinpath(name)))
