"""`donorbot export donors|callout|honours` and the round trip: the donors exported (.xlsx or .csv) and
imported again change nothing, and import into an empty database as they were; a formula-like text stays
text in the workbook and is neutralised in the CSV; a scope narrows the list; every export is audited
with the scope, the form and the number of rows, never a name."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from models import donors
from models.db import create_engine, session_factory
from models.tables import Callout, CalloutRecipient
from tests.integration.test_import_donors import GOOD, HEADERS_VI, write_csv
from tests.integration.test_models_contract import new_donor

FORMULA = '=HYPERLINK("http://x.example","bấm")'


class Cli:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str = "export") -> None:
        self.tmp = tmp_path
        self.db = tmp_path / f"{name}.sqlite3"
        self.url = f"sqlite+aiosqlite:///{self.db}"
        self.config = tmp_path / f"{name}.toml"
        self.config.write_text(f'[database]\nurl = "{self.url}"\n', encoding="utf-8")
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
        ]


async def _chat_donor(url: str) -> None:
    """A donor who registered in the chat, with a formula-like organisation and 20 earlier donations."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            donor = await donors.register(
                session,
                new_donor("+84912009999", organisation=FORMULA, earlier_donations=20),
                platform="telegram",
                user_id="9999",
                chat_id="9999",
                now=datetime.now(UTC),
            )
            callout = Callout(
                groups=["O+"],
                component="whole_blood",
                units_needed=1,
                place="BV Kinh Môn",
                deadline=datetime(2026, 1, 1, tzinfo=UTC),
            )
            session.add(callout)
            await session.flush()
            session.add(
                CalloutRecipient(
                    callout_id=callout.id,
                    donor_id=donor.id,
                    wave=1,
                    status="accepted",
                    messaged_at=datetime(2025, 12, 31, tzinfo=UTC),
                    answered_at=datetime(2025, 12, 31, 1, tzinfo=UTC),
                )
            )
    finally:
        await engine.dispose()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    runner = Cli(tmp_path, capsys)
    assert runner("db", "upgrade")[0] == 0
    asyncio.run(_chat_donor(runner.url))
    path = write_csv(tmp_path / "list.csv", HEADERS_VI, GOOD)
    assert runner("import", "donors", str(path), "--consent-date", "2019-08-07")[0] == 0
    return runner


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(cli: Cli, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = cli.tmp / f"donors.{fmt}"
    code, out, err = cli("export", "donors", "--format", fmt, "--output", str(out_file))
    assert code == 0, err
    assert out == f"Wrote {out_file}.\n"
    before = cli.snapshot()
    code, out, err = cli("import", "donors", str(out_file), "--consent-date", "2019-08-07")
    assert code == 0, out + err
    assert (
        out.splitlines()[-1]
        == "Người mới: 0. Đã có trong hệ thống: 4 (bổ sung thông tin cho 0 người). Bỏ qua: 0 dòng."
    )
    assert cli.snapshot() == before

    # Into an empty database: the same people, birth dates, wards, groups and organisations.
    fresh = Cli(cli.tmp, capsys, name="fresh")
    code, out, err = fresh("import", "donors", str(out_file), "--consent-date", "2019-08-07")
    assert code == 0, out + err
    columns = "full_name, phone, date_of_birth, sex, blood_abo, blood_rh, ward, organisation, is_reserve"
    query = f"SELECT {columns} FROM donors ORDER BY phone"
    assert fresh.rows(query) == cli.rows(query)


def test_formula_like_texts_stay_text(cli: Cli) -> None:
    xlsx, csv_path = cli.tmp / "d.xlsx", cli.tmp / "d.csv"
    assert cli("export", "donors", "--output", str(xlsx))[0] == 0
    assert cli("export", "donors", "--format", "csv", "--output", str(csv_path))[0] == 0
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Tóm tắt", "Người hiến máu"]
    sheet = book["Người hiến máu"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Họ tên", "SĐT", "Ngày sinh"]
    cells = [row[headers.index("Cơ quan")] for row in sheet.iter_rows(min_row=2)]
    risky = next(cell for cell in cells if cell.value == FORMULA)
    assert risky.data_type == "s" and risky.quotePrefix
    with csv_path.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    assert "'" + FORMULA in [line[6] for line in lines]


def test_a_scope_narrows_the_list_and_every_export_is_audited(cli: Cli) -> None:
    out_file = cli.tmp / "ward.csv"
    code, _, err = cli(
        "export", "donors", "--scope", "ward:nhi chieu", "--format", "csv", "--output", str(out_file)
    )
    assert code == 0, err
    with out_file.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    assert [line[0] for line in lines] == ["Họ tên", "Trần Văn Bình"]
    code, _, err = cli("export", "donors", "--scope", "ward:Hà Nội", "--output", str(out_file))
    assert code == 2 and "not in config.toml" in err

    responders = cli.tmp / "callout.xlsx"
    assert cli("export", "callout", "1", "--output", str(responders))[0] == 0
    sheet = openpyxl.load_workbook(responders).worksheets[1]
    assert [c.value for c in sheet[4]][1:3] == ["Nguyễn Thị Lan", "0912 009 999"]
    assert cli("export", "callout", "7", "--output", str(responders))[0] == 2

    honours = cli.tmp / "honours.xlsx"
    assert cli("export", "honours", "--year", "2026", "--output", str(honours))[0] == 0
    sheet = openpyxl.load_workbook(honours).worksheets[1]
    assert [c.value for c in sheet[2]][1:4] == ["Nguyễn Thị Lan", "Tam Lưu", 20]

    audit = cli.rows(
        "SELECT actor, action, target, details FROM audit_log WHERE action LIKE 'export.%' ORDER BY id"
    )
    assert [(a[1], a[2]) for a in audit] == [
        ("export.donors", None),
        ("export.callout", "callout:1"),
        ("export.honours", "year:2026"),
    ]
    assert json.loads(str(audit[0][3])) == {"scope": "ward:Nhị Chiểu", "format": "csv", "rows": 1}
    assert all(str(a[0]).startswith("cli:") for a in audit)
    text = str([json.loads(str(a[3])) for a in audit])
    assert "Lan" not in text and "Bình" not in text and "0912" not in text and "+849" not in text
