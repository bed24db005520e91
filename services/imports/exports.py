"""Lists given out as .xlsx or .csv through `services.reports.workbook` (formula-like texts stay text):
the donors of a scope, a call-out's responders, the honour list with the year's milestones; each export
audited (`export.donors`, `export.callout`, `export.honours`: who, the scope, the form, how many rows —
never a name).

The donors sheet has the import's own headers (`domain.import_columns`), so an exported list imports
back unchanged: `donorbot export donors` then `donorbot import donors` changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import RecognitionSettings
from core.i18n import Translator
from domain.blood import BloodGroup
from domain.figures import Scope, ScopeKind
from domain.phone import display_phone
from models import audit, callouts, honours, imports
from models.honours import HonourRow, MilestoneRow
from models.tables import Callout, Donor
from services.reports.rosters import scope_name
from services.reports.workbook import (
    CellValue,
    Column,
    Format,
    Summary,
    Table,
    Workbook,
    write_csv,
    write_workbook,
)

FORMATS = ("xlsx", "csv")


def _group(abo: str | None, rh: str | None) -> str:
    if abo is None and rh is None:
        return ""
    return BloodGroup.from_code(f"{abo or '?'}{rh or '?'}").label


def _sex(sex: str, t: Translator) -> str:
    return t("exp_sex_male") if sex == "male" else t("exp_sex_female")


async def donors_table(session: AsyncSession, scope: Scope, t: Translator) -> Table:
    columns = [
        Column(t("exp_col_name")),
        Column(t("exp_col_phone"), width=15),
        Column(t("exp_col_birth"), Format.DATE, width=12),
        Column(t("exp_col_sex"), width=9),
        Column(t("exp_col_blood"), width=9),
        Column(t("exp_col_ward")),
        Column(t("exp_col_organisation")),
        Column(t("exp_col_donations"), Format.INT, width=10),
        Column(t("exp_col_last_donation"), Format.DATE, width=12),
        Column(t("exp_col_reserve"), width=7),
    ]
    rows: list[list[CellValue]] = []
    async for row in imports.export_rows(session, scope):
        rows.append(
            [
                row.full_name,
                display_phone(row.phone),
                row.date_of_birth,
                _sex(row.sex, t),
                _group(row.blood_abo, row.blood_rh),
                row.ward,
                row.organisation,
                row.count,
                row.last_donation_on,
                t("exp_yes") if row.is_reserve else "",
            ]
        )
    return Table(t("exp_donors_sheet"), columns, rows, landscape=True)


def responders_table(callout_id: int, donors: Sequence[Donor], t: Translator) -> Table:
    columns = [
        Column(t("ros_col_number"), Format.INT, width=5),
        Column(t("exp_col_name")),
        Column(t("exp_col_phone"), width=15),
        Column(t("exp_col_blood"), width=9),
        Column(t("exp_col_ward")),
    ]
    rows: list[list[CellValue]] = [
        [n, d.full_name, display_phone(d.phone), _group(d.blood_abo, d.blood_rh), d.ward]
        for n, d in enumerate(donors, start=1)
    ]
    return Table(t("exp_callout_sheet"), columns, rows, heading=t("exp_callout_heading", id=callout_id))


def honours_tables(
    honours: Sequence[HonourRow], milestones: Sequence[MilestoneRow], year: int, t: Translator
) -> tuple[Table, Table]:
    honour = Table(
        t("exp_honours_sheet"),
        [
            Column(t("ros_col_number"), Format.INT, width=5),
            Column(t("exp_col_name")),
            Column(t("exp_col_ward")),
            Column(t("exp_col_donations"), Format.INT, width=10),
            Column(t("exp_col_earlier"), Format.INT, width=12),
        ],
        [[n, h.full_name, h.ward, h.count, h.earlier] for n, h in enumerate(honours, start=1)],
    )
    reached = Table(
        t("exp_milestones_sheet", year=year),
        [
            Column(t("ros_col_number"), Format.INT, width=5),
            Column(t("exp_col_name")),
            Column(t("exp_col_ward")),
            Column(t("exp_col_milestone"), Format.INT, width=8),
            Column(t("exp_col_donations"), Format.INT, width=10),
        ],
        [[n, m.full_name, m.ward, m.milestone, m.count] for n, m in enumerate(milestones, start=1)],
    )
    return honour, reached


def to_bytes(tables: Sequence[Table], summary: Summary, fmt: str, lang: str) -> bytes:
    """The workbook (a summary sheet, then the tables), or the first table as CSV."""
    buffer = io.BytesIO()
    if fmt == "csv":
        write_csv(buffer, tables[0], lang)
    else:
        write_workbook(buffer, Workbook(summary=summary, sheets=tuple(tables), lang=lang))
    return buffer.getvalue()


def donors_summary(table: Table, scope: Scope, t: Translator) -> Summary:
    return Summary(
        title=t("exp_summary_sheet"),
        heading=t("exp_donors_heading", scope=scope_name(scope, t)),
        paragraph=t("exp_donors_paragraph", rows=len(table.rows)),
    )


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor: str,
    scope: Scope,
    output: str,
    rows: int,
    now: datetime,
    target: str | None = None,
) -> None:
    """Audits an export: who, what, the scope, the form, how many rows (never a name or a phone)."""
    await audit.record(
        session,
        actor=actor,
        action=action,
        target=target,
        details={"scope": scope.text, "format": output, "rows": rows},
        now=now,
    )


@dataclass(frozen=True)
class Export:
    """One list ready to give out, and what its audit entry says (`record_export`)."""

    content: bytes
    filename: str  # the CLI's default file name, the web page's attachment name
    action: str  # export.donors | export.callout | export.honours
    scope: Scope
    output: str  # the format
    rows: int
    target: str | None = None


async def donors_export(session: AsyncSession, scope: Scope, t: Translator, fmt: str) -> Export:
    """The donors of `scope` (the import's own columns: it imports back unchanged)."""
    table = await donors_table(session, scope, t)
    content = to_bytes([table], donors_summary(table, scope, t), fmt, t.lang)
    return Export(content, f"nguoi-hien-mau.{fmt}", "export.donors", scope, fmt, len(table.rows))


async def callout_export(session: AsyncSession, callout_id: int, t: Translator, fmt: str) -> Export | None:
    """Who accepted call-out `callout_id`; None when there is no such call-out."""
    if await session.get(Callout, callout_id) is None:
        return None
    accepted = await callouts.accepted_donors(session, callout_id)
    table = responders_table(callout_id, accepted, t)
    summary = Summary(
        title=t("exp_summary_sheet"),
        heading=t("exp_callout_heading", id=callout_id),
        paragraph=t("exp_callout_paragraph", rows=len(table.rows)),
    )
    return Export(
        to_bytes([table], summary, fmt, t.lang),
        f"khan-cap-{callout_id}.{fmt}",
        "export.callout",
        Scope.area(),
        fmt,
        len(table.rows),
        target=f"callout:{callout_id}",
    )


async def honours_export(
    session: AsyncSession,
    *,
    scope: Scope,
    year: int,
    recognition: RecognitionSettings,
    t: Translator,
    fmt: str,
) -> Export:
    """The honour list and the year's milestones, of the area, a ward or an organisation."""
    ward = scope.name if scope.kind is ScopeKind.WARD else None
    organisation = scope.name if scope.kind is ScopeKind.ORGANISATION else None
    honoured = await honours.honour_list(
        session, more_than=recognition.honour_more_than, ward=ward, organisation=organisation
    )
    reached = await honours.milestones_in_year(
        session, year=year, milestones=recognition.milestones, ward=ward, organisation=organisation
    )
    tables = honours_tables(honoured, reached, year, t)
    summary = Summary(
        title=t("exp_summary_sheet"),
        heading=t("exp_honours_heading", scope=scope_name(scope, t), more_than=recognition.honour_more_than),
        paragraph=t(
            "exp_honours_paragraph",
            rows=len(honoured),
            more_than=recognition.honour_more_than,
            milestones=len(reached),
            year=year,
        ),
    )
    return Export(
        to_bytes(list(tables), summary, fmt, t.lang),
        f"vinh-danh-{year}.{fmt}",
        "export.honours",
        scope,
        fmt,
        len(honoured) + len(reached),
        target=f"year:{year}",
    )


async def record_export(session: AsyncSession, export: Export, *, actor: str, now: datetime) -> None:
    """The export's audit entry (`record`)."""
    await record(
        session,
        action=export.action,
        actor=actor,
        scope=export.scope,
        output=export.output,
        rows=export.rows,
        now=now,
        target=export.target,
    )
