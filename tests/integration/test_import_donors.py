"""`donorbot import donors` as an organiser runs it on a past campaign's list: every bad row reported
with its number and why (in Vietnamese, or English with --lang en), nothing imported until the file is
right or --skip-bad-rows is given, the same file twice changes nothing, the headers in three spellings,
.xlsx and .csv (with or without a BOM, "," or ";"), a donor who registered in the chat never overwritten,
and the import audited with counts only."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from models import donors
from models.db import create_engine, session_factory
from tests.integration.test_models_contract import new_donor

GOOD = [
    [
        "Nguyễn Thị Hoa",
        "0912 345 601",
        "03/08/1990",
        "Nữ",
        "O+",
        "P. Tam Lưu",
        "Trường THPT Kinh Môn",
        "3",
        "12/04/2019",
        "x",
    ],
    ["Trần Văn Bình", "0912345602", "1985", "Nam", "A Rh+", "phường Nhị Chiểu", "", "5", "", ""],
    ["Lê Minh Châu", "+84912345603", "2001-05-06", "M", "B", "Bắc An Phụ", "", "", "", ""],
]
HEADERS_VI = [
    "Họ tên",
    "SĐT",
    "Ngày sinh",
    "Giới tính",
    "Nhóm máu",
    "Phường/Xã",
    "Cơ quan",
    "Số lần hiến",
    "Lần hiến gần nhất",
    "Dự bị",
]
HEADERS_ASCII = [
    "Ho ten",
    "SDT",
    "Ngay sinh",
    "Gioi tinh",
    "Nhom mau",
    "Phuong/Xa",
    "Co quan",
    "So lan hien",
    "Lan hien gan nhat",
    "Du bi",
]
HEADERS_EN = [
    "Full name",
    "Phone",
    "Date of birth",
    "Sex",
    "Blood group",
    "Ward",
    "Organisation",
    "Donations",
    "Last donation",
    "Reserve",
]
BAD = [
    ["Phạm Văn Dũng", "0123", "01/01/1990", "Nam", "", "", "", "", "", ""],  # row 5: phone
    ["Vũ Thị Én", "0912345605", "01/01/1990", "Nữ", "", "Hà Nội", "", "", "", ""],  # row 6: ward
    ["Đỗ Văn Giang", "0912345606", "01/01/2030", "Nam", "", "", "", "", "", ""],  # row 7: future
    ["Hồ Văn Hải", "0912345607", "01/01/1950", "Nam", "", "", "", "", "", ""],  # row 8: age
    ["Mai Thị Kim", "0912345608", "01/01/1990", "Nữ", "Z+", "", "", "", "", ""],  # row 9: blood
    ["Ngô Văn Long", "0912 345 601", "01/01/1990", "Nam", "", "", "", "", "", ""],  # row 10: duplicate of 2
    ["Lý Thị Mai", "0912345610", "01/01/1990", "Nữ", "", "", "", "nhiều", "", ""],  # row 11: count
]


class Cli:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.db = tmp_path / "import.sqlite3"
        self.url = f"sqlite+aiosqlite:///{self.db}"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "{self.url}"\n', encoding="utf-8")
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--config", str(self.config), "--log-level", "WARNING", *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def imp(self, path: Path, *more: str) -> tuple[int, str, str]:
        return self("import", "donors", str(path), "--consent-date", "2019-08-07", *more)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchall()

    def snapshot(self) -> list[list[tuple[object, ...]]]:
        return [
            self.rows("SELECT * FROM donors ORDER BY id"),
            self.rows("SELECT * FROM donations ORDER BY id"),
            self.rows("SELECT count(*) FROM channel_accounts"),
            self.rows("SELECT count(*) FROM outbox"),
        ]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    runner = Cli(tmp_path, capsys)
    assert runner("db", "upgrade")[0] == 0
    return runner


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], *, sep: str = ",", bom: bool = True
) -> Path:
    def field(value: str) -> str:
        return f'"{value}"' if sep in value or '"' in value else value

    text = "\r\n".join(sep.join(field(v) for v in line) for line in [header, *rows]) + "\r\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[object], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_file_with_bad_rows_reports_each_and_imports_nothing(cli: Cli) -> None:
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD + BAD)
    code, out, err = cli.imp(path)
    assert code == 1, err
    lines = out.splitlines()
    assert "Dòng 5: số điện thoại «0123» không đúng" in lines
    assert any(line.startswith("Dòng 6: phường, xã «Hà Nội» không thuộc địa bàn (Tam Lưu") for line in lines)
    assert "Dòng 7: ngày sinh «01/01/2030» là một ngày trong tương lai" in lines
    assert any(line.startswith("Dòng 8: ngày sinh «01/01/1950»:") and "(18–60)" in line for line in lines)
    assert "Dòng 9: nhóm máu «Z+» không đọc được (ví dụ: O+, A Rh−, AB)" in lines
    assert "Dòng 10: số điện thoại này đã có ở dòng 2" in lines
    assert "Dòng 11: số lần hiến «nhiều» không phải là một con số" in lines
    assert lines[-1].startswith("Không nhập gì cả: 7 trong 10 dòng có lỗi.")
    assert not any(line.startswith(("Dòng 2", "Dòng 3", "Dòng 4")) for line in lines)
    assert cli.rows("SELECT count(*) FROM donors") == [(0,)]
    assert cli.rows("SELECT count(*) FROM audit_log") == [(0,)]

    code, out, _ = cli.imp(path, "--lang", "en")
    assert code == 1
    assert "Row 5: the phone number «0123» is wrong" in out
    assert "Row 10: this phone number is already on row 2" in out


def test_skip_bad_rows_imports_the_good_ones_and_reports_the_rest(cli: Cli) -> None:
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD + BAD)
    code, out, err = cli.imp(path, "--skip-bad-rows")
    assert code == 0, err
    assert "Dòng 5: số điện thoại «0123» không đúng" in out
    assert (
        out.splitlines()[-1]
        == "Người mới: 3. Đã có trong hệ thống: 0 (bổ sung thông tin cho 0 người). Bỏ qua: 7 dòng."
    )
    stored = cli.rows(
        "SELECT full_name, phone, date_of_birth, sex, blood_abo, blood_rh, ward, organisation,"
        " earlier_donations, last_donation_on, is_reserve, consent_source, consent_form_on, consent_taken_by"
        " FROM donors ORDER BY phone"
    )
    actor = stored[0][13]
    assert isinstance(actor, str) and actor.startswith("cli:")
    assert [row[:13] for row in stored] == [
        (
            "Nguyễn Thị Hoa",
            "+84912345601",
            "1990-08-03",
            "female",
            "O",
            "+",
            "Tam Lưu",
            "Trường THPT Kinh Môn",
            3,
            "2019-04-12",
            1,
            "import_paper",
            "2019-08-07",
        ),
        (
            "Trần Văn Bình",
            "+84912345602",
            "1985-01-01",
            "male",
            "A",
            "+",
            "Nhị Chiểu",
            None,
            5,
            None,
            0,
            "import_paper",
            "2019-08-07",
        ),
        (
            "Lê Minh Châu",
            "+84912345603",
            "2001-05-06",
            "male",
            "B",
            None,
            "Bắc An Phụ",
            None,
            None,
            None,
            0,
            "import_paper",
            "2019-08-07",
        ),
    ]
    assert cli.rows("SELECT donated_on, self_reported FROM donations") == [("2019-04-12", 1)]
    # No chat account, no message: nothing reaches them until they write to the bot.
    assert cli.rows("SELECT count(*) FROM channel_accounts") == [(0,)]
    assert cli.rows("SELECT count(*) FROM outbox") == [(0,)]
    audit = cli.rows("SELECT action, target, details FROM audit_log")
    assert len(audit) == 1 and audit[0][0] == "import.donors"
    details = str(audit[0][2])
    assert '"new": 3' in details and '"skipped": 7' in details
    assert "Hoa" not in details and "0912" not in details and "+849" not in details


def test_importing_the_same_file_again_changes_nothing(cli: Cli) -> None:
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD)
    assert cli.imp(path)[0] == 0
    before = cli.snapshot()
    code, out, _ = cli.imp(path)
    assert code == 0
    assert (
        out.splitlines()[-1]
        == "Người mới: 0. Đã có trong hệ thống: 3 (bổ sung thông tin cho 0 người). Bỏ qua: 0 dòng."
    )
    assert cli.snapshot() == before


@pytest.mark.parametrize("headers", [HEADERS_VI, HEADERS_ASCII, HEADERS_EN], ids=["vi", "ascii", "en"])
def test_the_headers_in_three_spellings(cli: Cli, headers: list[str]) -> None:
    path = write_csv(
        cli.tmp / "list.csv", ["STT", *headers, "Ghi chú"], [["1", *row, "gọi lại"] for row in GOOD]
    )
    code, out, err = cli.imp(path)
    assert code == 0, out + err
    assert "Các cột không dùng đến: «STT», «Ghi chú»." in out
    assert cli.rows("SELECT count(*) FROM donors WHERE ward IS NOT NULL") == [(3,)]


@pytest.mark.parametrize(("sep", "bom"), [(",", True), (";", True), (";", False), (",", False)])
def test_csv_with_or_without_bom_and_either_separator(cli: Cli, sep: str, bom: bool) -> None:
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD, sep=sep, bom=bom)
    code, out, err = cli.imp(path)
    assert code == 0, out + err
    assert cli.rows("SELECT full_name FROM donors ORDER BY phone")[0] == ("Nguyễn Thị Hoa",)


def test_a_title_above_the_header_is_not_a_row(cli: Cli) -> None:
    path = cli.tmp / "list.csv"
    write_csv(path, HEADERS_VI, GOOD, sep=";")
    path.write_text(
        "DANH SÁCH NGƯỜI HIẾN MÁU NĂM 2019;;\n;;\n" + path.read_text(encoding="utf-8-sig"), encoding="utf-8"
    )
    code, out, err = cli.imp(path)
    assert code == 0, out + err
    assert "Người mới: 3." in out
    bad = cli.tmp / "bad.csv"
    bad.write_text(
        path.read_text(encoding="utf-8") + "Phạm Văn Dũng;0123;01/01/1990;Nam;;;;;;\n", encoding="utf-8"
    )
    code, out, _ = cli.imp(bad)
    assert code == 1 and "Dòng 7: số điện thoại «0123» không đúng" in out  # the file's own line number


def test_an_xlsx_with_numbers_and_dates_as_excel_types(cli: Cli) -> None:
    # Excel drops a phone's leading 0 when it is typed as a number, and keeps dates and years as numbers.
    path = write_xlsx(
        cli.tmp / "list.xlsx",
        ["Họ và tên", "Điện thoại", "Năm sinh", "Giới tính", "Lần hiến gần nhất", "Số lần hiến"],
        [
            ["Nguyễn Thị Hoa", 912345601, 1990, "Nữ", datetime(2019, 4, 12), 3],
            ["Trần Văn Bình", "0912345602", 1985, "nam", None, None],
        ],
    )
    code, out, err = cli.imp(path)
    assert code == 0, out + err
    assert cli.rows(
        "SELECT phone, date_of_birth, earlier_donations, last_donation_on FROM donors ORDER BY phone"
    ) == [
        ("+84912345601", "1990-01-01", 3, "2019-04-12"),
        ("+84912345602", "1985-01-01", None, None),
    ]


def test_a_missing_required_column_refuses_the_whole_file(cli: Cli) -> None:
    path = write_csv(cli.tmp / "list.csv", ["Họ tên", "Nhóm máu"], [["Nguyễn Thị Hoa", "O+"]])
    code, out, _ = cli.imp(path)
    assert code == 1
    assert "Tệp thiếu cột bắt buộc: SĐT, Ngày sinh / Năm sinh, Giới tính. Không nhập gì cả." in out
    assert cli.rows("SELECT count(*) FROM donors") == [(0,)]


def test_wrong_options_and_files(cli: Cli) -> None:
    code, _, err = cli("import", "donors", str(cli.tmp / "none.csv"), "--consent-date", "2019-08-07")
    assert code == 2 and "no such file" in err
    (cli.tmp / "list.txt").write_text("x", encoding="utf-8")
    code, _, err = cli("import", "donors", str(cli.tmp / "list.txt"), "--consent-date", "2019-08-07")
    assert code == 2 and "not a .xlsx or .csv file" in err
    (cli.tmp / "broken.xlsx").write_bytes(b"not a zip")
    code, _, err = cli("import", "donors", str(cli.tmp / "broken.xlsx"), "--consent-date", "2019-08-07")
    assert code == 2 and "not a readable .xlsx file" in err
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD)
    code, _, err = cli("import", "donors", str(path), "--consent-date", "2099-01-01")
    assert code == 2 and "--consent-date" in err
    with pytest.raises(SystemExit) as exited:  # argparse: the paper forms' date is required
        cli("import", "donors", str(path))
    assert exited.value.code == 2
    assert "--consent-date" in cli.capsys.readouterr().err
    assert cli.rows("SELECT count(*) FROM donors") == [(0,)]


def test_dry_run_counts_and_writes_nothing(cli: Cli) -> None:
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD)
    code, out, _ = cli.imp(path, "--dry-run")
    assert code == 0
    assert "Người mới: 3." in out and "Chạy thử (--dry-run): chưa ghi gì vào cơ sở dữ liệu." in out
    assert cli.rows("SELECT count(*) FROM donors") == [(0,)]
    assert cli.rows("SELECT count(*) FROM audit_log") == [(0,)]


def test_a_donor_who_registered_in_the_chat_keeps_their_data(cli: Cli) -> None:
    async def register() -> None:
        engine = create_engine(cli.url)
        try:
            async with session_factory(engine)() as session, session.begin():
                await donors.register(
                    session,
                    new_donor(
                        "+84912345601",
                        full_name="Nguyễn Hoa",
                        ward=None,
                        blood_abo=None,
                        blood_rh=None,
                        earlier_donations=None,
                        last_donation_on=None,
                        is_reserve=False,
                    ),
                    platform="telegram",
                    user_id="601",
                    chat_id="601",
                    now=datetime.now(UTC),
                )
        finally:
            await engine.dispose()

    asyncio.run(register())
    path = write_csv(cli.tmp / "list.csv", HEADERS_VI, GOOD)
    code, out, _ = cli.imp(path)
    assert code == 0
    assert "Người mới: 2. Đã có trong hệ thống: 1 (bổ sung thông tin cho 1 người)." in out
    # Only the empty fields were filled: the name, birth date, consent, reserve flag and count are the chat's.
    assert cli.rows(
        "SELECT full_name, date_of_birth, consent_source, consent_taken_by, is_reserve, earlier_donations,"
        " ward, organisation, blood_abo, blood_rh, last_donation_on FROM donors WHERE phone = '+84912345601'"
    ) == [
        (
            "Nguyễn Hoa",
            "1995-08-03",
            "chat",
            None,
            0,
            None,
            "Tam Lưu",
            "Trường THPT Kinh Môn",
            "O",
            "+",
            "2019-04-12",
        )
    ]
    before = cli.snapshot()
    assert cli.imp(path)[0] == 0
    assert cli.snapshot() == before


def test_two_thousand_rows_stream_in_batches(cli: Cli) -> None:
    rows = [
        [
            f"Người Thứ {chr(65 + n % 26)}",
            f"09{n + 10_000_000:08d}",
            "01/01/1990",
            "Nam",
            "O+",
            "Tam Lưu",
            "",
            "",
            "",
            "",
        ]
        for n in range(2000)
    ]
    path = write_csv(cli.tmp / "big.csv", HEADERS_VI, rows)
    code, out, err = cli.imp(path)
    assert code == 0, err
    assert "Người mới: 2000." in out
    assert cli.rows("SELECT count(*) FROM donors WHERE consent_source = 'import_paper'") == [(2000,)]
    code, out, _ = cli.imp(path)
    assert "Người mới: 0. Đã có trong hệ thống: 2000" in out


def test_a_club_member_list_joins_everyone_in_it_once(cli: Cli) -> None:
    """`--club KEY`: a club's member list — the new people and those already known all become members;
    importing it again adds nobody; an unknown club is refused before anything is written."""
    code, out, err = cli("club", "create", "CLB Hiến máu Tam Lưu", "--kind", "club", "--key", "clb-tam-luu")
    assert code == 0, err
    first = write_csv(cli.tmp / "first.csv", HEADERS_VI, GOOD[:1])
    assert cli.imp(first)[0] == 0  # one of them is known before the club's list comes
    members = write_csv(cli.tmp / "members.csv", HEADERS_VI, GOOD)
    before = cli.snapshot()
    code, out, err = cli.imp(members, "--club", "khong-co")
    assert code == 2 and "--club: no club 'khong-co'" in err
    assert cli.snapshot() == before
    code, out, _ = cli.imp(members, "--club", "clb-tam-luu")
    assert code == 0
    assert f"Thêm vào câu lạc bộ clb-tam-luu: {len(GOOD)} người" in out
    joined = cli.rows(
        "SELECT d.phone, m.role, m.source FROM club_members m"
        " JOIN donors d ON d.id = m.donor_id ORDER BY d.phone"
    )
    assert len(joined) == len(GOOD) and {(r[1], r[2]) for r in joined} == {("member", "import")}
    code, out, _ = cli.imp(members, "--club", "clb-tam-luu")
    assert code == 0 and "Thêm vào câu lạc bộ clb-tam-luu: 0 người" in out
    assert len(cli.rows("SELECT * FROM club_members")) == len(GOOD)
