"""`donorbot report` as a committee's secretary types it: the text, the workbook, one table as CSV, the
charts, a ward's report, and the mistakes it names. The data is tests/e2e/test_stats.py's (its docstring
has it); the expected figures are worked out there by hand."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import openpyxl
import pytest

from models.db import create_engine, session_factory
from tests.e2e.test_stats import seed_report_data
from tests.integration.test_targets_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    runner = Cli(tmp_path, capsys)  # its database: targets.sqlite3 in tmp_path
    assert runner("db", "upgrade")[0] == 0

    async def seed() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{runner.db}")
        try:
            async with session_factory(engine)() as session, session.begin():
                await seed_report_data(session)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    return runner


def test_the_year_as_text(cli: Cli) -> None:
    code, out, err = cli("report", "--year", "2026")
    assert (code, err) == (0, "")
    assert out.startswith("Kết quả công tác vận động hiến máu tình nguyện năm 2026 — Toàn địa bàn\n")
    assert "Thu về 3 đơn vị máu, đạt 60 % chỉ tiêu (5), còn thiếu 2 đơn vị." in out
    assert "• Tam Lưu: 2/2 đơn vị (100 %)" in out
    code, out, _ = cli("report", "--year", "2026", "--lang", "en")
    assert "3 units collected: 60% of the target (5), 2 short of it." in out


def test_the_workbook_the_csv_and_the_charts(cli: Cli) -> None:
    book_path, csv_path, charts = cli.tmp / "tong-ket-2026.xlsx", cli.tmp / "wards.csv", cli.tmp / "charts"
    code, out, err = cli(
        "report", "--year", "2026", "--format", "xlsx", "--output", str(book_path), "--charts", str(charts)
    )
    assert (code, err) == (0, "")
    assert f"Wrote {book_path}." in out
    book = openpyxl.load_workbook(book_path)
    summary = book.worksheets[0]
    values = [cell for row in summary.iter_rows(values_only=True) for cell in row if cell is not None]
    assert any("Thu về 3 đơn vị máu, đạt 60 % chỉ tiêu (5)" in str(v) for v in values)
    assert ["Tam Lưu", 2, 2, 1, 0, 2] in [list(r) for r in book["Theo phường xã"].iter_rows(values_only=True)]
    assert book["Biểu đồ"]._images, "the charts are embedded"
    pngs = sorted(p.name for p in charts.iterdir())
    assert pngs == ["organisations.png", "progress.png", "repeat.png", "reserve.png", "wards.png"]
    assert all((charts / name).read_bytes().startswith(b"\x89PNG") for name in pngs)

    code, _, err = cli("report", "--year", "2026", "--format", "csv", "--output", str(csv_path))
    assert (code, err) == (0, "")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert ["Tam Lưu", "2", "2", "100 %", "0", "2"] in [row[:6] for row in rows]


def test_a_ward_and_the_mistakes(cli: Cli) -> None:
    code, out, _ = cli("report", "--year", "2026", "--ward", "nhi chieu")
    assert code == 0
    assert "— Phường/xã Nhị Chiểu" in out and "Thu về 1 đơn vị máu (chưa đặt chỉ tiêu)." in out
    assert "Tam Lưu" not in out
    assert cli("report", "--ward", "Hà Nội")[0] == 2
    code, _, err = cli("report", "--campaign", "99")
    assert (code, err) == (2, "donorbot report: --campaign: no campaign '99' (its number or plan-file key)\n")
    code, _, err = cli("report", "--year", "1850")
    assert (code, err) == (2, "donorbot report: --year: must be at least 2000\n")
