"""`donorbot report [--year Y | --campaign ID] [--ward W | --organisation O] [--format text|xlsx|csv]`.

The campaign numbers of `models.figures`, worded by `services.reports` exactly as /thongke words them:
text on stdout (what a committee pastes into its "Tổng kết công tác HMTN năm …"), the year-end workbook
(.xlsx: summary, by ward, by organisation, named campaigns, reserve pool, honour list, milestones, the
charts embedded), or one table as CSV (`--table`). `--charts DIR` also writes every chart as a PNG.
Each report is audited as `cli:<os user>` with its scope and how many named rows it holds.
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
from core.knowledge import load_checked_rules
from domain.figures import Scope
from models import figures
from services.reports import gather, summary
from services.reports.workbook import Table, write_csv, write_workbook

FORMATS = ("text", "xlsx", "csv")
TABLES = ("wards", "organisations", "reserve", "honours", "milestones", "clubs")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="the campaign numbers: units against target, repeat donors, quotas, reserve, honour list",
        description="A year's (default: this year's) or a campaign's figures as text, .xlsx or .csv.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--year", help="the year (default: this year)")
    which.add_argument("--campaign", help="a campaign's number or plan-file key")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--ward", help="only this ward (as in config.toml [area] wards)")
    scope.add_argument("--organisation", help="only this organisation (as donors gave it)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--table", choices=TABLES, default="wards", help="the table --format csv writes")
    parser.add_argument("--output", help="the file for xlsx/csv (default: report-<year>.<format>)")
    parser.add_argument("--charts", metavar="DIR", help="also write every chart as a PNG into DIR")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs `donorbot report` in one unit of work; 0 on success, 2 with a message on a mistake."""
    return await run_command("report", _run(args, settings, out or sys.stdout), err=err)


def _scope(args: argparse.Namespace, settings: Settings) -> Scope:
    if args.ward is not None:
        (ward,) = values.known_wards([args.ward], settings)
        return Scope.ward(ward)
    if args.organisation is not None:
        name = values.one_line(args.organisation)
        if not name:
            raise UsageError("--organisation: is empty")
        return Scope.organisation(name)
    return Scope.area()


def _csv_table(workbook_sheets: list[Any], t: Any, table: str) -> Table:
    titles = {
        "wards": t("rep_sheet_wards"),
        "organisations": t("rep_sheet_organisations"),
        "reserve": t("rep_sheet_reserve"),
        "honours": t("rep_sheet_honours"),
        "milestones": t("rep_sheet_milestones"),
        "clubs": t("rep_sheet_clubs"),
    }
    for sheet in workbook_sheets:
        if isinstance(sheet, Table) and sheet.title == titles[table]:
            return sheet
    raise UsageError(f"--table: no {table} table in this report")


def _write_charts(folder: Path, pngs: list[tuple[str, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, png in pngs:
        (folder / name).write_bytes(png)


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    scope = _scope(args, settings)
    now = datetime.now(UTC)
    today = now.astimezone(settings.tz).date()
    year = values.whole_number("--year", args.year, minimum=2000, maximum=2100) if args.year else None
    t = Catalogs().get(args.lang)
    rules = load_checked_rules(settings)
    async with unit_of_work(settings) as session:
        campaigns = []
        if args.campaign is not None:
            campaign = await gather.campaign_by_reference(session, args.campaign)
            if campaign is None:
                raise UsageError(f"--campaign: no campaign {args.campaign!r} (its number or plan-file key)")
            campaigns.append(campaign)
        data = await gather.gather(
            session,
            scope=scope,
            settings=settings,
            rules=rules,
            today=today,
            now=now,
            year=year,
            campaigns=campaigns,
            history_years=0 if args.format == "text" and not args.charts else figures.HISTORY_YEARS,
            with_milestones=args.format != "text",
        )
        heading = data.heading(t)
        stem = f"report-{data.figures.year}" if data.figures.year else f"report-campaign-{campaigns[0].id}"
        pngs: list[tuple[str, bytes]] = []
        if args.format == "text":
            text = summary.text(
                data.figures, t, heading=heading, recognition=data.recognition, clubs=data.clubs
            )
            out.write(text + "\n")
        else:
            path = Path(args.output or f"{stem}.{args.format}")
            pngs = await asyncio.to_thread(summary.all_charts, data.figures, t)
            book = summary.workbook(
                data.figures,
                t,
                heading=heading,
                recognition=data.recognition,
                chart_pngs=pngs,
                clubs=data.clubs,
            )
            try:
                if args.format == "xlsx":
                    await asyncio.to_thread(write_workbook, path, book)
                else:
                    write_csv(path, _csv_table(list(book.sheets), t, args.table), t.lang)
            except OSError as exc:
                raise UsageError(
                    f"--output: cannot write {path} ({exc.strerror or type(exc).__name__})"
                ) from None
            out.write(f"Wrote {path}.\n")
        if args.charts:
            folder = Path(args.charts)
            pngs = pngs or await asyncio.to_thread(summary.all_charts, data.figures, t)
            try:
                await asyncio.to_thread(_write_charts, folder, pngs)
            except OSError as exc:
                raise UsageError(
                    f"--charts: cannot write into {folder} ({exc.strerror or type(exc).__name__})"
                ) from None
            out.write(f"Wrote the charts into {folder}.\n")
        await gather.record(session, data, actor=cli_actor(), output=args.format, now=now)
