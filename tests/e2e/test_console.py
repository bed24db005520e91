"""The console channel: a registration typed in the terminal lands in the SQLite file; a typed number
picks only among the choices of the latest turn."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app, serve
from bot.channels.console import ConsoleChannel
from core.config import PROJECT_ROOT
from domain import plan_file
from models import conversations, donors, drive_days, organisers, plan_import, signups
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Signup
from tests.helpers import FixedClock, make_settings

SCRIPT = [
    "/start",
    "1",  # Tiếng Việt (the console gives no language hint)
    "1",  # Đồng ý
    "nguyễn văn an",
    "3/8/1995",
    "nam",
    "+84 912 345 678",
    "nhom O",
    "nam an phu",
    "2 thang truoc",  # "have you donated before?" answered with the date
    "1",  # Xác nhận
    "1",  # Có: joins the reserve
]


async def test_scripted_console_registration(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = build_app(settings, clock=FixedClock())
    await app.prepare()
    out = io.StringIO()
    lines = iter([line + "\n" for line in SCRIPT])
    channel = ConsoleChannel(app, stdout=out, user="tester", read_line=lambda: next(lines, ""))
    await serve(app, [channel], stop=asyncio.Event())
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
    channel = ConsoleChannel(app, stdout=out, user="tester", read_line=lambda: next(typed, ""))
    await serve(app, [channel], stop=asyncio.Event())
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
        await plan_import.import_plan(
            session,
            plan_file.load_plan(PROJECT_ROOT / "examples" / "kinh-mon-2020.toml"),
            actor="t",
            now=app.clock.now(),
        )
        donor = await donors.register(
            session, _new_donor(), platform="console", user_id="tester", chat_id="tester", now=app.clock.now()
        )
        views = await drive_days.upcoming_drive_days(
            session, now=app.clock.now(), tz=app.settings.tz, ward=None
        )
        for view in views[:2]:
            taken = await signups.take_slot(
                session,
                drive_day_id=view.id,
                donor_id=donor.id,
                slot_start=time(7, 0),
                now=app.clock.now(),
                tz=app.settings.tz,
            )
            assert isinstance(taken, Signup)
    cancel_signup = signups.cancel_signup
    failures = iter([RuntimeError("database hiccup")])

    async def flaky(*args: Any, **kwargs: Any) -> bool:
        if (error := next(failures, None)) is not None:
            raise error
        return await cancel_signup(*args, **kwargs)

    monkeypatch.setattr(signups, "cancel_signup", flaky)
    # Two sign-ups, each with Change / Cancel: 1) 2) for the first, 3) 4) for the second. The first
    # "4" fails (the apology offers nothing new), so "4" still means the same button.
    shown = await _console(app, ["/lichcuatoi", "4", "4"])
    async with app.sessions() as session:
        rows = (await session.scalars(select(Signup).order_by(Signup.id))).all()
    await app.close()
    assert "  3) Đổi giờ" in shown and "  4) Hủy đăng ký" in shown
    assert [s.status for s in rows] == ["active", "cancelled"]
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


WAIT_SECONDS = 20  # for something the console prints: far more than it takes


class Terminal:
    """`donorbot run` in a subprocess, typed into line by line; waits for what it prints (no sleeps)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(4096):
            self.output += chunk.decode()
            self._changed.set()

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def wait_for(self, pattern: str, *, after: int = 0) -> re.Match[str]:
        """The first match of `pattern` printed after position `after` (waiting until it is)."""
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while (found := re.compile(pattern).search(self.output, after)) is None:
                    if self._reader.done():
                        break
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            found = None
        if found is None:
            raise AssertionError(f"the console did not print {pattern!r}; it printed:\n{self.output[after:]}")
        return found

    async def pick(self, label: str, *, after: int = 0) -> int:
        """Types the number shown for the choice `label`; returns where its line ends."""
        found = await self.wait_for(rf"  (\d+)\) [^\n]*{re.escape(label)}", after=after)
        await self.type(found.group(1))
        return found.end()

    async def close(self) -> str:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 30)
        await self._reader
        return self.output


