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

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from core.i18n import Catalogs
from domain import limits
from domain.figures import Scope, ScopeKind
from services.imports import exports


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
    fmt = args.format
    export: exports.Export | None
    if args.what == "donors":
        scope = _scope(args.scope, settings)
        async with unit_of_work(settings) as session:
            export = await exports.donors_export(session, scope, t, fmt)
            path = await _give_out(session, args, export, now)
    elif args.what == "callout":
        callout_id = values.record_id(args.id)
        if callout_id is None:
            raise UsageError(f"CALLOUT_ID: {args.id!r} is not a call-out id")
        async with unit_of_work(settings) as session:
            export = await exports.callout_export(session, callout_id, t, fmt)
            if export is None:
                raise UsageError(f"no call-out {callout_id}")
            path = await _give_out(session, args, export, now)
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
        async with unit_of_work(settings) as session:
            export = await exports.honours_export(
                session, scope=scope, year=year, recognition=settings.recognition, t=t, fmt=fmt
            )
            path = await _give_out(session, args, export, now)
    out.write(f"Wrote {path}.\n")


async def _give_out(
    session: AsyncSession, args: argparse.Namespace, export: exports.Export, now: datetime
) -> Path:
    """Writes the file (`--output`, else the list's own name) and audits the export as `cli:<user>`."""
    path = Path(args.output or export.filename)
    await _write(path, export.content)
    await exports.record_export(session, export, actor=cli_actor(), now=now)
    return path
