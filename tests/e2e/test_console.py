"""The console channel: a registration typed in the terminal lands in the SQLite file."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.bootstrap import build_app
from bot.channels.console import ConsoleChannel
from tests.helpers import FixedClock, make_settings

SCRIPT = [
    "/start",
    "1",  # Tiếng Việt
    "1",  # Đồng ý
    "nguyễn văn an",
    "3/8/1995",
    "nam",
    "+84 912 345 678",
    "nhom O",
    "55",
    "nam an phu",
    "1",  # Bỏ qua
    "2 thang truoc",
    "co",
    "1",  # Xác nhận
]


async def test_scripted_console_registration(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = build_app(settings, clock=FixedClock())
    await app.prepare()
    out = io.StringIO()
    lines = iter([line + "\n" for line in SCRIPT])
    channel = ConsoleChannel(app, stdout=out, user="tester")
    await channel.run(read_line=lambda: next(lines, ""))
    await app.close()
    shown = out.getvalue()
    assert "1) Tiếng Việt" in shown and "Nguyễn Văn An" in shown
    assert "đã đăng ký hiến máu tình nguyện thành công" in shown
    db = sqlite3.connect(tmp_path / "donorbot.sqlite3")
    row = db.execute("SELECT full_name, phone, blood_abo, blood_rh, ward, is_reserve FROM donors").fetchone()
    assert row == ("Nguyễn Văn An", "+84912345678", "O", None, "Nam An Phụ", 1)
    assert db.execute("SELECT donated_on FROM donations").fetchone() == ("2026-09-23",)
    assert db.execute("SELECT platform, user_id FROM channel_accounts").fetchone() == (
        "console",
        "tester",
    )


def test_donorbot_command_without_token_runs_the_console(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:///bot.sqlite3"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
        input="/help\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "kênh thử trên máy" in result.stdout and "/dangky" in result.stdout
    assert (tmp_path / "bot.sqlite3").exists()
    assert "http" not in result.stderr.lower() or "api.telegram.org" not in result.stderr