async def _seed_console_people(url: str) -> None:
    """The console's user "tester" is an organiser and a reserve donor; "lan" a reserve donor too."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with session_factory(engine)() as session, session.begin():
            for user, phone in (("tester", "+84912345678"), ("lan", "+84912345679")):
                new = replace(_new_donor(), full_name=f"Người {user}", phone=phone, is_reserve=True)
                await donors.register(session, new, platform="console", user_id=user, chat_id=user, now=now)
            await organisers.grant(
                session,
                platform="console",
                user_id="tester",
                role="organiser",
                unit="Hội Chữ thập đỏ",
                actor="test",
                now=now,
            )
    finally:
        await engine.dispose()


async def _terminal(tmp_path: Path, *args: str, user: str = "tester") -> Terminal:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(
            f'[bot]\ndata_dir = "{tmp_path}"\n[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"\n',
            encoding="utf-8",
        )
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update({"LOGNAME": user, "USER": user})  # the console's user is the login name
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        "run",
        *args,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return Terminal(process)


@pytest.mark.timeout(120)
async def test_the_console_delivers_pushes_to_its_user_and_lists_the_others(tmp_path: Path) -> None:
    """Issue 12, item 9: a call-out typed in the console reaches the console's user there (and can be
    answered there), and the push to another donor is shown as sent to them."""
    await _seed_console_people(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")
    console = await _terminal(tmp_path)
    try:
        await console.wait_for("kênh thử trên máy")
        await console.type("/khancap")
        at = await console.pick("O+")
        at = await console.pick("Xong", after=at)
        at = await console.pick("Máu toàn phần", after=at)
        for answer in ("2", "Bệnh viện Đa khoa Kinh Môn", "Phường An Lưu, Kinh Môn", "BS Hùng 0912 000 999"):
            await console.type(answer)
        at = await console.pick("Trong 6 giờ", after=at)
        at = await console.pick("Tất cả các phường", after=at)
        at = await console.pick("Gửi ngay", after=at)
        sent = await console.wait_for(r"Đã gửi lời kêu gọi #1 tới 2 người", after=at)
        # The push to the console's own user arrives in the terminal, with its buttons to answer.
        mine = await console.wait_for(r"🔔 Tin nhắn mới từ bot:\n\n🚨 CẦN MÁU KHẨN CẤP", after=sent.end())
        # The one to the other donor is listed as sent to them, with its text.
        await console.wait_for(r"\(đã gửi tới lan\)\n🚨 CẦN MÁU KHẨN CẤP", after=sent.end())
        await console.pick("Tôi đến được", after=mine.end())
        await console.wait_for("Xin mời bạn đến", after=mine.end())
    finally:
        shown = await console.close()
    assert "BS Hùng 0912 000 999" in shown  # the contact, shown to the donor who accepted
    # The other donor, in a console of their own (`--user`), answers with a clear yes.
    lan = await _terminal(tmp_path, "--user", "lan")
    try:
        await lan.wait_for("kênh thử trên máy")
        await lan.type("có")
        await lan.wait_for("Xin mời bạn đến")
    finally:
        await lan.close()


def test_a_console_user_name_must_be_one_word(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:///bot.sqlite3"\n', encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "run", "--user", "a b"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2 and "--user: 'a b' must be one word" in refused.stderr


async def test_the_numbers_shown_are_kept_with_the_conversation(tmp_path: Path) -> None:
    """The choices a number means are saved with the chat's state: a console started again (or another
    instance) reads "1" as the language shown before, and the words of a choice work as well as its number."""
    app = await _console_app(tmp_path)
    first = await _console(app, ["/start"])
    assert "  1) Tiếng Việt" in first
    again = await _console(app, ["english"])  # a new console on the same database, the words typed
    await app.close()
    assert "I agree" in again or "Agree" in again, again[-600:]
    async with session_factory(create_engine(make_settings(tmp_path).database.url))() as session:
        row = await conversations.load(session, platform="console", chat_id="tester")
    assert row is not None and row.language == "en"
