"""The report charts: PNGs of a fixed size, every Vietnamese letter drawn, empty data drawn, stable bytes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from services.reports.charts import (
    ChartText,
    Progress,
    Quotas,
    RepeatShare,
    Reserve,
    progress_chart,
    quota_chart,
    repeat_share_chart,
    reserve_chart,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VI_TEXT = ChartText(
    title="Tiến độ thu máu — Hành trình Đỏ",
    no_data="Chưa có số liệu",
    x_label="Ngày",
    y_label="Đơn vị máu (cộng dồn)",
)


def progress(daily: list[tuple[date, int]], text: ChartText = VI_TEXT) -> Progress:
    return Progress(text, daily, target=1010, actual_label="Đã thu", target_label="Chỉ tiêu")


def quotas(rows: list[tuple[str, int, int | None]]) -> Quotas:
    text = ChartText("Đơn vị máu theo phường so với chỉ tiêu", "Chưa có số liệu", x_label="Đơn vị máu")
    return Quotas(text, rows, actual_label="Đã thu", quota_label="Chỉ tiêu")


def reserve(rows: list[tuple[str, int, int | None]]) -> Reserve:
    text = ChartText("Lực lượng dự bị theo nhóm máu", "Chưa có số liệu", y_label="Người")
    return Reserve(text, rows, reserve_label="Dự bị", ready_label="Sẵn sàng khi cấp cứu")


def repeat(rows: list[tuple[int, float]]) -> RepeatShare:
    text = ChartText("Tỷ lệ hiến máu nhắc lại theo năm", "Chưa có số liệu")
    return RepeatShare(text, rows, target=0.7, share_label="Nhắc lại", target_label="Mục tiêu 70 %")


CAMPAIGN = [(date(2021, 6, 1), 120), (date(2021, 6, 4), 80), (date(2021, 6, 7), 1240)]
WARDS: list[tuple[str, int, int | None]] = [
    ("Phường Đông Vệ", 120, 100),
    ("Phường Điện Biên", 67, 100),
    ("Xã Quảng Thịnh", 15, None),
    ("Trường THPT Hàm Rồng", 203, 150),
]
GROUPS: list[tuple[str, int, int | None]] = [("O+", 420, 60), ("A+", 310, 40), ("AB−", 1, None)]
YEARS = [(2019, 0.48), (2020, 0.552), (2021, 0.61)]

CHARTS = {
    "progress": lambda: progress_chart(progress(CAMPAIGN), "vi"),
    "quotas": lambda: quota_chart(quotas(WARDS), "vi"),
    "reserve": lambda: reserve_chart(reserve(GROUPS), "vi"),
    "repeat": lambda: repeat_share_chart(repeat(YEARS), "vi"),
    "progress_en": lambda: progress_chart(progress(CAMPAIGN), "en"),
    "progress_one_day": lambda: progress_chart(progress(CAMPAIGN[:1]), "vi"),
    "quotas_no_quota": lambda: quota_chart(quotas([("Phường Lam Sơn", 0, None)]), "vi"),
    "reserve_no_ready": lambda: reserve_chart(reserve([("O+", 3, None)]), "vi"),
    "progress_empty": lambda: progress_chart(progress([]), "vi"),
    "quotas_empty": lambda: quota_chart(quotas([]), "vi"),
    "reserve_empty": lambda: reserve_chart(reserve([]), "vi"),
    "repeat_empty": lambda: repeat_share_chart(repeat([]), "vi"),
}


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_is_a_png_of_1200_by_700_with_every_letter_in_the_font(name: str) -> None:
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font" when it draws a box instead of a letter
        warnings.simplefilter("error")
        png = CHARTS[name]()
    assert png.startswith(PNG_SIGNATURE)
    image = pixels(png)
    assert image.format == "PNG"
    assert image.size == (1200, 700)


def test_a_letter_missing_from_the_font_would_be_caught() -> None:
    # The check above can fail: a CJK character is not in DejaVu Sans, and matplotlib says so.
    text = ChartText(title="献血 进度", no_data="-")
    with pytest.warns(UserWarning, match="missing from font"):
        progress_chart(progress(CAMPAIGN, text), "vi")


def test_the_same_data_gives_the_same_bytes_and_other_data_other_bytes() -> None:
    first = quota_chart(quotas(WARDS), "vi")
    assert quota_chart(quotas(WARDS), "vi") == first
    assert quota_chart(quotas([*WARDS[:3], ("Trường THPT Hàm Rồng", 204, 150)]), "vi") != first
    assert b"matplotlib" not in first  # no software version in the metadata


def test_empty_data_draws_the_callers_text() -> None:
    # Only the "no data" text differs between the two, so it is drawn: the pixels differ
    # (and a chart with data looks different again).
    a = pixels(progress_chart(progress([]), "vi")).convert("RGB")
    b = pixels(progress_chart(progress([], ChartText("Tiến độ thu máu — Hành trình Đỏ", "Không có")), "vi"))
    assert a.tobytes() != b.convert("RGB").tobytes()
    assert progress_chart(progress([]), "vi") != progress_chart(progress(CAMPAIGN), "vi")


def test_charts_drawn_in_threads_at_once_are_the_same_as_one_by_one() -> None:
    expected = {name: CHARTS[name]() for name in ("progress", "quotas", "reserve", "repeat")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda name: (name, CHARTS[name]()), list(expected) * 3))
    assert all(png == expected[name] for name, png in got)


def test_the_chart_module_does_not_load_pyplot_or_choose_a_backend() -> None:
    # pyplot keeps global figures and picks a (possibly GUI) backend; the server must not get either.
    code = (
        "import sys, matplotlib\n"
        "from datetime import date\n"
        "from services.reports import charts\n"
        "t = charts.ChartText('Tiến độ', 'Chưa có')\n"
        "charts.progress_chart(charts.Progress(t, [(date(2021, 1, 1), 1)], 5, 'a', 'b'), 'vi')\n"
        "print('matplotlib.pyplot' in sys.modules, matplotlib.rcParams._get_backend_or_none())\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert out.stdout.split() == ["False", "None"]
