"""The `donorbot` command as an organiser types it: ward names without diacritics, English throughout,
user ids checked per platform, the Telegram menu set at `organiser add`, a way out of an unknown campaign,
a warning for a plan in the past, counts that say what was queued, and announcement numbers 1, 2, 3."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.cli.harness import cli_actor
from emulators.telegram.threaded import ThreadedTelegramEmulator
from models import donors, signups
from models.db import create_engine, session_factory
from models.tables import DriveDay
from tests.integration.test_drive_cli import PLAN
from tests.integration.test_models_contract import new_donor


class Donorbot:
    """`donorbot --config <tmp> …` in-process on a temp SQLite file: (exit code, stdout, stderr)."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str = "") -> None:
        self.db = tmp_path / "cli.sqlite3"
        self.url = f"sqlite+aiosqlite:///{self.db}"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "{self.url}"\n{extra}', encoding="utf-8")
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--config", str(self.config), "--log-level", "WARNING", *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def signed_up(self, phone: str, session_key: str) -> None:
        """A reserve donor in Tam Lưu, signed up for the session with this key (written directly)."""

        async def write() -> None:
            engine = create_engine(self.url)
            try:
                async with session_factory(engine)() as session, session.begin():
                    donor = await donors.register(
                        session,
                        new_donor(phone, is_reserve=True, blood_abo="O", blood_rh="+"),
                        platform="telegram",
                        user_id=phone[-6:],
                        chat_id=phone[-6:],
                        now=datetime.now(UTC),
                    )
                    drive_day_id = await session.scalar(
                        select(DriveDay.id).where(DriveDay.key == session_key)
                    )
                    assert drive_day_id is not None
                    await signups.take_slot(
                        session,
                        drive_day_id=drive_day_id,
                        donor_id=donor.id,
                        slot_start=time(7, 0),
                        now=datetime(2020, 7, 1, 2, 0, tzinfo=UTC),
                        tz=ZoneInfo("Asia/Ho_Chi_Minh"),
                    )
            finally:
                await engine.dispose()

        asyncio.run(write())

    def reserve(self, phone: str) -> None:
        """A reserve O+ donor in Tam Lưu who can be called (written directly)."""

        async def write() -> None:
            engine = create_engine(self.url)
            try:
                async with session_factory(engine)() as session, session.begin():
                    await donors.register(
                        session,
                        new_donor(phone, is_reserve=True, blood_abo="O", blood_rh="+"),
                        platform="telegram",
                        user_id=phone[-6:],
                        chat_id=phone[-6:],
                        now=datetime.now(UTC),
                    )
            finally:
                await engine.dispose()

        asyncio.run(write())


