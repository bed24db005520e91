"""Report numbers as a Vietnamese report writes them ("thu 1.440 đơn vị, đạt 142,5 %") and in English."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.reports.numbers import fmt_decimal, fmt_int, fmt_percent, fmt_signed


@pytest.mark.parametrize(
    ("n", "vi", "en"),
    [
        (0, "0", "0"),
        (495, "495", "495"),
        (1440, "1.440", "1,440"),
        (11100, "11.100", "11,100"),
        (1_000_000, "1.000.000", "1,000,000"),
        (-45, "-45", "-45"),
    ],
)
def test_counts_have_thousands_separators(n: int, vi: str, en: str) -> None:
    assert fmt_int(n, "vi") == vi
    assert fmt_int(n, "en") == en


@pytest.mark.parametrize(
    ("share", "digits", "vi", "en"),
    [
        (1.425, 1, "142,5 %", "142.5%"),  # Thanh Hóa 2021: 1.440 units of a 1.010 target
        (0.71, 1, "71 %", "71%"),  # U Minh Thượng 2020: trailing zero dropped, not "71,0 %"
        (0.6, 1, "60 %", "60%"),
        (1, 1, "100 %", "100%"),
        (0.0173, 2, "1,73 %", "1.73%"),  # 11.100 units ≈ 1,73 % of the population
        (0.0173, 1, "1,7 %", "1.7%"),
        (12.5, 1, "1.250 %", "1,250%"),
        (0, 1, "0 %", "0%"),
        (Decimal("0.3333"), 1, "33,3 %", "33.3%"),
        (0.9996, 1, "99,9 %", "99.9%"),  # one unit short of the target is not "100 %"
        (0.69999, 0, "69 %", "69%"),  # a repeat share just under the 70 % target
        (-0.05, 1, "-5 %", "-5%"),
        (-0.0004, 1, "0 %", "0%"),  # not "-0 %"
    ],
)
def test_percent_of_a_share(share: float, digits: int, vi: str, en: str) -> None:
    assert fmt_percent(share, "vi", digits) == vi
    assert fmt_percent(share, "en", digits) == en


def test_percent_is_cut_as_written_not_as_the_binary_float() -> None:
    # 1.425 is 1.42499999… as a float; the report means 142,5 exactly.
    assert fmt_percent(1.425, "vi") == "142,5 %"
    assert fmt_percent(0.29, "vi", 0) == "29 %"  # 0.29 * 100 is 28.999999999999996 in floats
    assert fmt_percent(0.12345, "vi", 3) == "12,345 %"
    assert fmt_percent(0.12349, "vi", 2) == "12,34 %"


def test_percent_rounded_half_up_on_request() -> None:
    assert fmt_percent(0.9996, "vi", rounding="half_up") == "100 %"
    assert fmt_percent(1.4245, "vi", rounding="half_up") == "142,5 %"  # 1.42449999… as a float
    assert fmt_percent(0.0125, "en", 0, rounding="half_up") == "1%"
    assert fmt_percent(0.015, "en", 0, rounding="half_up") == "2%"  # half up, not half even
    assert fmt_percent(0.12349, "vi", 2, rounding="half_up") == "12,35 %"


def test_percent_of_target_as_the_reports_read() -> None:
    # Thanh Hóa 2021: 1.440 units of a 1.010 target = 1,42574… → "đạt 142,5 %"
    assert fmt_percent(1440 / 1010, "vi") == "142,5 %"
    # U Minh Thượng 2020: 495 units, "71 %" of a 697-unit target (0,71018…)
    assert fmt_percent(495 / 697, "vi", 0) == "71 %"
    # Kinh Môn 2019: 1.553 units, 903 above a 650 target = 2,38923…
    assert fmt_percent(1553 / 650, "vi") == "238,9 %"


@pytest.mark.parametrize(
    ("value", "digits", "vi", "en"),
    [
        (52.5, 1, "52,5", "52.5"),
        (52.0, 1, "52", "52"),
        (1234.56, 2, "1.234,56", "1,234.56"),
        (1234.56, 1, "1.234,6", "1,234.6"),
        (2.5, 0, "3", "3"),
    ],
)
def test_decimals(value: float, digits: int, vi: str, en: str) -> None:
    assert fmt_decimal(value, "vi", digits) == vi
    assert fmt_decimal(value, "en", digits) == en


@pytest.mark.parametrize(
    ("n", "vi", "en"),
    [
        (903, "+903", "+903"),
        (-45, "-45", "-45"),
        (0, "0", "0"),
        (1553, "+1.553", "+1,553"),
        (-1200, "-1.200", "-1,200"),
    ],
)
def test_signed_differences(n: int, vi: str, en: str) -> None:
    assert fmt_signed(n, "vi") == vi
    assert fmt_signed(n, "en") == en
