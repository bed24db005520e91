"""`donorbot roster` as the desk types it: the list as text, the A4 workbook, the CSV, the no-shows, a
ward, the mistakes, and the audit entry.

The data, by hand: drive day A on 01/03/2026 (over) in Tam Lưu, 07:00–11:00; drive day B on 01/01/2099.

  name     phone shown        ward       day  slot   status                  first time?
  =cmd     +44 7700 900123    Tam Lưu    A    07:00  donated, in at 07:10     yes (nothing before)
  Người B  0912 000 002       Tam Lưu    A    07:30  active, never came       no (earlier_donations 2)
  Người C  0912 000 003       Tam Lưu    A    07:30  cancelled (not listed)   —
  Người B                                B    07:00  active                   —

"=cmd" and "+44…" start like formulas: the workbook holds them as text, the CSV with OWASP's "'".
"""

from __future__ import annotations

import asyncio
import csv
import zipfile
from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot.cli import main
from models.db import create_engine, session_factory
from models.tables import AuditEntry, Campaign, Donor, DriveDay, Signup

NOW = datetime(2026, 2, 1, tzinfo=UTC)


class Cli:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.db = tmp_path / "roster.sqlite3"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{self.db}"\n', encoding="utf-8")
        self.capsys = capsys
        self.days: dict[str, int] = {}

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--config", str(self.config), "--log-level", "WARNING", *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


async def _seed(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            campaign = Campaign(key="c", name="Chiến dịch thử", year=2026)
            session.add(campaign)
            await session.flush()
            days = {}
            for key, day in (("a", date(2026, 3, 1)), ("b", date(2099, 1, 1))):
                row = DriveDay(
                    campaign_id=campaign.id,
                    key=key,
                    day=day,
                    start_time=time(7),
                    end_time=time(11),
                    place_name="Nhà văn hoá Tam Lưu",
                    ward="Tam Lưu",
                    capacity=50,
                )
                session.add(row)
                await session.flush()
                days[key] = row.id
            people = {}
            for name, phone, earlier in (
                ("=cmd", "+447700900123", None),
                ("Người B", "+84912000002", 2),
                ("Người C", "+84912000003", None),
            ):
                donor = Donor(
                    full_name=name,
                    phone=phone,
                    date_of_birth=date(1990, 1, 1),
                    sex="male",
                    ward="Tam Lưu",
                    earlier_donations=earlier,
                    consent_at=NOW,
                )
                session.add(donor)
                await session.flush()
                people[name] = donor.id
            in_at = datetime(2026, 3, 1, 0, 10, tzinfo=UTC)  # 07:10 in Kinh Môn
            session.add_all(
                [
                    Signup(
                        drive_day_id=days["a"],
                        donor_id=people["=cmd"],
                        slot_start=time(7),
                        status="donated",
                        checked_in_at=in_at,
                    ),
                    Signup(drive_day_id=days["a"], donor_id=people["Người B"], slot_start=time(7, 30)),
                    Signup(
                        drive_day_id=days["a"],
                        donor_id=people["Người C"],
                        slot_start=time(7, 30),
                        status="cancelled",
                    ),
                    Signup(drive_day_id=days["b"], donor_id=people["Người B"], slot_start=time(7)),
                ]
            )
        return days
    finally:
        await engine.dispose()


async def _audit(url: str) -> list[tuple[str, str | None, object]]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(AuditEntry.action, AuditEntry.target, AuditEntry.details, AuditEntry.actor).order_by(
                    AuditEntry.id
                )
            )
            return [(a, t, d) for a, t, d, actor in rows.tuples() if actor.startswith("cli:")]
    finally:
        await engine.dispose()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    runner = Cli(tmp_path, capsys)
    assert runner("db", "upgrade")[0] == 0
    runner.days = asyncio.run(_seed(f"sqlite+aiosqlite:///{runner.db}"))
    return runner


