"""A value that is not on record is left out, never shown as "🏠 —" or "(—)"; the hotline is a name with a
phone number, and `donorbot config check` refuses one without."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from bot.cli import main
from core.config import ConfigError, Hotline, load_settings
from core.i18n import Catalogs
from models import drive_day_changes, drive_days
from services import notices
from tests.e2e.test_reminders import SIGN_UP, THREE_DAYS, plan_at
from tests.helpers import FixedClock, running_bot, texts

NO_ADDRESS = """
[campaign]
key = "no-address"
name = "Ngày hội thử"
year = 2020

[[sessions]]
key = "tam-luu"
date = 2020-08-03
start = "07:00"
end = "11:30"
place = "Nhà văn hóa Tam Lưu"
capacity = 50
"""
PLACEHOLDERS = ("—", "🏠", "None", "()")


def no_placeholder(text: str) -> None:
    for mark in PLACEHOLDERS:
        assert mark not in text, f"{mark!r} in {text!r}"


async def test_a_session_without_an_address_shows_no_address_line(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(NO_ADDRESS, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        user = bot.user(4301)
        await bot.add_donor(user, phone="+84912004301")
        await bot.send(user, "/lichhien")
        details = await bot.press(user, "03/08/2020")
        assert "Nhà văn hóa Tam Lưu" in details[0].text
        no_placeholder(details[0].text)
        done = await bot.press(user, "08:00")
        assert "Đã giữ chỗ" in done[0].text and "📍 Nhà văn hóa Tam Lưu" in done[0].text
        no_placeholder(done[0].text)

        before = len(bot.emu.messages(user.chat_id))
        await plan_at(bot, THREE_DAYS)
        await bot.emu.wait_for_messages(user.chat_id, before + 1)
        reminder = bot.emu.messages(user.chat_id)[-1].text or ""
        assert "Nhắc lịch hiến máu" in reminder and "📍 Nhà văn hóa Tam Lưu" in reminder
        no_placeholder(reminder)

        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            [view] = await drive_days.upcoming_drive_days(
                session, now=bot.clock.now(), tz=bot.settings.tz, ward=None, limit=5
            )
            moved = await drive_day_changes.move_drive_day(
                session,
                drive_day_id=view.id,
                day=None,
                start_time=time(8, 0),
                end_time=None,
                actor="test",
                now=bot.clock.now(),
            )
            await notices.drive_day_changed(
                session,
                catalogs=Catalogs(),
                drive_day_id=view.id,
                donor_ids=moved,
                tz=bot.settings.tz,
                now=bot.clock.now(),
            )
        await bot.emu.wait_for_messages(user.chat_id, before + 2)
        notice = bot.emu.messages(user.chat_id)[-1].text or ""
        assert "đã thay đổi" in notice and "tại Nhà văn hóa Tam Lưu." in notice
        no_placeholder(notice)


async def test_the_hotline_is_a_name_with_a_phone_number(tmp_path: Path) -> None:
    hotline = Hotline(name="Hội Chữ thập đỏ thị xã Kinh Môn", phone="0220 3821 234")
    async with running_bot(tmp_path, bot={"hotline": hotline}) as bot:
        shown = texts(await bot.send(bot.user(4302), "/help"))
    assert "Hội Chữ thập đỏ thị xã Kinh Môn, ☎ 0220 3821 234" in shown


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str) -> tuple[int, str, str]:
    path = tmp_path / "config.toml"
    db = tmp_path / "check.sqlite3"
    path.write_text(f'{config}\n[database]\nurl = "sqlite+aiosqlite:///{db}"\n', encoding="utf-8")
    code = main(["--config", str(path), "--log-level", "WARNING", "config", "check"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_config_check_refuses_a_hotline_without_a_phone_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    code, out, err = check(tmp_path, capsys, '[bot]\nhotline = "Hội Chữ thập đỏ"')  # the older form
    assert code == 2 and "Configuration is valid" not in out
    assert "bot.hotline: has no phone number" in err and "phone = " in err
    code, out, err = check(tmp_path, capsys, '[bot.hotline]\nname = "Hội Chữ thập đỏ"\nphone = "1900 1234"')
    assert (code, err) == (0, "") and "Configuration is valid" in out


def test_a_hotline_phone_that_is_no_number_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[bot.hotline]\nname = "Hội"\nphone = "gọi Hội"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("bot.hotline.phone: 'gọi Hội' is not a phone number")):
        load_settings(path, environ={})
    path.write_text('[bot]\nhotline = "Hội Chữ thập đỏ"\n', encoding="utf-8")
    hotline = load_settings(path, environ={}).bot.hotline
    assert (hotline.name, hotline.phone, str(hotline)) == ("Hội Chữ thập đỏ", None, "Hội Chữ thập đỏ")


def test_the_shipped_config_and_one_without_a_hotline_fail_the_check_until_a_number_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONORBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'shipped.sqlite3'}")
    code = main(["--log-level", "WARNING", "config", "check"])
    captured = capsys.readouterr()
    assert code == 2 and "bot.hotline: has no phone number" in captured.err  # no made-up number shipped
    monkeypatch.delenv("DONORBOT_DATABASE_URL")
    code, _out, err = check(tmp_path, capsys, "")  # nor in the defaults
    assert code == 2 and "bot.hotline: has no phone number" in err
