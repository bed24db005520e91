"""`donorbot import donors FILE --consent-date D [--skip-bad-rows] [--dry-run] [--lang vi|en]` and
`donorbot import results FILE --session ID|KEY [--skip-bad-rows] [--dry-run] [--lang vi|en]`.

A .xlsx or .csv is read as a stream (`services.imports.reader`), its columns found by their headers
(`domain.import_columns`), every row checked (`services.imports.rows`) and written in batches
(`services.imports.donors`, `.results`), all in one unit of work. The validation report names every bad
row with its number and why, in the operator's language (catalog `imports.toml`). All or nothing: a
file with any bad row imports nothing (exit code 1) unless `--skip-bad-rows`, which imports the good
rows and lists the rest. `--dry-run` checks and counts, then writes nothing. Audited as `cli:<user>`
with counts only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from core.i18n import Catalogs, Translator
from core.knowledge import load_checked_rules
from domain.import_columns import RESULT_HEADERS, RESULT_REQUIRED, map_headers
from models import audit, clubs
from models import imports as import_queries
from services.imports import donors as donor_import
from services.imports import results as result_import
from services.imports.reader import FileUnreadable, open_table
from services.imports.rows import Limits, Problem, ResultRow, read_result

EXIT_ROWS_REFUSED = 1  # the file has bad rows and nothing was imported


class _Discard(Exception):
    """Leaves the unit of work without committing (bad rows, or --dry-run)."""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="bring in a donor list (.xlsx/.csv) from a past campaign, or the blood centre's results",
        description="Imports a spreadsheet, reports every bad row; all or nothing unless --skip-bad-rows.",
    )
    sub = parser.add_subparsers(dest="what", required=True)
    donors = sub.add_parser("donors", help="a donor list: name, phone, birth date or year, sex, …")
    donors.add_argument("file", metavar="FILE", help="a .xlsx or .csv file")
    donors.add_argument(
        "--consent-date",
        required=True,
        help="the date of the signed paper consent forms behind the list (YYYY-MM-DD)",
    )
    donors.add_argument(
        "--club",
        metavar="KEY",
        help="a club's member list: everyone in it (new or already known) joins the club (see `club list`)",
    )
    results = sub.add_parser("results", help="a drive day's results: phone or code, volume or deferred, …")
    results.add_argument("file", metavar="FILE", help="a .xlsx or .csv file")
    results.add_argument("--session", required=True, help="the drive day's id or key (see `drive list`)")
    for each in (donors, results):
        each.add_argument("--skip-bad-rows", action="store_true", help="import the good rows, list the bad")
        each.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        each.add_argument("--lang", choices=("vi", "en"), default="vi", help="the report's language")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """0 imported; 1 bad rows, nothing imported; 2 a wrong option or an unreadable file."""
    outcome: list[int] = []
    command = _results if args.what == "results" else _donors
    work = command(args, settings, out or sys.stdout, outcome)
    code = await run_command(f"import {args.what}", work, err=err)
    return code or (outcome[0] if outcome else 0)


def _say_header(t: Translator, out: TextIO, path: Path, ignored: Sequence[str]) -> None:
    out.write(t("imp_reading", file=path.name) + "\n")
    if ignored:
        out.write(t("imp_ignored", columns=", ".join(f"«{name}»" for name in ignored)) + "\n")


def _say_missing(t: Translator, out: TextIO, missing: Sequence[tuple[Any, ...]]) -> None:
    names = [" / ".join(t(f"imp_field_{field.value}") for field in group) for group in missing]
    out.write(t("imp_missing_columns", columns=", ".join(names)) + "\n")


def _say(t: Translator, out: TextIO, problem: Problem) -> None:
    out.write(t("imp_row", row=problem.row, problem=t(problem.key, **problem.params)) + "\n")


def _path(text: str) -> Path:
    return Path(text)


async def _donors(args: argparse.Namespace, settings: Settings, out: TextIO, outcome: list[int]) -> None:
    t = Catalogs().get(args.lang)
    now = datetime.now(UTC)
    today = now.astimezone(settings.tz).date()
    consent_date = values.day("--consent-date", args.consent_date)
    if consent_date > today:
        raise UsageError("--consent-date: the forms cannot be dated in the future")
    path = _path(args.file)
    limits = Limits(
        wards=settings.area.wards,
        min_age=settings.registration.min_age,
        max_age=settings.registration.max_age,
        today=today,
    )
    try:
        async with unit_of_work(settings) as session:
            club_id = None
            if args.club is not None:
                club = await clubs.by_key(session, args.club.strip())
                if club is None:
                    raise UsageError(f"--club: no club {args.club!r} (see `donorbot club list`)")
                club_id = club.id
            report = await donor_import.import_file(
                session,
                path,
                limits=limits,
                consent_date=consent_date,
                actor=cli_actor(),
                now=now,
                club_id=club_id,
                skip_bad_rows=args.skip_bad_rows,
                dry_run=args.dry_run,
            )
    except FileUnreadable as exc:
        raise UsageError(str(exc)) from None
    text = donor_import.report_text(
        report, t, file=path.name, club=args.club.strip() if args.club is not None else None
    )
    for line in (*text.head, *text.problems, *text.summary):
        out.write(line + "\n")
    if report.refused:
        if not report.missing:
            out.write(t("imp_refused", bad=report.bad, rows=report.rows) + "\n")
        outcome.append(EXIT_ROWS_REFUSED)
    elif args.dry_run:
        out.write(t("imp_dry_run") + "\n")


async def _results(args: argparse.Namespace, settings: Settings, out: TextIO, outcome: list[int]) -> None:
    t = Catalogs().get(args.lang)
    now = datetime.now(UTC)
    today = now.astimezone(settings.tz).date()
    path = _path(args.file)
    key = values.one_line(args.session)
    catalogs = Catalogs()
    rules = load_checked_rules(settings)
    actor = cli_actor()
    bad_rows = 0
    try:
        async with unit_of_work(settings) as session:
            days = await import_queries.drive_day_by_id_or_key(session, key)
            if not days:
                raise UsageError(f"--session: no drive day {key!r} (see `donorbot drive list`)")
            if len(days) > 1:
                ids = ", ".join(str(day.id) for day in days)
                raise UsageError(f"--session: {key!r} names drive days {ids}; give the id")
            (day,) = days
            if day.day > today:
                raise UsageError(f"--session: drive day {day.id} is on {day.day.isoformat()}, not over yet")
            tally = result_import.ResultTally()
            with open_table(path, donor_import.headers_found(RESULT_HEADERS, RESULT_REQUIRED)) as table:
                header = map_headers(table.header, RESULT_HEADERS, RESULT_REQUIRED)
                _say_header(t, out, path, header.ignored)
                if header.missing:
                    _say_missing(t, out, header.missing)
                    outcome.append(EXIT_ROWS_REFUSED)
                    raise _Discard
                seen: dict[str, int] = {}
                rows = 0
                for number, cells in table.rows:
                    rows += 1
                    read = read_result(number, cells, header.columns, today)
                    if isinstance(read, ResultRow):
                        who = read.code or read.phone or ""
                        first = seen.setdefault(who, number)
                        if first != number:
                            read = [Problem(number, "imp_err_duplicate", {"first": first})]
                    problem = None
                    if isinstance(read, ResultRow):
                        problem = await result_import.record_row(
                            session,
                            read,
                            day=day,
                            settings=settings,
                            catalogs=catalogs,
                            rules=rules,
                            actor=actor,
                            now=now,
                            tally=tally,
                        )
                    problems = read if isinstance(read, list) else [problem] if problem else []
                    if problems:
                        bad_rows += 1
                        for each in problems:
                            _say(t, out, each)
            tally.skipped = bad_rows
            if bad_rows and not args.skip_bad_rows:
                out.write(t("imp_refused", bad=bad_rows, rows=rows) + "\n")
                outcome.append(EXIT_ROWS_REFUSED)
                raise _Discard
            await _audit_results(session, day.id, tally, rows, actor, now)
            out.write(
                t(
                    "imp_results_summary",
                    session=day.id,
                    donated=tally.donated,
                    deferred=tally.deferred,
                    lab=tally.lab_groups,
                    unchanged=tally.unchanged,
                    skipped=tally.skipped,
                )
                + "\n"
            )
            if args.dry_run:
                out.write(t("imp_dry_run") + "\n")
                raise _Discard
    except _Discard:
        pass
    except FileUnreadable as exc:
        raise UsageError(str(exc)) from None


async def _audit_results(
    session: Any, day_id: int, tally: result_import.ResultTally, rows: int, actor: str, now: datetime
) -> None:
    await audit.record(
        session,
        actor=actor,
        action="import.results",
        target=f"drive_day:{day_id}",
        details={
            "rows": rows,
            "donated": tally.donated,
            "deferred": tally.deferred,
            "lab_groups": tally.lab_groups,
            "unchanged": tally.unchanged,
            "skipped": tally.skipped,
        },
        now=now,
    )
