from pathlib import Path

import pytest

from config import SettingsError, load_settings, shipped_file


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .env or shopbot.toml of the developer's working directory leaks in."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "shopbot.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path: Path) -> None:
    settings = load_settings({"SHOPBOT_CONFIG": str(write(tmp_path, ""))})
    assert settings.database_url == "sqlite+aiosqlite:///shopbot.db"
    assert settings.default_locale == "en"
    assert settings.platform_tokens == {}


def test_environment_wins_over_file_which_wins_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'default_locale = "pl"\nmax_results = 5\n')
    settings = load_settings({"SHOPBOT_CONFIG": str(path), "SHOPBOT_MAX_RESULTS": "7"})
    assert settings.default_locale == "pl"  # file over default
    assert settings.max_results == 7  # environment over file


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'databse_url = "sqlite:///x.db"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings({"SHOPBOT_CONFIG": str(path)})
    assert "databse_url" in str(caught.value) and str(path) in str(caught.value)
    assert "unknown key; did you mean database_url?" in str(caught.value)


def test_wrong_type_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'max_results = "many"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings({"SHOPBOT_CONFIG": str(path)})
    assert "max_results" in str(caught.value) and str(path) in str(caught.value)


def test_wrong_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SHOPBOT_MAX_RESULTS"):
        load_settings({"SHOPBOT_CONFIG": str(write(tmp_path, "")), "SHOPBOT_MAX_RESULTS": "0"})


def test_misspelt_environment_variable_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SHOPBOT_TELEGRAM_TOKN"):
        load_settings({"SHOPBOT_CONFIG": str(write(tmp_path, "")), "SHOPBOT_TELEGRAM_TOKN": "x"})


def test_secret_in_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, 'telegram_token = "123:abc"\n')
    with pytest.raises(SettingsError, match="SHOPBOT_TELEGRAM_TOKEN"):
        load_settings({"SHOPBOT_CONFIG": str(path)})


def test_token_from_environment_is_secret(tmp_path: Path) -> None:
    settings = load_settings(
        {"SHOPBOT_CONFIG": str(write(tmp_path, "")), "SHOPBOT_TELEGRAM_TOKEN": "123:abc"}
    )
    assert set(settings.platform_tokens) == {"telegram"}
    assert "123:abc" not in repr(settings)


def test_id_lists_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SHOPBOT_CONFIG": str(write(tmp_path, "")),
            "SHOPBOT_OWNER_IDS": "telegram:1, console:olivia",
        }
    )
    assert settings.owner_ids == ["telegram:1", "console:olivia"]
    with pytest.raises(SettingsError, match="platform:user_id"):
        load_settings({"SHOPBOT_CONFIG": str(write(tmp_path, "")), "SHOPBOT_OWNER_IDS": "olivia"})


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings({"SHOPBOT_CONFIG": str(write(tmp_path, "max_results = [\n"))})
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings({"SHOPBOT_CONFIG": str(tmp_path / "nope.toml")})


def test_example_file_is_valid_and_documents_every_key(tmp_path: Path) -> None:
    example = shipped_file("shopbot.example.toml")
    settings = load_settings({"SHOPBOT_CONFIG": str(example)})
    assert settings.max_results == 3
    text = example.read_text(encoding="utf-8")
    from config import Settings

    for key in Settings.model_fields:
        documented = key in text or f"SHOPBOT_{key.upper()}" in text
        assert documented, f"{key} is not documented in shopbot.example.toml"


def write_dotenv(tmp_path: Path, body: str) -> None:
    (tmp_path / ".env").write_text(body, encoding="utf-8")


def error_lines(environ: dict[str, str], languages: list[str] | None = None) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, languages=languages)
    header, *lines = str(caught.value).splitlines()
    assert header == "invalid settings:"
    return [line.strip() for line in lines]


def test_dotenv_is_read_below_the_environment_and_above_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'bot_name = "from-file"\nmax_results = 5\nlog_level = "ERROR"\n')
    write_dotenv(
        tmp_path,
        "# a comment\n"
        "\n"
        "export SHOPBOT_MAX_RESULTS=6\n"
        "SHOPBOT_BOT_NAME='single # quoted'\n"
        'SHOPBOT_DATABASE_URL="sqlite:///dotenv.db"  # trailing comment\n'
        "SHOPBOT_TELEGRAM_TOKEN=123:a$b\n"
        "OTHER_TOOL_SETTING=ignored\n",
    )
    settings = load_settings({"SHOPBOT_CONFIG": str(path), "SHOPBOT_MAX_RESULTS": "7"})
    assert settings.max_results == 7  # environment over .env
    assert settings.bot_name == "single # quoted"  # .env over file
    assert settings.database_url == "sqlite:///dotenv.db"
    assert settings.log_level == "ERROR"  # file where .env is silent
    # Secrets are welcome in .env, and taken as written ($b is not expanded).
    assert settings.platform_tokens["telegram"].get_secret_value() == "123:a$b"


