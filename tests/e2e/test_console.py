"""The console channel: a registration typed in the terminal lands in the SQLite file; a typed number
picks only among the choices of the latest turn."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.channels.console import ConsoleChannel
from bot.config import PROJECT_ROOT
from models import conversations, donors, drives, organisers
from models.tables import Signup
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
    "4",  # Không thuộc loại nào
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


async def _console(app: App, lines: list[str]) -> str:
    """Types `lines` into a console channel of user "tester"; returns everything it printed."""
    out = io.StringIO()
    typed = iter([line + "\n" for line in lines])
    await ConsoleChannel(app, stdout=out, user="tester").run(read_line=lambda: next(typed, ""))
    return out.getvalue()


async def _console_app(tmp_path: Path, clock: FixedClock | None = None) -> App:
    app = build_app(make_settings(tmp_path), clock=clock or FixedClock())
    await app.prepare()
    return app


async def test_a_number_typed_for_a_question_without_choices_is_text(tmp_path: Path) -> None:
    app = await _console_app(tmp_path)
    async with app.sessions() as session, session.begin():
        await organisers.grant(
            session,
            platform="console",
            user_id="tester",
            role="organiser",
            unit="Hội Chữ thập đỏ",
            actor="test",
            now=app.clock.now(),
        )
    # O+ (7th group button), Done (9th), whole blood (1st component), then 2 units: a number, not
    # the second component button of the question before. /ngonngu in between shows the language
    # buttons and asks for the units again: "2" still answers the question, not "English".
    shown = await _console(app, ["/khancap", "7", "9", "1", "/ngonngu", "2"])
    async with app.sessions() as session:
        row = await conversations.load(session, platform="console", chat_id="tester")
    await app.close()
    assert row is not None and (row.step, row.data.get("units")) == ("place", 2)
    assert shown.rstrip().endswith(
        "Nơi tiếp nhận (bệnh viện hoặc điểm lấy máu)? Ví dụ: Bệnh viện Đa khoa thị xã Kinh Môn.\n>"
    )
    assert "Bạn vui lòng gõ một số từ 1 đến 50" not in shown
    assert "  – English" in shown and row.language != "en"


async def test_choices_of_a_turn_with_several_replies_are_numbered_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await _console_app(tmp_path, FixedClock(datetime(2020, 7, 20, 2, 0, tzinfo=UTC)))
    async with app.sessions() as session, session.begin():
        await drives.import_plan(
            session,
            drives.load_plan(PROJECT_ROOT / "examples" / "kinh-mon-2020.toml"),
            actor="t",
            now=app.clock.now(),
        )
        donor = await donors.register(
            session, _new_donor(), platform="console", user_id="tester", chat_id="tester", now=app.clock.now()
        )
        views = await drives.upcoming_sessions(session, now=app.clock.now(), tz=app.settings.tz, ward=None)
        for view in views[:2]:
            taken = await drives.take_slot(
                session,
                session_id=view.id,
                donor_id=donor.id,
                slot_start=time(7, 0),
                now=app.clock.now(),
                tz=app.settings.tz,
            )
            assert isinstance(taken, Signup)
    cancel_signup = drives.cancel_signup
    failures = iter([RuntimeError("database hiccup")])

    async def flaky(*args: Any, **kwargs: Any) -> bool:
        if (error := next(failures, None)) is not None:
            raise error
        return await cancel_signup(*args, **kwargs)

    monkeypatch.setattr(drives, "cancel_signup", flaky)
    # Two sign-ups, each with Change / Cancel: 1) 2) for the first, 3) 4) for the second. The first
    # "4" fails (the apology offers nothing new), so "4" still means the same button.
    shown = await _console(app, ["/lichcuatoi", "4", "4"])
    async with app.sessions() as session:
        signups = (await session.scalars(select(Signup).order_by(Signup.id))).all()
    await app.close()
    assert "  3) Đổi giờ" in shown and "  4) Hủy đăng ký" in shown
    assert [s.status for s in signups] == ["active", "cancelled"]
    assert "Xin lỗi" in shown and "Đã hủy đăng ký" in shown


def _new_donor() -> donors.NewDonor:
    return donors.NewDonor(
        full_name="Nguyễn Văn An",
        phone="+84912345678",
        date_of_birth=date(1995, 8, 3),
        sex="male",
        blood_abo="O",
        blood_rh="+",
        weight_kg=55.0,
        ward="Tam Lưu",
        organisation=None,
        is_reserve=False,
        language="vi",
        last_donation_on=None,
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
