"""`donorbot export donors [--scope S] [--format xlsx|csv] --output F`, `donorbot export callout ID` and
`donorbot export honours [--year Y] [--ward W]`: lists as .xlsx (A4, a summary sheet first) or .csv
(UTF-8 with a BOM), formula-like texts kept as text (`services.reports.workbook`). Each export is
audited as `cli:<user>` with the scope, the form and the number of rows, never a name.
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
from domain import limits
from domain.figures import Scope, ScopeKind
from models import callouts, honours
from models.tables import Callout
from services.imports import exports
from services.reports.rosters import scope_name
from services.reports.workbook import Summary


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="donors, a call-out's responders or the honour list as .xlsx/.csv (audited)",
        description="Writes a list as an A4 .xlsx or a .csv; formula-like texts stay text.",
    )
    sub = parser.add_subparsers(dest="what", required=True)
    donors = sub.add_parser("donors", help="the donors of the area, a ward or an organisation")
    donors.add_argument("--scope", default="area", help='"area", "ward:<name>" or "organisation:<name>"')
    callout = sub.add_parser("callout", help="who accepted a call-out")
    callout.add_argument("id", metavar="CALLOUT_ID")
    honour = sub.add_parser("honours", help="the honour list and who reached a milestone in a year")
    honour.add_argument("--year", help="the milestones' year (default: this year)")
    honour.add_argument("--ward", help="only the donors of this ward")
    for each in (donors, callout, honour):
        each.add_argument("--format", choices=exports.FORMATS, default="xlsx")
        each.add_argument("--output", help="the file to write (default: a name from the list and format)")
        each.add_argument("--lang", choices=("vi", "en"), default="vi", help="the headers' language")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    return await run_command(f"export {args.what}", _run(args, settings, out or sys.stdout), err=err)


def _scope(text: str, settings: Settings) -> Scope:
    try:
        scope = Scope.parse(values.one_line(text))
    except ValueError as exc:
        raise UsageError(f"--scope: {exc}") from None
    if scope.kind is ScopeKind.WARD and scope.name is not None:
        (ward,) = values.known_wards([scope.name], settings)
        scope = Scope.ward(ward)
    if scope.name is not None and len(scope.name) > limits.ORGANISATION:
        raise UsageError(f"--scope: a name has at most {limits.ORGANISATION} characters")
    return scope


async def _write(path: Path, content: bytes) -> None:
    try:
        await asyncio.to_thread(path.write_bytes, content)
    except OSError as exc:
        raise UsageError(f"--output: cannot write {path} ({exc.strerror or type(exc).__name__})") from None


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    t = Catalogs().get(args.lang)
    now = datetime.now(UTC)
    actor = cli_actor()
    fmt = args.format
    if args.what == "donors":
        scope = _scope(args.scope, settings)
        path = Path(args.output or f"nguoi-hien-mau.{fmt}")
        async with unit_of_work(settings) as session:
            table = await exports.donors_table(session, scope, t)
            content = exports.to_bytes([table], exports.donors_summary(table, scope, t), fmt, t.lang)
            await _write(path, content)
            await exports.record(
                session,
                action="export.donors",
                actor=actor,
                scope=scope,
                output=fmt,
                rows=len(table.rows),
                now=now,
            )
    elif args.what == "callout":
        callout_id = values.record_id(args.id)
        if callout_id is None:
            raise UsageError(f"CALLOUT_ID: {args.id!r} is not a call-out id")
        path = Path(args.output or f"khan-cap-{callout_id}.{fmt}")
        async with unit_of_work(settings) as session:
            if await session.get(Callout, callout_id) is None:
                raise UsageError(f"no call-out {callout_id}")
            accepted = await callouts.accepted_donors(session, callout_id)
            table = exports.responders_table(callout_id, accepted, t)
            summary = Summary(
                title=t("exp_summary_sheet"),
                heading=t("exp_callout_heading", id=callout_id),
                paragraph=t("exp_callout_paragraph", rows=len(table.rows)),
            )
            await _write(path, exports.to_bytes([table], summary, fmt, t.lang))
            await exports.record(
                session,
                action="export.callout",
                actor=actor,
                scope=Scope.area(),
                output=fmt,
                rows=len(table.rows),
                now=now,
                target=f"callout:{callout_id}",
            )
    else:
        year = (
            values.whole_number("--year", args.year, minimum=2000, maximum=2100)
            if args.year
            else now.astimezone(settings.tz).year
        )
        scope = Scope.area()
        if args.ward is not None:
            (ward,) = values.known_wards([args.ward], settings)
            scope = Scope.ward(ward)
        path = Path(args.output or f"vinh-danh-{year}.{fmt}")
        recognition = settings.recognition
        async with unit_of_work(settings) as session:
            honoured = await honours.honour_list(
                session, more_than=recognition.honour_more_than, ward=scope.name
            )
            reached = await honours.milestones_in_year(
                session, year=year, milestones=recognition.milestones, ward=scope.name
            )
            tables = exports.honours_tables(honoured, reached, year, t)
            summary = Summary(
                title=t("exp_summary_sheet"),
                heading=t(
                    "exp_honours_heading", scope=scope_name(scope, t), more_than=recognition.honour_more_than
                ),
                paragraph=t(
                    "exp_honours_paragraph",
                    rows=len(honoured),
                    more_than=recognition.honour_more_than,
                    milestones=len(reached),
                    year=year,
                ),
            )
            await _write(path, exports.to_bytes(list(tables), summary, fmt, t.lang))
            await exports.record(
                session,
                action="export.honours",
                actor=actor,
                scope=scope,
                output=fmt,
                rows=len(honoured) + len(reached),
                now=now,
                target=f"year:{year}",
            )
    out.write(f"Wrote {path}.\n")
