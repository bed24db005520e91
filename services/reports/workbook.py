"""The year-end workbook (.xlsx) and CSV tables, from plain values: a summary sheet, tables, pictures.

The caller describes the book with the dataclasses below (texts from the catalogs, numbers as numbers);
this module lays it out: bold headers, column widths, number formats, A4 pages fitted to the width with the
header row repeated on every page, the charts as pictures.

Number formats are Excel's codes ("#,##0", "0.0%"), which Excel and LibreOffice show with the reader's own
separators: a Vietnamese Excel shows 1.440 and 142,5%. Values stay numbers, so a committee can sum them.

Formula injection (OWASP "CSV injection"): a text from a donor or an organiser ("=HYPERLINK(…)", "+84…",
"-", "@SUM(…)") must never become a formula, whoever opens the file.
- XLSX: a text cell that starts with = + - @ tab or CR (or their full-width forms, which some Excel versions
  read as the ASCII ones) is written as a string (`data_type "s"`, never `<f>`) with the quote prefix on
  (`quotePrefix`, Excel's own "'" typed before a value). The person sees exactly what was typed — a phone
  "+84912345678" reads as that phone, not "'+84912345678" — and editing the cell keeps it text, where a
  plain string would be read as a formula once the cell is edited and confirmed. A literal apostrophe in
  the value would show in every reader, so it is not added to XLSX.
- CSV has no types: such a text is written with a leading "'" as OWASP recommends (Excel hides it when it
  opens the file and shows the rest as text; other readers show it).
Characters XML cannot hold (control characters other than tab, newline and CR) are left out of a text.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import IO

from openpyxl import Workbook as XlsxBook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.drawing.image import Image as XlsxImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from services.reports.numbers import fmt_decimal, fmt_percent

CellValue = str | int | float | date | None
Target = str | os.PathLike[str] | IO[bytes]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of what `write_workbook` writes (a chat file's type)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
_ROW_PX = 20  # a default row: 15 pt
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


class Format(StrEnum):
    """How a column's (or a fact's) numbers are shown."""

    TEXT = "text"
    INT = "int"  # 1.440
    DECIMAL = "decimal"  # 52,5
    PERCENT = "percent"  # a share 1.425 shown as 142,5%
    DATE = "date"


_NUMBER_FORMATS = {Format.INT: "#,##0", Format.DECIMAL: "#,##0.0", Format.PERCENT: "0.0%"}
_DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "d mmm yyyy"}


@dataclass(frozen=True)
class Column:
    header: str
    format: Format = Format.TEXT
    width: float | None = None  # in characters; None: from the header and the values


@dataclass(frozen=True)
class Picture:
    """A PNG (a chart) placed on a sheet, shown at `scale` of its pixel size."""

    png: bytes
    scale: float = 0.6


@dataclass(frozen=True)
class Fact:
    """One line of the summary's key/value table; `format` None: from the value (int → 1.440)."""

    label: str
    value: CellValue
    format: Format | None = None


@dataclass(frozen=True)
class Summary:
    """The first sheet: a heading, the paragraph a committee pastes into its year report, the key figures."""

    title: str
    heading: str
    paragraph: str
    facts: Sequence[Fact] = ()
    pictures: Sequence[Picture] = ()


@dataclass(frozen=True)
class Table:
    """A sheet of rows under a header row (and a heading above it, when given); pictures go below."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[CellValue]]
    heading: str | None = None
    pictures: Sequence[Picture] = ()
    landscape: bool = False


@dataclass(frozen=True)
class Pictures:
    """A sheet of charts only, one below the other."""

    title: str
    pictures: Sequence[Picture]
    heading: str | None = None


@dataclass(frozen=True)
class Workbook:
    summary: Summary
    sheets: Sequence[Table | Pictures] = field(default_factory=tuple)
    lang: str = "vi"  # the date format: 03/08/2021 or 3 Aug 2021


def write_workbook(target: Target, workbook: Workbook) -> None:
    """Writes the .xlsx to a path or a binary stream (the CLI's file, a chat upload's buffer)."""
    book = XlsxBook()
    book.properties.creator = "donorbot"
    titles = _SheetTitles()
    first = book.active
    assert isinstance(first, Worksheet)  # a new workbook has one sheet
    _summary(first, workbook.summary, titles, workbook.lang)
    for sheet in workbook.sheets:
        ws = book.create_sheet()
        if isinstance(sheet, Table):
            _table(ws, sheet, titles, workbook.lang)
        else:
            ws.title = titles.take(sheet.title)
            row = _heading(ws, sheet.heading, width=1)
            _place(ws, sheet.pictures, row)
            _print_setup(ws, header_row=None, landscape=True)
    book.save(os.fspath(target) if isinstance(target, str | os.PathLike) else target)


def write_csv(target: Target, table: Table, lang: str = "vi") -> None:
    """The table as CSV: UTF-8 with a BOM (so Excel reads Vietnamese right), comma-separated, the header
    first; counts plain (1440), dates ISO (2021-08-03), risky texts prefixed with "'". Shares and decimals
    are written as the report writes them ("142,5 %", "52,5"): a plain 1.425 would be read as 1425 by a
    spreadsheet set to Vietnamese, where "." groups thousands.
    """
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as stream:
            write_csv(stream, table, lang)
        return
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([_csv_value(column.header) for column in table.columns])
        formats = [column.format for column in table.columns]
        writer.writerows(
            [_csv_value(value, fmt, lang) for value, fmt in zip(row, formats, strict=False)]
            for row in table.rows
        )
        text.flush()
    finally:
        text.detach()  # the caller's stream stays open


def neutralise_csv(text: str) -> str:
    """A text as it must go into a CSV field: "'" before a would-be formula (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _summary(ws: Worksheet, summary: Summary, titles: _SheetTitles, lang: str) -> None:
    ws.title = titles.take(summary.title)
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 22
    row = _heading(ws, summary.heading, width=2)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    paragraph = _cell(ws, row=row, column=1)
    _set(paragraph, summary.paragraph, Format.TEXT, lang)
    paragraph.alignment = Alignment(wrap_text=True, vertical="top")
    # Excel does not grow a merged cell to fit its text: the height is estimated (70 characters a line).
    lines = sum(max(1, math.ceil(len(line) / 70)) for line in summary.paragraph.split("\n"))
    ws.row_dimensions[row].height = 15 * lines + 4
    row += 2
    for fact in summary.facts:
        _set(_cell(ws, row=row, column=1), fact.label, Format.TEXT, lang)
        _set(_cell(ws, row=row, column=2), fact.value, fact.format or _format_of(fact.value), lang)
        row += 1
    _place(ws, summary.pictures, row + 1)
    _print_setup(ws, header_row=None, landscape=False)


def _table(ws: Worksheet, table: Table, titles: _SheetTitles, lang: str) -> None:
    ws.title = titles.take(table.title)
    header_row = _heading(ws, table.heading, width=len(table.columns)) if table.heading else 1
    for col, column in enumerate(table.columns, start=1):
        cell = _cell(ws, row=header_row, column=col)
        _set(cell, column.header, Format.TEXT, lang)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = column.width or _width(
            column, table.rows, col - 1
        )
    for r, values in enumerate(table.rows, start=header_row + 1):
        for col, (column, value) in enumerate(zip(table.columns, values, strict=True), start=1):
            _set(_cell(ws, row=r, column=col), value, column.format, lang)
    last_row = header_row + len(table.rows)
    if table.columns:
        ws.freeze_panes = f"A{header_row + 1}"
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last_row}"
    _place(ws, table.pictures, last_row + 2)
    _print_setup(ws, header_row=header_row if table.columns else None, landscape=table.landscape)


