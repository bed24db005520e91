"""Import benchmark: a donor list of N rows (default 100,000) imported by `donorbot import donors` into a
temp SQLite database, then imported again (nothing to change).

Run: .venv/bin/python bench/imports.py [--rows N] [--format csv|xlsx]

The file is written first (a CSV with a BOM and ";", or an .xlsx with openpyxl's write-only mode), with
every column of the import: name, phone, birth date, sex, group, ward, organisation, count, last
donation, reserve. The import runs in this process through the real CLI (`bot.cli.main`): the stream
reader, the row checks, 1,000-row batches, one transaction. Goal: 100,000 rows in under a minute on
SQLite, peak RSS flat in N (the rows are never all in memory; what grows is the set of phones seen,
for duplicates within the file). The last line holds the key figures as key=value.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import main as donorbot  # noqa: E402

HEADER = ["Họ tên", "SĐT", "Ngày sinh", "Giới tính", "Nhóm máu", "Phường/Xã", "Cơ quan", "Số lần hiến",
          "Lần hiến gần nhất", "Dự bị"]  # fmt: skip
WARDS = ["P. Tam Lưu", "Nhị Chiểu", "phường Bắc An Phụ", "Nam An Phụ"]
GROUPS = ["O+", "A+", "B Rh+", "AB", "O Rh−"]


def row(n: int) -> list[str]:
    return [
        f"Nguyễn Văn {chr(65 + n % 26)}{chr(65 + n // 26 % 26)}",
        f"09{10_000_000 + n:08d}",
        f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1970 + n % 35}",
        "Nam" if n % 2 else "Nữ",
        GROUPS[n % len(GROUPS)],
        WARDS[n % len(WARDS)],
        "Trường THPT Kinh Môn" if n % 3 == 0 else "",
        str(n % 9) if n % 4 else "",
        f"{1 + n % 28:02d}/{1 + n % 12:02d}/2019" if n % 5 == 0 else "",
        "x" if n % 7 == 0 else "",
    ]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(";".join(HEADER) + "\r\n")
        for n in range(rows):
            out.write(";".join(row(n)) + "\r\n")


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append(row(n))
    book.save(path)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(config: Path, path: Path) -> tuple[int, float, str]:
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = donorbot(["--config", str(config), "--log-level", "WARNING", "import", "donors", str(path),
                         "--consent-date", "2019-08-07"])  # fmt: skip
    return code, time.perf_counter() - started, out.getvalue().strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite+aiosqlite:///{folder / "bench.sqlite3"}"\n', encoding="utf-8"
        )
        path = folder / f"list.{args.format}"
        started = time.perf_counter()
        (write_csv if args.format == "csv" else write_xlsx)(path, args.rows)
        written = time.perf_counter() - started
        rss_before = peak_rss_mb()
        assert donorbot(["--config", str(config), "--log-level", "WARNING", "db", "upgrade"]) == 0
        code, first, summary = run(config, path)
        print(f"first import: exit {code}, {first:.1f} s, {args.rows / first:,.0f} rows/s — {summary}")
        again_code, again, again_summary = run(config, path)
        rate = f"{args.rows / again:,.0f} rows/s"
        print(f"again:        exit {again_code}, {again:.1f} s, {rate} — {again_summary}")
        size = path.stat().st_size / 1e6
        print(f"file written in {written:.1f} s ({size:.1f} MB); peak RSS {peak_rss_mb():.0f} MB"
              f" (before the import {rss_before:.0f} MB)")  # fmt: skip
        ok = code == 0 and again_code == 0 and f"Người mới: {args.rows}." in summary
        print(
            f"rows={args.rows} format={args.format} seconds={first:.1f} rows_per_s={args.rows / first:.0f}"
            f" again_seconds={again:.1f} peak_rss_mb={peak_rss_mb():.0f} ok={ok}"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
