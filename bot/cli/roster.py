"""`donorbot roster DRIVE_DAY_ID [--format text|xlsx|csv] [--output F] [--no-shows] [--ward W]`.

The roster of one drive day exactly as /danhsach gives it (`models.rosters`, `services.reports.rosters`):
the list on stdout, the A4 workbook or a CSV (UTF-8 with a BOM, formula-like texts neutralised) for the
desk's printer. `--no-shows` lists the sign-ups of a day that is over who never came; `--ward` narrows it
to the donors of one ward, as a ward organiser sees it. Each roster is audited as `cli:<os user>` with
the day, the scope, the form and the number of rows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from core.i18n import Catalogs
from domain.figures import Scope
from models import rosters
from services.reports import rosters as roster_sheets

FORMATS = ("text", "xlsx", "csv")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "roster",
        help="who booked a drive day (names, phones, slots, check-ins), or its no-shows",
        description="A drive day's roster as text, an A4 .xlsx or .csv; --no-shows after the day.",
    )
    parser.add_argument(
        "id", metavar="DRIVE_DAY_ID", help="the drive day's number (see `donorbot drive list`)"
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--output", help="the file for xlsx/csv (default: danh-sach-buoi-<id>-<date>.<format>)"
    )
    parser.add_argument("--no-shows", action="store_true", help="only those who booked and never came")
    parser.add_argument("--ward", help="only the donors of this ward (as in config.toml [area] wards)")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="the language of the list")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs `donorbot roster` in one unit of work; 0 on success, 2 with a message on a mistake."""
    return await run_command("roster", _run(args, settings, out or sys.stdout), err=err)


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    drive_day_id = values.record_id(args.id)
    if drive_day_id is None:
        raise UsageError(f"DRIVE_DAY_ID: {args.id!r} is not a drive day id (see `donorbot drive list`)")
    scope = Scope.area()
    if args.ward is not None:
        (ward,) = values.known_wards([args.ward], settings)
        scope = Scope.ward(ward)
    t = Catalogs().get(args.lang)
    now = datetime.now(UTC)
    tz = settings.tz
    async with unit_of_work(settings) as session:
        found = await rosters.load(session, drive_day_id, scope=scope, now=now, tz=tz, no_shows=args.no_shows)
        if found is rosters.Refusal.UNKNOWN:
            raise UsageError(f"no drive day {drive_day_id} (see `donorbot drive list`)")
        if found is rosters.Refusal.OUT_OF_SCOPE:
            raise UsageError(
                f"--ward: drive day {drive_day_id} is held elsewhere and no donor of {scope.name} booked it"
            )
        if found is rosters.Refusal.NOT_OVER:
            raise UsageError(f"--no-shows: drive day {drive_day_id} is not over yet")
        assert isinstance(found, rosters.Roster)
        if args.format == "text":
            out.write(roster_sheets.list_text(found, t, tz) + "\n")
        else:
            path = Path(args.output or roster_sheets.filename(found, args.format))
            content = (
                roster_sheets.xlsx_bytes(found, t, tz)
                if args.format == "xlsx"
                else roster_sheets.csv_bytes(found, t, tz)
            )
            try:
                await asyncio.to_thread(path.write_bytes, content)
            except OSError as exc:
                raise UsageError(
                    f"--output: cannot write {path} ({exc.strerror or type(exc).__name__})"
                ) from None
            out.write(f"Wrote {path} ({len(found.rows)} rows).\n")
        await roster_sheets.record(session, found, actor=cli_actor(), output=args.format, now=now)
