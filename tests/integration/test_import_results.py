"""`donorbot import results` with the blood centre's sheet for one drive day: donations and deferrals go
through the desk's own write path (the thank-you queued once, the last donation refreshed), the lab's
group sets the blood group and the day it was confirmed, bad rows are each reported and nothing is
written until they are fixed or skipped, and the same sheet again changes nothing.

The data: drive day "a" on 01/03/2026 in Tam Lưu.

  donor   phone          chat?  booked   code     self-reported group
  An      0912 000 001   yes    yes      AAA111   A+
  Bình    0912 000 002   no     yes      BBB222   —
  Châu    0912 000 003   no     no       —        —
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from models.db import create_engine, session_factory
from models.tables import Campaign, ChannelAccount, Donor, DriveDay, Signup

NOW = datetime(2026, 2, 1, tzinfo=UTC)


class Cli:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.db = tmp_path / "results.sqlite3"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{self.db}"\n', encoding="utf-8")
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--config", str(self.config), "--log-level", "WARNING", *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchall()

    def snapshot(self) -> list[list[tuple[object, ...]]]:
        return [
            self.rows("SELECT * FROM donors ORDER BY id"),
            self.rows("SELECT * FROM donations ORDER BY id"),
            self.rows("SELECT id, status, result_volume_ml FROM signups ORDER BY id"),
            self.rows("SELECT key, kind FROM outbox ORDER BY id"),
        ]


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            campaign = Campaign(key="c", name="Chiến dịch thử", year=2026)
            session.add(campaign)
            await session.flush()
            day = DriveDay(
                campaign_id=campaign.id,
                key="a",
                day=date(2026, 3, 1),
                start_time=time(7),
                end_time=time(11),
                place_name="Nhà văn hoá Tam Lưu",
                ward="Tam Lưu",
                capacity=50,
            )
            session.add(day)
            await session.flush()
            people = {}
            for name, phone, abo, rh in (
                ("Nguyễn Văn An", "+84912000001", "A", "+"),
                ("Trần Thị Bình", "+84912000002", None, None),
                ("Lê Văn Châu", "+84912000003", None, None),
            ):
                donor = Donor(
                    full_name=name,
                    phone=phone,
                    date_of_birth=date(1990, 1, 1),
                    sex="male",
                    ward="Tam Lưu",
                    blood_abo=abo,
                    blood_rh=rh,
                    consent_at=NOW,
                )
                session.add(donor)
                await session.flush()
                people[name.split()[-1]] = donor.id
            session.add(ChannelAccount(platform="telegram", user_id="1", chat_id="1", donor_id=people["An"]))
            session.add_all(
                [
                    Signup(drive_day_id=day.id, donor_id=people["An"], slot_start=time(7), code="AAA111"),
                    Signup(
                        drive_day_id=day.id,
                        donor_id=people["Bình"],
                        slot_start=time(7, 30),
                        code="BBB222",
                        status="checked_in",
                    ),
                ]
            )
    finally:
        await engine.dispose()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    runner = Cli(tmp_path, capsys)
    assert runner("db", "upgrade")[0] == 0
    asyncio.run(_seed(f"sqlite+aiosqlite:///{runner.db}"))
    return runner


SHEET = "SĐT;Mã;Thể tích;Nhóm máu xét nghiệm\n0912 000 001;;350 ml;O Rh+\n;bbb-222;Hoãn;\n"
BAD_ROWS = "0912 000 003;;250;\n0123;;250;\n0912000001;;300;\n"


def test_bad_rows_are_each_reported_and_nothing_is_recorded(cli: Cli) -> None:
    path = cli.tmp / "ket-qua.csv"
    path.write_text(SHEET + BAD_ROWS, encoding="utf-8")
    before = cli.snapshot()
    code, out, err = cli("import", "results", str(path), "--session", "a")
    assert code == 1, err
    assert "Dòng 4: người có số điện thoại này không đăng ký buổi số 1" in out
    assert "Dòng 5: số điện thoại «0123» không đúng" in out
    assert "Dòng 6: kết quả «300» không đọc được (ghi 250, 350, 450 hoặc hoãn)" in out
    assert out.splitlines()[-1].startswith("Không nhập gì cả: 3 trong 5 dòng có lỗi.")
    assert cli.snapshot() == before
    assert cli.rows("SELECT count(*) FROM audit_log") == [(0,)]


def test_results_are_recorded_once_through_the_desk_and_again_change_nothing(cli: Cli) -> None:
    path = cli.tmp / "ket-qua.csv"
    path.write_text(SHEET + BAD_ROWS, encoding="utf-8")
    code, out, err = cli("import", "results", str(path), "--session", "1", "--skip-bad-rows")
    assert code == 0, err
    assert out.splitlines()[-1] == (
        "Buổi hiến máu số 1: ghi nhận 1 lượt hiến, 1 lượt hoãn, 1 nhóm máu do phòng xét nghiệm xác định;"
        " 0 dòng không thay đổi; bỏ qua 3 dòng."
    )
    assert cli.rows("SELECT code, status, result_volume_ml FROM signups ORDER BY id") == [
        ("AAA111", "donated", 350),
        ("BBB222", "deferred", None),
    ]
    assert cli.rows("SELECT donated_on, volume_ml, self_reported, session_id FROM donations") == [
        ("2026-03-01", 350, 0, 1)
    ]
    assert cli.rows(
        "SELECT blood_abo, blood_rh, blood_confirmed_on, last_donation_on FROM donors"
        " WHERE phone = '+84912000001'"
    ) == [("O", "+", "2026-03-01", "2026-03-01")]
    # The thank-you of the desk, once, to the donor with a chat; nobody else gets anything.
    thanks = cli.rows("SELECT key FROM outbox WHERE kind = 'thanks'")
    assert len(thanks) == 1 and str(thanks[0][0]).startswith("thanks:1:")
    actions = [row[0] for row in cli.rows("SELECT action FROM audit_log ORDER BY id")]
    assert actions.count("signup.result") == 2
    assert "donor.lab_group" in actions and actions[-1] == "import.results"
    details = str(cli.rows("SELECT details FROM audit_log WHERE action = 'donor.lab_group'"))
    assert "O" not in details.replace("session", "")  # the group is health data: not in the log

    before = cli.snapshot()
    audit_rows = cli.rows("SELECT count(*) FROM audit_log")
    code, out, _ = cli("import", "results", str(path), "--session", "a", "--skip-bad-rows", "--lang", "en")
    assert code == 0
    assert (
        "Drive day 1: 0 donations and 0 deferrals recorded, 0 blood groups confirmed by the lab;"
        " 2 rows unchanged" in out
    )
    assert cli.snapshot() == before
    assert cli.rows("SELECT count(*) FROM audit_log") == [(int(audit_rows[0][0]) + 1,)]  # import.results only


def test_a_code_of_another_day_and_an_unknown_session(cli: Cli) -> None:
    path = cli.tmp / "ket-qua.csv"
    path.write_text("Code,Result\nZZZ999,donated\n", encoding="utf-8")
    code, out, _ = cli("import", "results", str(path), "--session", "a", "--lang", "en")
    assert code == 1
    assert "Row 2: the code «ZZZ999» is not a booking for drive day 1" in out
    path.write_text("SĐT,Kết quả,Thể tích\n0912000001,hoãn,350\n", encoding="utf-8")
    code, out, _ = cli("import", "results", str(path), "--session", "a")
    assert code == 1 and "Dòng 2: kết quả «hoãn» và thể tích «350» mâu thuẫn nhau" in out
    code, _, err = cli("import", "results", str(path), "--session", "nope")
    assert code == 2 and "no drive day 'nope'" in err


def test_an_xlsx_from_the_blood_centre_with_a_title_row(cli: Cli) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["KẾT QUẢ TIẾP NHẬN MÁU — BUỔI 01/03/2026"])
    sheet.append([])
    sheet.append(["Số điện thoại", "Kết quả", "Thể tích (ml)", "Nhóm máu", "Ngày hiến"])
    sheet.append([912000001, "Đã hiến", 450, "AB Rh−", datetime(2026, 3, 1)])
    sheet.append(["0912 000 002", "Tạm hoãn", None, None, None])
    path = cli.tmp / "ket-qua.xlsx"
    book.save(path)
    code, out, err = cli("import", "results", str(path), "--session", "a")
    assert code == 0, out + err
    assert cli.rows("SELECT status, result_volume_ml FROM signups ORDER BY id") == [
        ("donated", 450),
        ("deferred", None),
    ]
    assert cli.rows("SELECT blood_abo, blood_rh FROM donors WHERE phone = '+84912000001'") == [("AB", "-")]