@pytest.fixture
def donorbot(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Donorbot:
    for name in ("DONORBOT_DATABASE_URL", "DONORBOT_CONFIG", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return Donorbot(tmp_path, capsys)


def test_wards_may_be_typed_without_diacritics(donorbot: Donorbot) -> None:
    assert donorbot("drive", "import", str(PLAN))[0] == 0
    donorbot.signed_up("+84912000001", "r1-tam-luu")
    code, out, err = donorbot("announce", "--text", "Chào", "--ward", "tam luu", "--dry-run")
    assert (code, err) == (0, "")
    assert "Would announce to all registered donors in Tam Lưu: 1 donor (1 chat)" in out
    code, out, err = donorbot(
        "callout", "create", "--groups", "O+", "--units", "1", "--place", "BV Đa khoa Kinh Môn",
        "--address", "Phường An Lưu", "--contact", "BS Hùng 0912 000 999", "--deadline", "23:59",
        "--ward", "TAM LUU", "--dry-run",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "O+\tTam Lưu\t1" in out


def test_every_command_writes_english(donorbot: Donorbot) -> None:
    assert donorbot("db", "upgrade")[0] == 0
    donorbot.reserve("+84912300001")  # the CLI refuses a call-out nobody would get
    code, out, err = donorbot(
        "callout", "create", "--groups", "O+", "--units", "2", "--place", "BV Đa khoa Kinh Môn",
        "--address", "Phường An Lưu", "--contact", "BS Hùng 0912 000 999", "--deadline", "23:59",
    )  # fmt: skip
    assert code == 0 and "Call-out #1: wave 1 queued for 1 donor" in out, (out, err)
    code, out, err = donorbot("callout", "status", "1")
    assert (code, err) == (0, "")
    assert out.startswith("Call-out #1 · calling") and "Lời kêu gọi" not in out


@pytest.mark.parametrize(
    ("platform", "user_id", "ok"),
    [
        ("telegram", "123456789", True),
        ("telegram", "@lan_nguyen", False),
        ("telegram", "lan", False),
        ("telegram", "0", False),
        ("telegram", str(2**53), False),
        ("zalo", "6a1f-9c2b_77", True),
        ("zalo", "a b", False),
        ("console", "lan.nguyen", True),
        ("console", "lan nguyen", False),
    ],
)
def test_organiser_ids_are_checked_for_their_platform(
    donorbot: Donorbot, platform: str, user_id: str, ok: bool
) -> None:
    code, out, err = donorbot("organiser", "add", "--platform", platform, "--user-id", user_id)
    if ok:
        assert (code, err) == (0, "") and f"{platform}:{user_id} is now organiser." in out
    else:
        assert code == 2 and err.startswith(f"donorbot organiser: --user-id: {user_id!r} is not a")
        assert donorbot("organiser", "list")[1] == ""


def test_organiser_add_and_remove_set_the_telegram_menu_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with ThreadedTelegramEmulator() as emulator:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", emulator.emulator.token)
        cli = Donorbot(tmp_path, capsys, f'[telegram]\napi_base_url = "{emulator.url}"\n')
        scope = {"type": "chat", "chat_id": 5551}

        def menu() -> list[str]:
            return [c["command"] for c in emulator.call(emulator.emulator.commands, scope=scope)]

        code, out, err = cli("organiser", "add", "--user-id", "5551")
        assert (code, err) == (0, "") and "Their Telegram menu now shows the organiser commands." in out
        assert {"taodot", "khancap", "thongbao", "tiendo", "lichhien"} <= set(menu())
        code, out, err = cli("organiser", "remove", "--user-id", "5551")
        assert (code, err) == (0, "") and "Their Telegram menu no longer shows" in out
        assert menu() == []


def test_without_the_token_organiser_add_says_when_the_menu_changes(donorbot: Donorbot) -> None:
    code, out, _ = donorbot("organiser", "add", "--user-id", "5552")
    assert code == 0 and "The running bot shows them the organiser commands" in out


def test_drive_add_to_an_unknown_campaign_says_how_to_create_one(donorbot: Donorbot) -> None:
    code, _, err = donorbot(
        "drive", "add", "--campaign", "kinh-mon-2027", "--date", "2027-08-03", "--start", "07:00",
        "--end", "11:00", "--place", "Nhà văn hóa",
    )  # fmt: skip
    assert code == 2
    assert "--campaign: no campaign with key 'kinh-mon-2027'" in err
    assert "donorbot drive import FILE" in err and "examples/kinh-mon-2020.toml" in err


def test_counts_say_what_was_queued(donorbot: Donorbot, tmp_path: Path) -> None:
    assert donorbot("drive", "import", str(PLAN))[0] == 0
    donorbot.signed_up("+84912000002", "r1-tam-luu")
    moved = tmp_path / "moved.toml"
    moved.write_text(PLAN.read_text(encoding="utf-8").replace("2020-08-03", "2020-08-08", 1), "utf-8")
    code, out, _ = donorbot("drive", "import", str(moved))
    assert code == 0
    assert "Dates, hours or places changed: 1 notice queued for 1 signed-up donor" in out
    assert "should be told" not in out
    drive_day_id = next(
        line.split()[0] for line in donorbot("drive", "list")[1].splitlines() if "08/08/2020" in line
    )
    code, out, _ = donorbot("drive", "cancel", drive_day_id.removeprefix("#"))
    assert code == 0 and "1 notice queued for 1 signed-up donor; the running bot sends them." in out


def test_announcements_are_numbered_one_two_three(donorbot: Donorbot) -> None:
    assert donorbot("drive", "import", str(PLAN))[0] == 0  # writes the audit log
    donorbot.signed_up("+84912000003", "r1-tam-luu")
    numbers = []
    for text in ("Một", "Hai", "Ba"):
        code, out, _ = donorbot("announce", "--text", text)
        assert code == 0
        numbers.append(out.split("#", 1)[1].split()[0])
        assert donorbot("organiser", "add", "--user-id", str(900 + len(numbers)))[0] == 0  # more audit
    assert numbers == ["1", "2", "3"]
    code, out, _ = donorbot("announce", "progress", "2")
    assert code == 0 and out.startswith("Announcement #2 (announcement:2)")


def test_every_command_writes_the_audit_log_as_one_actor(donorbot: Donorbot) -> None:
    assert donorbot("drive", "import", str(PLAN))[0] == 0
    donorbot.signed_up("+84912000004", "r1-tam-luu")
    assert donorbot("announce", "--text", "Chào")[0] == 0
    assert donorbot("organiser", "add", "--user-id", "5553")[0] == 0
    with sqlite3.connect(donorbot.db) as db:
        rows = db.execute("SELECT DISTINCT action, actor FROM audit_log ORDER BY action").fetchall()
    assert rows == [
        (action, cli_actor()) for action in ("announcement.create", "drive.import", "organiser.grant")
    ]
