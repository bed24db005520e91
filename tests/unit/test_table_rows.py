"""A roster's rows as HTML: one escaping pass gives exactly the markup of escaping every cell, whatever the
cells hold (markup, quotes, the separators the fast path joins with)."""

from __future__ import annotations

from markupsafe import escape

from bot.web.pages import table_rows


def _cell_by_cell(rows: list[list[object]]) -> str:
    cells = "</td><td>"
    return "\n".join("<tr><td>" + cells.join(escape(c) for c in row) + "</td></tr>" for row in rows)


def test_rows_are_the_markup_of_each_cell_escaped() -> None:
    rows: list[list[object]] = [
        [1, 'Lan <img src=x onerror="alert(1)"> & Co', "0912 345 678", "07:00", "có", "", "Đã đăng ký", ""],
        [2, "Nguyễn Văn An", "+84 912 345 679", "07:30", "", "có", "Đã hiến", ""],
    ]
    got = str(table_rows(rows))
    assert got == _cell_by_cell(rows)
    assert "<img" not in got and got.count("<tr>") == 2 and got.count("<td>") == 16


def test_a_cell_holding_a_separator_does_not_move_the_cells_after_it() -> None:
    rows: list[list[object]] = [[1, "An\x1fB\x1eC", "0912"], [2, "Bình", "0913"]]
    got = str(table_rows(rows))
    assert got == _cell_by_cell(rows)
    assert got.count("<td>") == 6


def test_no_rows_no_markup() -> None:
    assert str(table_rows([])) == ""
