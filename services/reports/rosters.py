"""A drive day's roster worded and laid out: the short chat message, the A4 sheet, the list to call, and
the audit entry every roster given out leaves.

Shared by /danhsach and `donorbot roster`, so the chat and the command line print the same list. The
sheet goes through `workbook` (formula-like names and "+84…" phones stay text); the texts come from the
catalogs (`ros_*`), so the sheet's headers are Vietnamese for a Vietnamese organiser.

The audit entry names who, which day, what form and how many rows: never a name or a phone.
"""

from __future__ import annotations

import io
from datetime import datetime, time, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from domain.figures import Scope, ScopeKind
from models import audit
from models.rosters import Roster, RosterRow
from services.reports.workbook import (
    XLSX_MIME,
    CellValue,
    Column,
    Format,
    Summary,
    Table,
    Workbook,
    write_csv,
    write_workbook,
)

XLSX = XLSX_MIME


def scope_name(scope: Scope, t: Translator) -> str:
    if scope.kind is ScopeKind.WARD:
        return t("rep_scope_ward", name=scope.name)
    if scope.kind is ScopeKind.ORGANISATION:
        return t("rep_scope_organisation", name=scope.name)
    return t("rep_scope_area")


def heading(roster: Roster, t: Translator) -> str:
    """ "Danh sách đăng ký buổi hiến máu số 3 — 07/08/2020, Nhà văn hóa Tam Lưu (Phường/xã Tam Lưu)"."""
    day = roster.day
    key = "ros_heading_no_shows" if roster.no_shows_only else "ros_heading"
    return t(
        key,
        id=day.id,
        date=t.date(day.day),
        place=day.place,
        scope=scope_name(roster.scope, t),
    )


def summary_text(roster: Roster, t: Translator) -> str:
    """The chat's short message: counts per slot and how many came; no names."""
    lines = [heading(roster, t)]
    if roster.day.status == "cancelled":
        lines.append(t("ros_day_cancelled"))
    if not roster.rows:
        lines.append(t("ros_nobody"))
        return "\n".join(lines)
    lines.append(t("ros_totals", booked=len(roster.rows), came=roster.checked_in))
    lines += [
        t("ros_slot_line", slot=f"{slot:%H:%M}", booked=n, came=came) for slot, n, came in roster.per_slot()
    ]
    return "\n".join(lines)


def _flags(row: RosterRow, t: Translator) -> str:
    marks = [t("ros_flag_reserve")] if row.reserve else []
    if row.first_time:
        marks.append(t("ros_flag_first"))
    return ", ".join(marks)


def status_text(row: RosterRow, t: Translator, tz: tzinfo) -> str:
    text = t(f"ros_status_{row.status}")
    if row.checked_in_at is not None:
        return t("ros_status_at", status=text, time=f"{row.checked_in_at.astimezone(tz):%H:%M}")
    return text


def list_text(roster: Roster, t: Translator, tz: tzinfo, *, limit: int | None = None) -> str:
    """The people themselves, one line each ("07:00 · Nguyễn Văn An · 0912 345 678 · dự bị"), cut to
    `limit` characters with a line saying how many more there are (Zalo, where no file can go)."""
    head = heading(roster, t)
    if roster.day.status == "cancelled":
        head += "\n" + t("ros_day_cancelled")
    if not roster.rows:
        return "\n".join((head, t("ros_nobody_no_shows" if roster.no_shows_only else "ros_nobody")))
    lines: list[str] = []
    for row in roster.rows:
        parts = [f"{row.slot:%H:%M}", row.name, row.phone, _flags(row, t)]
        if not roster.no_shows_only:
            parts.append(status_text(row, t, tz))
        lines.append(" · ".join(p for p in parts if p))
    total = "\n".join([head, *lines])
    if limit is None or len(total) <= limit:
        return total
    kept = [head]
    for n, line in enumerate(lines):
        more = t("ros_more", count=len(lines) - n)
        if len("\n".join([*kept, line, more])) > limit:
            return "\n".join([*kept, t("ros_more", count=len(lines) - n)])
        kept.append(line)
    return "\n".join(kept)  # pragma: no cover - the whole text fitted, returned above


def table(roster: Roster, t: Translator, tz: tzinfo) -> Table:
    """The printable sheet: one row per sign-up, a column left for the signature at the desk."""
    columns = [
        Column(t("ros_col_number"), Format.INT, width=5),
        Column(t("ros_col_name")),
        Column(t("ros_col_phone"), width=15),
        Column(t("ros_col_slot"), width=8),
        Column(t("ros_col_reserve"), width=8),
        Column(t("ros_col_first"), width=10),
        Column(t("ros_col_status")),
        Column(t("ros_col_sign"), width=14),
    ]
    yes = t("ros_yes")
    # A roster has a few slots, statuses and check-in minutes: each worded once, not once per row (a
    # 500-person sheet's catalog look-ups were a fifth of its page's time; bench/web.py).
    slots: dict[time, str] = {}
    statuses: dict[tuple[str, datetime | None], str] = {}
    rows: list[list[CellValue]] = []
    for n, row in enumerate(roster.rows, start=1):
        _, name, phone, slot_at, reserve, first, status_of, checked_in = row
        slot = slots.get(slot_at)
        if slot is None:
            slot = slots[slot_at] = f"{slot_at:%H:%M}"
        at = checked_in.replace(second=0, microsecond=0) if checked_in is not None else None
        status = statuses.get((status_of, at))
        if status is None:
            status = statuses[status_of, at] = status_text(row, t, tz)
        rows.append([n, name, phone, slot, yes if reserve else "", yes if first else "", status, ""])
    return Table(t("ros_sheet"), columns, rows, heading=heading(roster, t))


def workbook(roster: Roster, t: Translator, tz: tzinfo) -> Workbook:
    return Workbook(
        summary=Summary(
            title=t("ros_summary_sheet"),
            heading=heading(roster, t),
            paragraph=summary_text(roster, t),
        ),
        sheets=(table(roster, t, tz),),
        lang=t.lang,
    )


def xlsx_bytes(roster: Roster, t: Translator, tz: tzinfo) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, workbook(roster, t, tz))
    return buffer.getvalue()


def csv_bytes(roster: Roster, t: Translator, tz: tzinfo) -> bytes:
    buffer = io.BytesIO()
    write_csv(buffer, table(roster, t, tz), t.lang)
    return buffer.getvalue()


def filename(roster: Roster, extension: str) -> str:
    kind = "vang-mat" if roster.no_shows_only else "danh-sach"
    return f"{kind}-buoi-{roster.day.id}-{roster.day.day.isoformat()}.{extension}"


async def record(session: AsyncSession, roster: Roster, *, actor: str, output: str, now: datetime) -> None:
    """Audits a roster given out: who, which day, which scope, what form, how many rows."""
    await audit.record(
        session,
        actor=actor,
        action="roster.no_shows" if roster.no_shows_only else "roster.export",
        target=f"drive_day:{roster.day.id}",
        details={"scope": roster.scope.text, "format": output, "rows": len(roster.rows)},
        now=now,
    )
