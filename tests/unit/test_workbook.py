"""The year-end workbook and CSV: what a committee sees when it opens them; no formula from anyone's text."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook as PlainBook
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from services.reports.charts import ChartText, RepeatShare, repeat_share_chart
from services.reports.workbook import (
    Column,
    Fact,
    Format,
    Picture,
    Pictures,
    Summary,
    Table,
    Workbook,
    write_csv,
    write_workbook,
)

PARAGRAPH = (
    "Năm 2021, Ban chỉ đạo vận động hiến máu tình nguyện thành phố đã tổ chức 12 đợt hiến máu, "
    "hơn 1.600 người đăng ký, thu về 1.440 đơn vị máu, đạt 142,5 % chỉ tiêu tỉnh giao."
)
WARDS = Table(
    title="Theo phường/xã",
    heading="Kết quả theo phường, xã năm 2021",
    columns=[
        Column("Phường, xã"),
        Column("Đơn vị máu", Format.INT),
        Column("Chỉ tiêu", Format.INT),
        Column("Đạt", Format.PERCENT),
        Column("Đợt gần nhất", Format.DATE),
    ],
    rows=[
        ["Phường Đông Vệ", 1440, 1010, 1.4257, date(2021, 12, 5)],
        ["Phường Điện Biên", 67, 100, 0.67, None],
        ["Xã Quảng Thịnh", 0, None, None, date(2021, 3, 14)],
    ],
)
HONOUR = Table(
    title="Vinh danh",
    columns=[Column("Họ tên"), Column("Điện thoại"), Column("Số lần", Format.INT), Column("Ghi chú")],
    rows=[
        ["Nguyễn Thị Hằng", "+84912345678", 16, "=1+1"],
        ["@SUM(A1:A9)", "-", 21, '=HYPERLINK("http://evil.example","bấm")'],
        ["\tTab đầu", "\rCR đầu", 18, "＝1+1"],
        ["Trần Văn Mười", "0912 345 678", 17, "ổn: 5-3=2 +"],
    ],
)


def book(*sheets: Table | Pictures, facts: tuple[Fact, ...] = ()) -> Workbook:
    summary = Summary(
        title="Tổng kết", heading="Tổng kết công tác HMTN năm 2021", paragraph=PARAGRAPH, facts=facts
    )
    return Workbook(summary=summary, sheets=sheets)


def reopen(workbook: Workbook) -> tuple[bytes, dict[str, Worksheet]]:
    out = io.BytesIO()
    write_workbook(out, workbook)
    data = out.getvalue()
    opened = load_workbook(io.BytesIO(data))
    return data, {ws.title: ws for ws in opened.worksheets}


def test_the_summary_sheet_has_the_heading_paragraph_and_key_figures() -> None:
    facts = (
        Fact("Đơn vị máu", 1440),
        Fact("Chỉ tiêu", 1010),
        Fact("Đạt", 1.4257, Format.PERCENT),
        Fact("Ngày tổng kết", date(2021, 12, 30)),
        Fact("Ghi chú", None),
    )
    _, sheets = reopen(book(facts=facts))
    ws = sheets["Tổng kết"]
    assert ws["A1"].value == "Tổng kết công tác HMTN năm 2021"
    assert ws["A1"].font.b
    assert ws["A3"].value == PARAGRAPH
    assert ws["A3"].alignment.wrap_text
    got = [(row[0].value, row[1].value, row[1].number_format) for row in ws.iter_rows(min_row=5, max_col=2)]
    assert got == [
        ("Đơn vị máu", 1440, "#,##0"),
        ("Chỉ tiêu", 1010, "#,##0"),
        ("Đạt", 1.4257, "0.0%"),
        ("Ngày tổng kết", datetime(2021, 12, 30), "dd/mm/yyyy"),
        ("Ghi chú", None, "General"),
    ]


def test_a_table_sheet_reads_back_with_numbers_percents_and_dates() -> None:
    _, sheets = reopen(book(WARDS))
    ws = sheets["Theo phường xã"]  # "/" is not allowed in a sheet name
    assert ws["A1"].value == "Kết quả theo phường, xã năm 2021"
    assert [c.value for c in ws[3]] == ["Phường, xã", "Đơn vị máu", "Chỉ tiêu", "Đạt", "Đợt gần nhất"]
    assert all(c.font.b for c in ws[3])
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows == [
        ["Phường Đông Vệ", 1440, 1010, 1.4257, datetime(2021, 12, 5)],
        ["Phường Điện Biên", 67, 100, 0.67, None],
        ["Xã Quảng Thịnh", 0, None, None, datetime(2021, 3, 14)],
    ]
    assert ws["B4"].number_format == "#,##0"  # a Vietnamese Excel shows 1.440
    assert ws["D4"].number_format == "0.0%"  # … and 142,6%
    assert ws["E4"].is_date and ws["E4"].number_format == "dd/mm/yyyy"
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:E6"


def test_pages_are_a4_fitted_to_the_width_with_the_header_row_repeated() -> None:
    _, sheets = reopen(book(WARDS, HONOUR))
    for title, header in (("Theo phường xã", 3), ("Vinh danh", 1)):
        ws = sheets[title]
        assert int(ws.page_setup.paperSize or 0) == 9  # A4 in the OOXML paper codes
        assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth or 0) == 1
        assert int(ws.page_setup.fitToHeight or 0) == 0  # as many pages down as needed
        assert ws.print_title_rows == f"${header}:${header}"


def test_texts_that_look_like_formulas_stay_the_texts_people_typed() -> None:
    data, sheets = reopen(book(HONOUR))
    ws = sheets["Vinh danh"]
    seen = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    # What a person sees: exactly what was typed, the phone as the phone, no result of any formula
    # (XML reads a lone CR as a line end, so the CR comes back as a newline).
    assert seen == [
        ["Nguyễn Thị Hằng", "+84912345678", 16, "=1+1"],
        ["@SUM(A1:A9)", "-", 21, '=HYPERLINK("http://evil.example","bấm")'],
        ["\tTab đầu", "\nCR đầu", 18, "＝1+1"],
        ["Trần Văn Mười", "0912 345 678", 17, "ổn: 5-3=2 +"],
    ]
    risky = ["B2", "D2", "A3", "B3", "D3", "A4", "B4", "D4"]
    for ref in risky:
        assert ws[ref].data_type == "s", ref
        assert ws[ref].quotePrefix, ref  # Excel's "'": stays text even when the cell is edited
    for ref in ("A2", "A5", "B5", "D5"):  # ordinary texts are left alone
        assert not ws[ref].quotePrefix, ref
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_plain_openpyxl_would_have_written_a_formula() -> None:
    # Why the neutralising is needed: openpyxl takes a text starting with "=" for a formula.
    plain = PlainBook()
    ws = plain.active
    assert isinstance(ws, Worksheet)
    ws["A1"] = "=1+1"
    out = io.BytesIO()
    plain.save(out)
    assert b"<f>1+1</f>" in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")


def test_control_characters_xml_cannot_hold_are_left_out() -> None:
    table = Table("Ghi chú", [Column("Ghi chú")], [["Mười\x0bhai\x00 lần"]])
    _, sheets = reopen(book(table))
    assert sheets["Ghi chú"]["A2"].value == "Mườihai lần"


def test_sheet_names_are_made_valid_and_unique() -> None:
    long = "Kết quả theo cơ quan, đơn vị, trường học năm 2021"
    tables = [
        Table(long, [Column("a")], []),
        Table(long, [Column("a")], []),
        Table("tổng KẾT", [Column("a")], []),
    ]
    _, sheets = reopen(book(*tables))
    assert list(sheets) == [
        "Tổng kết",
        "Kết quả theo cơ quan, đơn vị, t",  # 31 characters
        "Kết quả theo cơ quan, đơn v (2)",
        "tổng KẾT (2)",  # Excel's names ignore case
    ]


def test_charts_are_placed_as_pictures() -> None:
    text = ChartText("Tỷ lệ hiến máu nhắc lại", "Chưa có số liệu")
    png = repeat_share_chart(
        RepeatShare(text, [(2020, 0.55), (2021, 0.61)], 0.7, "Nhắc lại", "Mục tiêu"), "vi"
    )
    charts = Pictures("Biểu đồ", [Picture(png), Picture(png, scale=0.5)])
    data, sheets = reopen(book(charts, WARDS))
    names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/media/")]
    assert len(names) == 2
    images = sheets["Biểu đồ"]._images  # type: ignore[attr-defined]
    # shown at the scale asked for (the picture itself keeps its 1200×700 px); 9525 EMU a pixel
    shown = [(image.anchor.ext.width // 9525, image.anchor.ext.height // 9525) for image in images]
    assert shown == [(720, 420), (600, 350)]
    # the second one below the first: 420 px is 21 rows of 20 px, and a blank row
    assert [image.anchor._from.row for image in images] == [0, 22]


def test_write_to_a_path(tmp_path: Path) -> None:
    path = tmp_path / "tong-ket-2021.xlsx"
    write_workbook(path, book(WARDS))
    assert load_workbook(path)["Theo phường xã"]["A4"].value == "Phường Đông Vệ"


def test_a_timezone_aware_time_is_refused() -> None:

    table = Table("Giờ", [Column("Giờ", Format.DATE)], [[datetime(2021, 1, 1, 8, tzinfo=UTC)]])
    with pytest.raises(ValueError, match="naive"):
        write_workbook(io.BytesIO(), book(table))


def test_csv_round_trip_with_a_bom_and_neutralised_texts(tmp_path: Path) -> None:
    path = tmp_path / "vinh-danh.csv"
    write_csv(path, HONOUR)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8: "Nguyễn", not "Nguyá»…n"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["Họ tên", "Điện thoại", "Số lần", "Ghi chú"],
        ["Nguyễn Thị Hằng", "'+84912345678", "16", "'=1+1"],
        ["'@SUM(A1:A9)", "'-", "21", '\'=HYPERLINK("http://evil.example","bấm")'],
        ["'\tTab đầu", "'\rCR đầu", "18", "'＝1+1"],
        ["Trần Văn Mười", "0912 345 678", "17", "ổn: 5-3=2 +"],
    ]


def test_csv_counts_plain_shares_as_written_dates_iso_and_the_stream_left_open() -> None:
    out = io.BytesIO()
    write_csv(out, WARDS)
    assert not out.closed
    text = out.getvalue().decode("utf-8-sig")
    assert text.split("\r\n") == [
        '"Phường, xã",Đơn vị máu,Chỉ tiêu,Đạt,Đợt gần nhất',
        'Phường Đông Vệ,1440,1010,"142,5 %",2021-12-05',  # never 1.4257: Vietnamese Excel reads 14257
        "Phường Điện Biên,67,100,67 %,",
        "Xã Quảng Thịnh,0,,,2021-03-14",
        "",
    ]