def test_the_roster_as_text_and_the_no_shows(cli: Cli) -> None:
    a = cli.days["a"]
    code, out, err = cli("roster", str(a))
    assert (code, err) == (0, "")
    assert out == (
        f"Danh sách đăng ký buổi hiến máu số {a} — 01/03/2026, Nhà văn hoá Tam Lưu (Toàn địa bàn)\n"
        "07:00 · =cmd · +44 7700 900123 · lần đầu · Đã hiến (07:10)\n"
        "07:30 · Người B · 0912 000 002 · Chưa đến\n"
    )
    code, out, err = cli("roster", str(a), "--no-shows")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == ["07:30 · Người B · 0912 000 002"]
    code, out, _ = cli("roster", str(a), "--ward", "tam luu", "--lang", "en")
    heading = f"Bookings for drive day {a} — 1 Mar 2026, Nhà văn hoá Tam Lưu (Ward/commune Tam Lưu)"
    assert out.startswith(heading)
    assert "07:30 · Người B · 0912 000 002 · Not arrived" in out


def test_the_workbook_and_the_csv_keep_formula_like_texts_as_typed(cli: Cli) -> None:
    a = cli.days["a"]
    book_path, csv_path = cli.tmp / "danh-sach.xlsx", cli.tmp / "danh-sach.csv"
    code, out, err = cli("roster", str(a), "--format", "xlsx", "--output", str(book_path))
    assert (code, err, out) == (0, "", f"Wrote {book_path} (2 rows).\n")
    sheet = openpyxl.load_workbook(book_path)["Danh sách"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[2] == [
        "STT",
        "Họ và tên",
        "Số điện thoại",
        "Giờ hẹn",
        "Dự bị",
        "Lần đầu",
        "Tình trạng",
        "Ký tên",
    ]
    assert rows[3] == [1, "=cmd", "+44 7700 900123", "07:00", None, "Có", "Đã hiến (07:10)", None]
    assert rows[4] == [2, "Người B", "0912 000 002", "07:30", None, None, "Chưa đến", None]
    assert sheet["B4"].data_type == "s" and sheet["C4"].data_type == "s"  # text, not a formula
    with zipfile.ZipFile(book_path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) for n in sheets), "no formula anywhere"
    assert sheet.page_setup.paperSize == 9  # A4

    code, _, err = cli("roster", str(a), "--format", "csv", "--output", str(csv_path))
    assert (code, err) == (0, "")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Vietnamese
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table == [
        ["STT", "Họ và tên", "Số điện thoại", "Giờ hẹn", "Dự bị", "Lần đầu", "Tình trạng", "Ký tên"],
        ["1", "'=cmd", "'+44 7700 900123", "07:00", "", "Có", "Đã hiến (07:10)", ""],
        ["2", "Người B", "0912 000 002", "07:30", "", "", "Chưa đến", ""],
    ]

    audit = _audit_entries(cli)
    assert audit == [
        ("roster.export", f"drive_day:{a}", {"scope": "area", "format": "xlsx", "rows": 2}),
        ("roster.export", f"drive_day:{a}", {"scope": "area", "format": "csv", "rows": 2}),
    ]
    assert "cmd" not in repr(audit) and "7700" not in repr(audit)


def _audit_entries(cli: Cli) -> list[tuple[str, str | None, object]]:
    return asyncio.run(_audit(f"sqlite+aiosqlite:///{cli.db}"))


def test_the_mistakes_are_named_and_leave_no_audit_entry(cli: Cli) -> None:
    a, b = cli.days["a"], cli.days["b"]
    assert cli("roster", "999") == (2, "", "donorbot roster: no drive day 999 (see `donorbot drive list`)\n")
    assert cli("roster", "abc")[0] == 2
    code, _, err = cli("roster", str(b), "--no-shows")
    assert (code, err) == (2, f"donorbot roster: --no-shows: drive day {b} is not over yet\n")
    code, _, err = cli("roster", str(a), "--ward", "nhi chieu")
    assert code == 2
    assert (
        err
        == f"donorbot roster: --ward: drive day {a} is held elsewhere and no donor of Nhị Chiểu booked it\n"
    )
    assert cli("roster", str(a), "--ward", "Hà Nội")[0] == 2
    assert _audit_entries(cli) == []
