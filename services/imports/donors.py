"""Donors from a past campaign's list: checked rows in, written a batch (1,000 rows) per statement.

`import_file` reads a list (.xlsx/.csv), checks every row and imports it all or nothing, for the CLI
(`donorbot import donors`) and the web page alike: its `FileReport` is the one report both show.
`import_rows` takes rows already read (`services.imports.rows.DonorRow`), so a club's member list can go
through it too (a `--club` option adds its membership after it). Keyed by the phone (E.164):

- A new phone is a new donor, stored with `consent_source="import_paper"`, the paper forms' date
  (`consent_form_on`) and who imported them (`consent_taken_by`, the CLI actor). They get no chat
  account and no message: nothing is ever sent to them until they write to the bot themselves, and
  then registration with their phone and birth date links that chat to this profile.
- A phone already on record is never overwritten, whoever it belongs to (a donor who registered in the
  chat gave their own consent and their own data; an earlier import is the same list). Only what is
  empty is filled: the ward, the organisation, the blood group (when none is stored), and the last
  donation when the donor has no donation at all. Name, birth date, sex, consent, the reserve flag and
  the earlier count are kept as they are (a count is the donor's word or an organiser's correction,
  `donorbot donor earlier-count`). So importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from domain.import_columns import DONOR_HEADERS, DONOR_REQUIRED, DonorField, map_headers
from models import audit, callouts, clubs, imports
from services.imports.reader import Cell, open_table
from services.imports.rows import DonorRow, Limits, Problem, read_donor

BATCH = 1000


@dataclass
class Tally:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    skipped: int = 0
    joined: int = 0  # added to the club (`club_id`); those already members are not counted

    @property
    def known(self) -> int:
        return self.unchanged + self.updated


class DonorImport:
    """Rows added one at a time, written a batch at a time; `finish` writes the rest and audits."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        consent_date: date,
        actor: str,
        now: datetime,
        batch: int = BATCH,
        club_id: int | None = None,
    ) -> None:
        """`club_id`: a club's member list — every donor of a good row, new or known, joins that club."""
        self.session = session
        self.club_id = club_id
        self.consent_date = consent_date
        self.actor = actor
        self.now = now
        self.batch = batch
        self.tally = Tally()
        self._rows: list[DonorRow] = []

    async def add(self, row: DonorRow) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.batch:
            await self._flush()

    async def _flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        known = await imports.known_by_phone(self.session, [row.phone for row in rows])
        new = [row for row in rows if row.phone not in known]
        ids = await imports.insert_donors(self.session, [self._values(row) for row in new])
        await imports.insert_reported_donations(
            self.session,
            [
                {
                    "donor_id": ids[row.phone],
                    "donated_on": row.last_donation_on,
                    "self_reported": True,
                    "kind": "whole_blood",
                    "created_at": self.now,
                }
                for row in new
                if row.last_donation_on is not None
            ],
        )
        self.tally.new += len(new)
        for row in rows:
            if (found := known.get(row.phone)) is not None:
                await self._fill(found, row)
        if self.club_id is not None:
            members = [*ids.values(), *(found.id for found in known.values())]
            self.tally.joined += await clubs.add_members(
                self.session, self.club_id, members, source="import", now=self.now
            )

    def _values(self, row: DonorRow) -> dict[str, Any]:
        return {
            "full_name": row.full_name,
            "phone": row.phone,
            "date_of_birth": row.date_of_birth,
            "sex": row.sex,
            "blood_abo": row.blood_abo,
            "blood_rh": row.blood_rh,
            "ward": row.ward,
            "organisation": row.organisation,
            "is_reserve": row.is_reserve,
            "language": "vi",
            "earlier_donations": row.earlier_donations,
            # The latest donation is the only one: refresh_last_donation's result, without its statement.
            "last_donation_on": row.last_donation_on,
            "last_donation_kind": "whole_blood" if row.last_donation_on is not None else None,
            "consent_at": self.now,
            "consent_source": "import_paper",
            "consent_taken_by": self.actor,
            "consent_form_on": self.consent_date,
            "reminders_enabled": True,
            "created_at": self.now,
            "updated_at": self.now,
        }

    async def _fill(self, found: imports.Known, row: DonorRow) -> None:
        values: dict[str, Any] = {}
        if found.ward is None and row.ward is not None:
            values["ward"] = row.ward
        if found.organisation is None and row.organisation is not None:
            values["organisation"] = row.organisation
        if (
            found.blood_abo is None
            and found.blood_rh is None
            and found.blood_confirmed_on is None
            and (row.blood_abo is not None or row.blood_rh is not None)
        ):
            values["blood_abo"] = row.blood_abo
            values["blood_rh"] = row.blood_rh
        add_donation = not found.has_donations and row.last_donation_on is not None
        if not values and not add_donation:
            self.tally.unchanged += 1
            return
        if values:
            await imports.fill(self.session, found.id, {**values, "updated_at": self.now})
        if add_donation:
            await imports.insert_reported_donations(
                self.session,
                [
                    {
                        "donor_id": found.id,
                        "donated_on": row.last_donation_on,
                        "self_reported": True,
                        "kind": "whole_blood",
                        "created_at": self.now,
                    }
                ],
            )
            await callouts.refresh_last_donation(self.session, found.id)
        self.tally.updated += 1

    async def finish(self, *, file_rows: int) -> Tally:
        """Writes what is left and audits the import: counts only, never a name or a phone."""
        await self._flush()
        await audit.record(
            self.session,
            actor=self.actor,
            action="import.donors",
            target=None,
            details={
                "rows": file_rows,
                "new": self.tally.new,
                "unchanged": self.tally.unchanged,
                "updated": self.tally.updated,
                "skipped": self.tally.skipped,
                **(
                    {"club_id": self.club_id, "joined": self.tally.joined} if self.club_id is not None else {}
                ),
                "consent_form_on": self.consent_date.isoformat(),
            },
            now=self.now,
        )
        return self.tally