def test_dotenv_may_name_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf", "max_results = 4\n")
    write_dotenv(tmp_path, "SHOPBOT_CONFIG=conf/shopbot.toml\n")
    assert load_settings({}).max_results == 4
    write_dotenv(tmp_path, "SHOPBOT_CONFIG=conf/missing.toml\n")
    with pytest.raises(SettingsError, match=r"missing.toml: .* named by .env SHOPBOT_CONFIG"):
        load_settings({})


def test_dotenv_syntax_error_names_the_line_not_its_text(tmp_path: Path) -> None:
    write_dotenv(tmp_path, "SHOPBOT_MAX_RESULTS=4\nSHOPBOT_TELEGRAM_TOKEN='secret-1:abc\n")
    with pytest.raises(SettingsError, match=r"^\.env: line 2: not KEY=VALUE$") as caught:
        load_settings({})
    assert "secret-1" not in str(caught.value)


def test_secret_in_file_is_still_refused_when_dotenv_exists(tmp_path: Path) -> None:
    write_dotenv(tmp_path, "SHOPBOT_MAX_RESULTS=4\n")
    path = write(tmp_path, 'discord_token = "abc"\n')
    with pytest.raises(SettingsError, match=r"environment or \.env as SHOPBOT_DISCORD_TOKEN"):
        load_settings({"SHOPBOT_CONFIG": str(path)})


def test_unknown_variables_suggest_the_closest_setting(tmp_path: Path) -> None:
    write_dotenv(tmp_path, "SHOPBOT_MAX_RESULT=4\nSHOPBOT_NOTHING_LIKE_IT=1\n")
    # SHOPBOT__ENV_PREFIX would be BaseSettings' own _env_prefix argument if passed on.
    lines = error_lines({"SHOPBOT_DATABSE_URL": "sqlite:///x.db", "SHOPBOT__ENV_PREFIX": "X_"})
    assert sorted(lines) == [
        ".env SHOPBOT_MAX_RESULT: unknown setting; did you mean SHOPBOT_MAX_RESULTS?",
        ".env SHOPBOT_NOTHING_LIKE_IT: unknown setting",
        "environment SHOPBOT_DATABSE_URL: unknown setting; did you mean SHOPBOT_DATABASE_URL?",
        "environment SHOPBOT__ENV_PREFIX: unknown setting",
    ]


TOO_MANY = "Input should be less than or equal to 10"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("environment", "environment SHOPBOT_MAX_RESULTS: " + TOO_MANY),
        (".env", ".env SHOPBOT_MAX_RESULTS: " + TOO_MANY),
        ("file", "shopbot.toml: key 'max_results': " + TOO_MANY),
    ],
)
def test_a_bad_value_is_blamed_on_its_source(tmp_path: Path, source: str, expected: str) -> None:
    environ = {"SHOPBOT_MAX_RESULTS": "99"} if source == "environment" else {}
    if source == ".env":
        write_dotenv(tmp_path, "SHOPBOT_MAX_RESULTS=99\n")
    if source == "file":
        write(tmp_path, "max_results = 99\n")  # ./shopbot.toml, found without SHOPBOT_CONFIG
    assert error_lines(environ) == [expected]


def test_each_error_line_names_its_own_source(tmp_path: Path) -> None:
    path = write(tmp_path, 'log_level = "LOUD"\nmax_results = 5\nmax_result = 2\n')
    write_dotenv(tmp_path, "SHOPBOT_OWNER_IDS=telegram:1,olivia\nSHOPBOT_MAX_RESULTS=0\n")
    environ = {"SHOPBOT_CONFIG": str(path), "SHOPBOT_DISCORD_GUILD_IDS": "12,x"}
    assert sorted(error_lines(environ)) == [
        ".env SHOPBOT_MAX_RESULTS: Input should be greater than or equal to 1",
        ".env SHOPBOT_OWNER_IDS: 'olivia' is not of the form platform:user_id",
        f"{path}: key 'log_level': must be one of DEBUG, INFO, WARNING, ERROR",
        f"{path}: key 'max_result': unknown key; did you mean max_results?",
        "environment SHOPBOT_DISCORD_GUILD_IDS: 'x' is not a Discord guild id",
    ]


