"""Dates as typed in chat, relative "when did you last donate" phrases, and age arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import (
    DateProblem,
    ImpossibleDate,
    impossible_date,
    parse_ago,
    parse_ahead,
    parse_date,
    parse_day_month,
)

AUG_3_1995 = date(1995, 8, 3)
TODAY = date(2025, 5, 31)


@pytest.mark.parametrize(
    "text",
    [
        "3/8/1995",
        "03/08/1995",
        "03-08-1995",
        "3-8-1995",
        "3.8.1995",
        "3 8 1995",
        "3 / 8 / 1995",
        "1995-08-03",
        "1995/08/03",
        "1995.8.3",
        "3/8/95",
        "03/08/95",
        "ngày 3 tháng 8 năm 1995",
        "Ngày 03 tháng 08 năm 1995",
        "ngay 3 thang 8 nam 1995",
        "3 thang 8 nam 1995",
        "3 tháng 8 năm 1995",
        "3 thang 8 1995",
        "3 thg 8 nam 95",
        "ngày 3/8/1995",
        " 3/8/1995 ",
        "3/8/1995.",
    ],
)
def test_accepted_spellings(text: str) -> None:
    assert parse_date(text) == AUG_3_1995
    assert parse_date(text, today=TODAY) == AUG_3_1995


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "31/2/1995",  # no 31 February
        "29/2/1995",  # 1995 is not a leap year
        "32/1/1995",
        "0/1/1995",
        "1/13/1995",
        "1/0/1995",
        "3/8",
        "3/8/199",
        "3/8/19955",
        "1995",
        "3/8/1995 14:00",
        "03081995",
        "8/3/1995/1",
        "00/00/0000",
    ],
)
def test_rejected(text: str) -> None:
    assert parse_date(text) is None


def test_leap_day_is_a_real_date() -> None:
    assert parse_date("29/2/1996") == date(1996, 2, 29)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("3/8/95", date(2025, 1, 1), date(1995, 8, 3)),
        ("3/8/25", date(2025, 1, 1), date(2025, 8, 3)),  # same year is not "after" today
        ("3/8/26", date(2025, 12, 31), date(1926, 8, 3)),
        ("3/8/00", date(2025, 1, 1), date(2000, 8, 3)),
        ("3/8/99", date(2099, 1, 1), date(2099, 8, 3)),
    ],
)
def test_two_digit_year_is_latest_not_after_today(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today=today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3/8/49", date(2049, 8, 3)), ("3/8/50", date(1950, 8, 3)), ("3/8/65", date(1965, 8, 3))],
)
def test_two_digit_year_without_today_pivots_at_50(text: str, expected: date) -> None:
    assert parse_date(text) == expected


FORMATS: list[Callable[[date], str]] = [
    lambda d: f"{d.day}/{d.month}/{d.year:04d}",
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}",
    lambda d: f"{d.day:02d}-{d.month:02d}-{d.year:04d}",
    lambda d: f"{d.day}.{d.month}.{d.year:04d}",
    lambda d: f"{d.day} {d.month} {d.year:04d}",
    lambda d: d.isoformat(),
    lambda d: f"{d.year:04d}/{d.month:02d}/{d.day:02d}",
    lambda d: f"ngày {d.day} tháng {d.month} năm {d.year:04d}",
    lambda d: f"{d.day} thang {d.month} nam {d.year:04d}",
]


@settings(max_examples=200, deadline=None)
@given(d=st.dates(min_value=date(1000, 1, 1)), fmt=st.sampled_from(FORMATS))
def test_every_format_round_trips(d: date, fmt: Callable[[date], str]) -> None:
    assert parse_date(fmt(d)) == d


@settings(max_examples=200, deadline=None)
@given(
    today=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    offset=st.integers(min_value=0, max_value=99),
    day_of_year=st.integers(min_value=0, max_value=364),
)
def test_two_digit_years_round_trip_within_a_century(today: date, offset: int, day_of_year: int) -> None:
    d = date(today.year - offset, 1, 1) + timedelta(days=day_of_year)
    assert parse_date(f"{d.day}/{d.month}/{d.year % 100:02d}", today=today) == d


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_never_raises(text: str) -> None:
    parse_date(text)
    parse_date(text, today=TODAY)


# --- relative phrases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cách đây 1 tháng", date(2025, 4, 30)),  # 31 May - 1 month, clamped to 30 April
        ("cach day 1 thang", date(2025, 4, 30)),
        ("cách đây 3 tháng", date(2025, 2, 28)),
        ("1 thang truoc", date(2025, 4, 30)),
        ("1 tháng trước", date(2025, 4, 30)),
        ("2 tuần trước", date(2025, 5, 17)),
        ("3 tuan truoc", date(2025, 5, 10)),
        ("10 ngày trước", date(2025, 5, 21)),
        ("10 ngay truoc", date(2025, 5, 21)),
        ("hôm qua", date(2025, 5, 30)),
        ("hom qua", date(2025, 5, 30)),
        ("hôm nay", TODAY),
        ("tuần trước", date(2025, 5, 24)),
        ("tháng trước", date(2025, 4, 30)),
        ("năm ngoái", date(2024, 5, 31)),
        ("nam ngoai", date(2024, 5, 31)),
        ("1 năm trước", date(2024, 5, 31)),
        ("năm năm trước", date(2020, 5, 31)),  # five years: number word, then unit
        ("hai tháng trước", date(2025, 3, 31)),
        ("được 3 tháng rồi", date(2025, 2, 28)),
        ("khoảng 2 tháng trước", date(2025, 3, 31)),
        ("3 tháng", date(2025, 2, 28)),  # the question already asks "how long ago"
        ("3thg truoc", date(2025, 2, 28)),
        ("2 months ago", date(2025, 3, 31)),
        ("3 weeks ago", date(2025, 5, 10)),
        ("a year ago", date(2024, 5, 31)),
        ("yesterday", date(2025, 5, 30)),
        ("last month", date(2025, 4, 30)),
        ("Last week.", date(2025, 5, 24)),
    ],
)
def test_parse_ago(text: str, expected: date) -> None:
    assert parse_ago(text, today=TODAY) == expected


def test_parse_ago_leap_day_year_back() -> None:
    assert parse_ago("1 năm trước", today=date(2024, 2, 29)) == date(2023, 2, 28)


@pytest.mark.parametrize(
    "text",
    ["", "blah", "3 tháng nữa", "next month", "tháng", "3", "9999 năm trước", "3/8/1995"],
)
def test_parse_ago_rejects(text: str) -> None:
    assert parse_ago(text, today=TODAY) is None


@settings(max_examples=200, deadline=None)
@given(today=st.dates(min_value=date(1900, 1, 1)), n=st.integers(min_value=0, max_value=500))
def test_n_days_and_weeks_ago(today: date, n: int) -> None:
    assert parse_ago(f"{n} ngày trước", today=today) == today - timedelta(days=n)
    assert parse_ago(f"{n} tuan truoc", today=today) == today - timedelta(weeks=n)


@settings(max_examples=200, deadline=None)
@given(today=st.dates(min_value=date(1900, 1, 1)), n=st.integers(min_value=0, max_value=120))
def test_n_months_ago_is_never_later_than_the_same_day_number(today: date, n: int) -> None:
    result = parse_ago(f"cách đây {n} tháng", today=today)
    assert result is not None
    assert (today.year * 12 + today.month) - (result.year * 12 + result.month) == n
    assert result.day <= today.day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29/02/1995", ImpossibleDate(DateProblem.NOT_LEAP_YEAR, 29, 2, 1995)),
        ("1995-02-29", ImpossibleDate(DateProblem.NOT_LEAP_YEAR, 29, 2, 1995)),
        ("31/4/1995", ImpossibleDate(DateProblem.DAY_OUT_OF_MONTH, 31, 4, 1995, 30)),
        ("30/2/2000", ImpossibleDate(DateProblem.DAY_OUT_OF_MONTH, 30, 2, 2000, 29)),
        ("12/31/1995", ImpossibleDate(DateProblem.NO_SUCH_MONTH, 12, 31, 1995)),
        ("15/13/1995", ImpossibleDate(DateProblem.NO_SUCH_MONTH, 15, 13, 1995)),
    ],
)
def test_impossible_dates_say_what_is_wrong(text: str, expected: ImpossibleDate) -> None:
    assert parse_date(text, today=TODAY) is None
    assert impossible_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["29/2/1996", "3/8/1995", "hello", "0/5/1995", ""])
def test_real_dates_and_non_dates_are_not_impossible(text: str) -> None:
    assert impossible_date(text, today=TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12", date(2025, 12, 25)),
        ("25-12", date(2025, 12, 25)),
        ("ngày 25/12", date(2025, 12, 25)),
        ("25 tháng 12", date(2025, 12, 25)),
        ("31/5", TODAY),  # today counts
        ("1/1", date(2026, 1, 1)),  # already past this year: next year's
        ("29/2", date(2028, 2, 29)),
    ],
)
def test_a_day_without_its_year_is_the_next_such_day(text: str, expected: date) -> None:
    assert parse_day_month(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["31/4", "13/13", "25/12/2025", "hôm nay"])
def test_not_a_day_and_month(text: str) -> None:
    assert parse_day_month(text, today=TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 tuần", date(2025, 6, 7)),
        ("1 tuan", date(2025, 6, 7)),
        ("một tuần nữa", date(2025, 6, 7)),
        ("trong 3 ngày", date(2025, 6, 3)),
        ("2 tháng", date(2025, 7, 31)),
        ("1 tháng", date(2025, 6, 30)),  # clamped at the month's end
        ("ngày mai", date(2025, 6, 1)),
        ("tuần sau", date(2025, 6, 7)),
        ("in 2 weeks", date(2025, 6, 14)),
    ],
)
def test_a_stretch_of_time_counts_forward(text: str, expected: date) -> None:
    assert parse_ahead(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["", "lâu lắm", "2 tuần trước", "25/12"])
def test_not_a_stretch_of_time(text: str) -> None:
    assert parse_ahead(text, today=TODAY) is None