async def import_rows(
    session: AsyncSession,
    rows: Iterable[DonorRow] | AsyncIterable[DonorRow],
    *,
    consent_date: date,
    actor: str,
    now: datetime,
    club_id: int | None = None,
) -> Tally:
    """Imports checked rows (the entry point for other lists; `club_id`: a club's members); audited."""
    job = DonorImport(session, consent_date=consent_date, actor=actor, now=now, club_id=club_id)
    count = 0
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            await job.add(row)
            count += 1
    else:
        for row in rows:
            await job.add(row)
            count += 1
    return await job.finish(file_rows=count)


@dataclass
class FileReport:
    """What importing one file found: the report the CLI prints and the web page shows.

    `refused`: a required column is missing, or rows are bad and `skip_bad_rows` was not given — then
    nothing was written. `written`: the rows went in (neither refused nor a dry run)."""

    ignored: tuple[str, ...] = ()
    missing: tuple[tuple[DonorField, ...], ...] = ()
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    bad: int = 0
    tally: Tally | None = None  # None when the header was refused
    refused: bool = False
    written: bool = False


def headers_found(
    vocabulary: Mapping[Any, tuple[str, ...]], required: Sequence[tuple[Any, ...]]
) -> Callable[[Sequence[Cell]], bool]:
    """The test `open_table` finds a header row by: every required column is there."""

    def found(cells: Sequence[Cell]) -> bool:
        return not map_headers(cells, vocabulary, required).missing

    return found


async def import_file(
    session: AsyncSession,
    path: Path,
    *,
    limits: Limits,
    consent_date: date,
    actor: str,
    now: datetime,
    club_id: int | None = None,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
) -> FileReport:
    """Reads a donor list (.xlsx/.csv), checks every row and imports the good ones — all or nothing:
    with any bad row nothing is written unless `skip_bad_rows`; `dry_run` checks and counts, then writes
    nothing (a savepoint rolled back, so the counts are the real ones). Raises `FileUnreadable`."""
    report = FileReport()
    async with session.begin_nested() as savepoint:
        with open_table(path, headers_found(DONOR_HEADERS, DONOR_REQUIRED)) as table:
            header = map_headers(table.header, DONOR_HEADERS, DONOR_REQUIRED)
            report.ignored, report.missing = tuple(header.ignored), tuple(header.missing)
            if header.missing:
                report.refused = True
                await savepoint.rollback()
                return report
            job = DonorImport(session, consent_date=consent_date, actor=actor, now=now, club_id=club_id)
            seen: dict[str, int] = {}
            for number, cells in table.rows:
                report.rows += 1
                read = read_donor(number, cells, header.columns, limits)
                if isinstance(read, DonorRow):
                    first = seen.setdefault(read.phone, number)
                    if first != number:
                        read = [Problem(number, "imp_err_duplicate", {"first": first})]
                if isinstance(read, list):
                    report.bad += 1
                    report.problems.extend(read)
                    continue
                await job.add(read)
            job.tally.skipped = report.bad
            report.tally = await job.finish(file_rows=report.rows)
        report.refused = bool(report.bad) and not skip_bad_rows
        if report.refused or dry_run:
            await savepoint.rollback()
        else:
            report.written = True
    return report


@dataclass(frozen=True)
class ReportText:
    """A `FileReport` in words: the header's lines, one line per bad row, the counts. What comes after
    (refused, a dry run) is said by the CLI and the web page each in its own terms (an option, a box)."""

    head: list[str]
    problems: list[str]
    summary: list[str]


def report_text(report: FileReport, t: Translator, *, file: str, club: str | None) -> ReportText:
    head = [t("imp_reading", file=file)]
    if report.ignored:
        head.append(t("imp_ignored", columns=", ".join(f"«{name}»" for name in report.ignored)))
    if report.missing:
        names = [" / ".join(t(f"imp_field_{f.value}") for f in group) for group in report.missing]
        head.append(t("imp_missing_columns", columns=", ".join(names)))
    problems = [t("imp_row", row=p.row, problem=t(p.key, **p.params)) for p in report.problems]
    summary: list[str] = []
    tally = report.tally
    if tally is not None and not report.refused:
        summary.append(
            t(
                "imp_donors_summary",
                new=tally.new,
                known=tally.known,
                updated=tally.updated,
                skipped=tally.skipped,
            )
        )
        if club is not None:
            summary.append(t("imp_club_joined", joined=tally.joined, club=club))
    return ReportText(head, problems, summary)