def _heading(ws: Worksheet, heading: str | None, width: int) -> int:
    """The sheet's heading in row 1, bold; returns the first row after it (and a blank row)."""
    if not heading:
        return 1
    cell = _cell(ws, row=1, column=1)
    _set(cell, heading, Format.TEXT, "vi")
    cell.font = Font(bold=True, size=14)
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    return 3


def _cell(ws: Worksheet, row: int, column: int) -> Cell:
    """A cell to write (a merged range's first cell is one; the others are written nowhere)."""
    cell = ws.cell(row=row, column=column)
    assert isinstance(cell, Cell), f"{cell.coordinate} is inside a merged range"
    return cell


def _set(cell: Cell, value: CellValue, fmt: Format, lang: str) -> None:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        if text.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # openpyxl made it a formula ("=…"): it is text
            cell.quotePrefix = True
        return
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("a workbook holds local times: pass a naive datetime")
    cell.value = value
    if isinstance(value, date):
        pattern = _DATE_FORMATS.get(lang, _DATE_FORMATS["en"])
        cell.number_format = pattern + " hh:mm" if isinstance(value, datetime) else pattern
    elif isinstance(value, int | float) and fmt in _NUMBER_FORMATS:
        cell.number_format = _NUMBER_FORMATS[fmt]


def _format_of(value: CellValue) -> Format:
    if isinstance(value, int):
        return Format.INT
    if isinstance(value, float):
        return Format.DECIMAL
    if isinstance(value, date):
        return Format.DATE
    return Format.TEXT


def _width(column: Column, rows: Sequence[Sequence[CellValue]], index: int) -> float:
    """Characters wide enough for the header and the first 500 values, within 8 and 60."""
    longest = len(column.header)
    for row in rows[:500]:
        value = row[index]
        if isinstance(value, date):
            size = 16 if isinstance(value, datetime) else 10
        elif isinstance(value, int | float) and not isinstance(value, bool):
            size = len(f"{value:,.1f}") if column.format is not Format.INT else len(f"{value:,.0f}")
        else:
            size = max((len(line) for line in str(value or "").split("\n")), default=0)
        longest = max(longest, size)
    return float(min(60, max(8, longest + 2)))


def _place(ws: Worksheet, pictures: Sequence[Picture], row: int) -> None:
    """Pictures one below the other from `row`, column A."""
    for picture in pictures:
        image = XlsxImage(io.BytesIO(picture.png))
        image.width = round(image.width * picture.scale)
        image.height = round(image.height * picture.scale)
        ws.add_image(image, f"A{row}")
        row += math.ceil(image.height / _ROW_PX) + 1


def _print_setup(ws: Worksheet, header_row: int | None, landscape: bool) -> None:
    """A4, fitted to the page width (as many pages down as it takes), the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _csv_value(value: CellValue, fmt: Format = Format.TEXT, lang: str = "vi") -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if fmt is Format.PERCENT:
            return fmt_percent(value, lang)
        if fmt is Format.DECIMAL or isinstance(value, float):
            return fmt_decimal(value, lang)
    if isinstance(value, str):
        return neutralise_csv(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _SheetTitles:
    """Sheet names Excel accepts: at most 31 characters, none of []:*?/\\, unique whatever the case."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, wanted: str) -> str:
        base = " ".join(wanted.translate(_SHEET_TITLE_FORBIDDEN).split()).strip("'") or "Sheet"
        title = base[:SHEET_TITLE_MAX]
        n = 2
        while title.casefold() in self._taken:
            suffix = f" ({n})"
            title = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
            n += 1
        self._taken.add(title.casefold())
        return title
