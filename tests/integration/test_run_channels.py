"""`donorbot run` serves every channel whose token is set, the console when none is (or with --console),
and starts the HTTP server only when something needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import build_app
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.cli.serve import build_channels
from core.config import StartupError
from tests.helpers import FixedClock, make_settings


def _channels(tmp_path: Path, *, console: bool = False, **changes: Any) -> tuple[list[str], bool]:
    settings = make_settings(tmp_path)
    settings = settings.model_copy(
        update={
            k: v for k, v in changes.items() if k in ("telegram_token", "zalo_token", "zalo_webhook_secret")
        }
    )
    for section in ("zalo", "web"):
        if section in changes:
            settings = settings.model_copy(
                update={section: getattr(settings, section).model_copy(update=changes[section])}
            )
    app = build_app(settings, clock=FixedClock())
    channels, web = build_channels(app, console=console, user="tester")
    kinds = {ConsoleChannel: "console", TelegramChannel: "telegram", ZaloChannel: "zalo"}
    return [kinds[type(c)] for c in channels], web is not None


@pytest.mark.parametrize(
    ("tokens", "console", "expected"),
    [
        ({}, False, ["console"]),
        ({"telegram_token": "1:a"}, False, ["telegram"]),
        ({"zalo_token": "2:b"}, False, ["zalo"]),
        ({"telegram_token": "1:a", "zalo_token": "2:b"}, False, ["telegram", "zalo"]),
        ({"telegram_token": "1:a", "zalo_token": "2:b"}, True, ["console"]),
    ],
)
def test_the_channels_that_run(
    tmp_path: Path, tokens: dict[str, str], console: bool, expected: list[str]
) -> None:
    channels, web = _channels(tmp_path, console=console, **tokens)
    assert channels == expected
    assert not web, "polling needs no HTTP server"


def test_a_zalo_webhook_starts_the_server_and_needs_its_secret(tmp_path: Path) -> None:
    webhook = {"mode": "webhook"}
    public = {"public_url": "https://hienmau.example.vn"}
    with pytest.raises(StartupError, match="ZALO_WEBHOOK_SECRET"):
        _channels(tmp_path, zalo_token="2:b", zalo=webhook, web=public)
    with pytest.raises(StartupError, match="public_url"):
        _channels(tmp_path, zalo_token="2:b", zalo_webhook_secret="s3cret-s3cret", zalo=webhook)
    channels, web = _channels(
        tmp_path, zalo_token="2:b", zalo_webhook_secret="s3cret-s3cret", zalo=webhook, web=public
    )
    assert channels == ["zalo"] and web


def test_web_enabled_starts_the_server_for_health_and_metrics(tmp_path: Path) -> None:
    channels, web = _channels(tmp_path, telegram_token="1:a", web={"enabled": True})
    assert channels == ["telegram"] and web
    channels, web = _channels(tmp_path, web={"enabled": True})
    assert channels == ["console"] and web, "the console can be watched too"
