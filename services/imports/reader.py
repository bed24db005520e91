"""A spreadsheet read as a stream of rows: .xlsx with openpyxl's read-only mode (one row in memory at a
time), .csv with the csv module (UTF-8 with or without a BOM, "," or ";" between fields, sniffed from the
header line). Chosen by the file's extension.

Cells come out as `str` (stripped, through `clean_input` as a chat message is), `int`, `float`, `date` or
None; a datetime is its date. A text that `services.reports.workbook` neutralised for a CSV ("'+84…",
"'=…") gets its apostrophe back off, so an exported list reads back as what it was.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from domain.text import clean_input
from services.reports.workbook import FORMULA_STARTS

Cell = str | int | float | date | None
Row = tuple[int, Sequence[Cell]]  # (the row's number in the file, 1 for the first line), its cells

EXTENSIONS = (".xlsx", ".csv")
_HEADER_SEARCH = 10  # rows of a sheet looked at for its header row (a heading may be above it)


class FileUnreadable(Exception):
    """The file is not a spreadsheet this reads; the message says why (English, for the CLI)."""


@dataclass
class Table:
    """The header row (its number and cells) and an iterator over the rows under it."""

    header_row: int
    header: Sequence[Cell]
    rows: Iterator[Row]


def cell(value: object) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, int | float):
        return value
    text = " ".join(clean_input(str(value)).split())
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text or None


def _blank(cells: Sequence[Cell]) -> bool:
    return all(c is None for c in cells)


@contextmanager
def open_table(path: Path, is_header: Callable[[Sequence[Cell]], bool]) -> Iterator[Table]:
    """The first sheet (of a workbook) with a row `is_header` accepts within its first rows; for a CSV,
    its first non-blank line. Raises `FileUnreadable`."""
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise FileUnreadable(f"{path.name}: not a .xlsx or .csv file")
    if not path.is_file():
        raise FileUnreadable(f"{path}: no such file")
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as stream:
            yield _csv_table(stream, path, is_header)
        return
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise FileUnreadable(f"{path.name}: not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        yield _xlsx_table(book, is_header)
    finally:
        book.close()


def _csv_table(stream: io.TextIOBase, path: Path, is_header: Callable[[Sequence[Cell]], bool]) -> Table:
    """The header is the first line `is_header` accepts within the first lines (a title may be above it),
    else the first non-blank line; the separator is the one the first lines use most."""
    first_lines: list[str] = []
    try:
        for line in stream:
            first_lines.append(line)
            if len(first_lines) >= _HEADER_SEARCH:
                break
    except UnicodeDecodeError:
        raise FileUnreadable(f"{path.name}: not UTF-8 text (save the CSV as UTF-8)") from None
    head = "".join(first_lines)
    delimiter = max((";", ",", "\t"), key=head.count) if any(d in head for d in ";,\t") else ","
    reader = csv.reader(itertools.chain(first_lines, stream), delimiter=delimiter)
    seen: list[Row] = []
    header: Row | None = None
    try:
        for values in reader:
            cells = [cell(value) for value in values]
            if _blank(cells):
                continue
            seen.append((reader.line_num, cells))
            if is_header(cells):
                header = seen.pop()
                seen = []  # a title above the header is not a row
                break
            if reader.line_num >= _HEADER_SEARCH:
                break
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FileUnreadable(f"{path.name}: not a readable CSV file ({type(exc).__name__})") from None
    if header is None:
        if not seen:
            raise FileUnreadable(f"{path.name}: the file is empty")
        header, seen = seen[0], seen[1:]

    def rows() -> Iterator[Row]:
        yield from seen
        line = reader.line_num
        try:
            for values in reader:
                line = reader.line_num
                cells = [cell(value) for value in values]
                if not _blank(cells):
                    yield line, cells
        except UnicodeDecodeError:
            raise FileUnreadable(f"{path.name}: not UTF-8 text after line {line}") from None
        except csv.Error as exc:
            raise FileUnreadable(f"{path.name}: line {line}: {exc}") from None

    return Table(header[0], header[1], rows())


def _xlsx_table(book: object, is_header: Callable[[Sequence[Cell]], bool]) -> Table:
    from openpyxl.workbook.workbook import Workbook

    assert isinstance(book, Workbook)
    first: Table | None = None
    for sheet in book.worksheets:
        values = sheet.iter_rows(values_only=True)
        for number, raw in enumerate(values, start=1):
            cells = [cell(value) for value in raw]
            if _blank(cells):
                if number >= _HEADER_SEARCH:
                    break
                continue
            table = Table(number, cells, _xlsx_rows(values, number))
            if is_header(cells):
                return table
            first = first or table
            if number >= _HEADER_SEARCH:
                break
    if first is None:
        raise FileUnreadable("the workbook has no rows")
    return first


def _xlsx_rows(values: Iterator[tuple[object, ...]], header_row: int) -> Iterator[Row]:
    for number, raw in enumerate(values, start=header_row + 1):
        cells = [cell(value) for value in raw]
        if not _blank(cells):
            yield number, cells
