from pathlib import Path

import pytest

from config import SettingsError, load_settings, shipped_file


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
    assert "unknown key" in str(caught.value)


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