def test_a_check_across_settings_names_each_and_its_source(tmp_path: Path) -> None:
    path = write(tmp_path, 'telegram_mode = "webhook"\n')
    write_dotenv(tmp_path, "SHOPBOT_TELEGRAM_TOKEN=123:abc\n")
    assert error_lines({"SHOPBOT_CONFIG": str(path)}) == [
        f"telegram_mode ({path}), telegram_token (.env SHOPBOT_TELEGRAM_TOKEN), "
        "telegram_webhook_url (not set): telegram_mode 'webhook' needs telegram_webhook_url"
    ]
    environ = {
        "SHOPBOT_CONFIG": str(path),
        "SHOPBOT_TELEGRAM_MODE": "webhook",
        "SHOPBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram",
    }
    [line] = error_lines(environ)
    assert line.startswith(
        "telegram_mode (environment SHOPBOT_TELEGRAM_MODE), "
        "telegram_token (.env SHOPBOT_TELEGRAM_TOKEN), "
        "telegram_webhook_secret (not set): telegram_mode 'webhook' needs "
    )
    environ["SHOPBOT_TELEGRAM_WEBHOOK_SECRET"] = "a-long-random-string"
    [line] = error_lines(environ)
    assert line.endswith(
        "http_port (not set): telegram_mode 'webhook' needs http_port: Telegram posts to "
        "/telegram on the HTTP server"
    )
    assert load_settings({**environ, "SHOPBOT_HTTP_PORT": "8080"}).http_port == 8080


def test_http_server_and_log_format_settings(tmp_path: Path) -> None:
    settings = load_settings({})
    assert (settings.http_port, settings.http_listen, settings.log_format) == (
        None,
        "0.0.0.0",
        "text",
    )
    write(tmp_path, 'http_port = 8080\nhttp_listen = "127.0.0.1"\nlog_format = "json"\n')
    settings = load_settings({"SHOPBOT_HTTP_PORT": "9090"})
    assert (settings.http_port, settings.http_listen, settings.log_format) == (
        9090,
        "127.0.0.1",
        "json",
    )
    assert error_lines({"SHOPBOT_HTTP_PORT": "0", "SHOPBOT_LOG_FORMAT": "yaml"}) == [
        "environment SHOPBOT_LOG_FORMAT: Input should be 'text' or 'json'",
        "environment SHOPBOT_HTTP_PORT: Input should be greater than or equal to 1",
    ]
    assert error_lines({"SHOPBOT_HTTP_PORT": "65536"}) == [
        "environment SHOPBOT_HTTP_PORT: Input should be less than or equal to 65535"
    ]


def test_default_locale_must_be_a_language_shopbot_speaks(tmp_path: Path) -> None:
    spoken = ["pl", "en"]
    write(tmp_path, 'default_locale = "fr"\n')
    assert load_settings({}).default_locale == "fr"  # a real locale, unchecked without languages
    assert error_lines({}, spoken) == [
        "shopbot.toml: key 'default_locale': ShopBot does not speak 'fr'; it speaks: en, pl"
    ]
    assert error_lines({"SHOPBOT_DEFAULT_LOCALE": "xx"}, spoken) == [
        "environment SHOPBOT_DEFAULT_LOCALE: ShopBot does not speak 'xx'; it speaks: en, pl"
    ]
    # A region of a spoken language is spoken, as handlers.core.i18n.negotiate matches.
    assert load_settings({"SHOPBOT_DEFAULT_LOCALE": "pl-PL"}, languages=spoken)


def test_default_locale_against_the_real_translations(tmp_path: Path) -> None:
    from handlers.core.i18n import available_languages

    languages = available_languages()
    assert "en" in languages and len(languages) > 1
    other = next(language for language in languages if language != "en")
    settings = load_settings({"SHOPBOT_DEFAULT_LOCALE": other}, languages=languages)
    assert settings.default_locale == other
    with pytest.raises(SettingsError, match="ShopBot does not speak 'xx'"):
        load_settings({"SHOPBOT_DEFAULT_LOCALE": "xx"}, languages=languages)


def test_environ_given_is_the_whole_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBOT_MAX_RESULTS", "9")
    assert load_settings().max_results == 9  # the process environment by default
    assert load_settings({}).max_results == 3  # not mixed into one given
