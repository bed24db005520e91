"""config.toml: documented defaults load; a broken file names the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from core.config import ConfigError, load_settings


def test_shipped_config_loads_with_the_kinh_mon_wards() -> None:
    settings = load_settings(environ={})
    assert settings.area.wards == ("Tam Lưu", "Nhị Chiểu", "Bắc An Phụ", "Nam An Phụ")
    assert settings.bot.timezone == "Asia/Ho_Chi_Minh"
    assert settings.telegram.api_base_url == "https://api.telegram.org"
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert settings.database.url.endswith("/data/donorbot.sqlite3")
    assert settings.telegram_token is None


def test_secrets_and_database_url_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path / "missing.toml",
        environ={
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "DONORBOT_DATABASE_URL": "postgresql+asyncpg://u:secret@db/donorbot",
        },
    )
    assert settings.telegram_token == "1:abc"
    assert settings.database.url == "postgresql+asyncpg://u:secret@db/donorbot"
    assert "1:abc" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[bot]\ntimezone = "Mars/Base"\n', "bot.timezone: unknown time zone 'Mars/Base'"),
        ('[bot]\nlanguage = "vi"\n', "bot.language: unknown key"),
        ("[registration]\nmin_age = 70\n", "registration: min_age must not be above max_age"),
        ('[database]\nurl = "sqlite:///x.db"\n', "database.url: must start with sqlite+aiosqlite://"),
        ('[area]\nwards = ["A", "a"]\n', "area.wards: has the same ward twice"),
        ('[telegram]\napi_base_url = "ftp://x"\n', "telegram.api_base_url: must be an http"),
        ("[bot\n", "not valid TOML"),
    ],
)
def test_a_bad_config_names_the_key_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("+", r"\+")):
        load_settings(path, environ={})


def test_the_command_fails_at_start_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[registration]\nmax_age = 'sixty'\n", encoding="utf-8")
    assert main(["--config", str(path), "config", "check"]) == 2
    assert "registration.max_age" in capsys.readouterr().err


def test_organiser_role_is_granted_listed_and_removed_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:///bot.sqlite3"\n', encoding="utf-8")
    base = ["--config", str(config), "organiser"]
    assert main([*base, "add", "--user-id", "4242", "--unit", "Hội Chữ thập đỏ"]) == 0
    assert main([*base, "list"]) == 0
    assert "telegram:4242\torganiser (Hội Chữ thập đỏ)" in capsys.readouterr().out
    assert main([*base, "remove", "--user-id", "4242"]) == 0
    assert main([*base, "remove", "--user-id", "4242"]) == 2
    import sqlite3

    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    actions = [row[0] for row in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["organiser.grant", "organiser.revoke"]


def test_the_old_dialogue_ttl_in_days_is_still_read_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[bot]\nconversation_ttl_days = 2\n[bot.hotline]\nname = "Hội"\nphone = "1900 1234"\n',
        encoding="utf-8",
    )
    settings = load_settings(path, environ={})
    assert settings.bot.conversation_ttl_hours == 48
    assert any("conversation_ttl_hours = 48" in note for note in settings.deprecations)
    assert main(["--config", str(path), "config", "check"]) == 0
    assert "bot.conversation_ttl_days is deprecated" in capsys.readouterr().err
    path.write_text("[bot]\nconversation_ttl_days = 2\nconversation_ttl_hours = 6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="replaced by conversation_ttl_hours"):
        load_settings(path, environ={})
    path.write_text("[bot]\nconversation_ttl_days = 'a week'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="whole number of days"):
        load_settings(path, environ={})


def test_unfinished_dialogues_are_kept_for_hours_by_default() -> None:
    assert load_settings(environ={}).bot.conversation_ttl_hours == 24
    assert load_settings(environ={}).deprecations == ()
