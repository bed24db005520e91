"""Calendar arithmetic: ages, birthdays, and the two readings of "N months later".

The rules roll a missing day to the 1st of next month (a waiting period ends on the later day);
dates people mean in words clamp to the month's end. Both are pinned here so that neither drifts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import (
    add_months_clamped,
    add_months_rolled,
    add_years,
    age_on,
    date_or_none,
    nth_birthday,
)


def test_add_months_rolls_a_missing_day_forward() -> None:
    assert add_months_rolled(date(2025, 1, 15), 6) == date(2025, 7, 15)
    assert add_months_rolled(date(2024, 8, 31), 6) == date(2025, 3, 1)  # 31 Feb does not exist
    assert add_months_rolled(date(2024, 12, 31), 2) == date(2025, 3, 1)  # 31 Feb → 1 Mar
    assert add_months_rolled(date(2025, 11, 30), 12) == date(2026, 11, 30)
    assert add_months_rolled(date(2025, 12, 31), 11) == date(2026, 12, 1)  # 31 Nov → 1 Dec


def test_nth_birthday_of_29_february() -> None:
    assert nth_birthday(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert nth_birthday(date(2004, 2, 29), 20) == date(2024, 2, 29)  # a leap year
    assert nth_birthday(date(2007, 6, 18), 18) == date(2025, 6, 18)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 5, 10), date(2018, 5, 9), 17),
        (date(2000, 5, 10), date(2018, 5, 10), 18),
        (date(2000, 5, 10), date(2018, 12, 31), 18),
        (date(2000, 5, 10), date(2000, 5, 10), 0),
        (date(2000, 5, 10), date(2000, 5, 9), -1),
        # 29 February: one year older on 1 March in non-leap years, on 29 February in leap years.
        (date(2004, 2, 29), date(2022, 2, 28), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2004, 2, 29), date(2024, 2, 28), 19),
        (date(2004, 2, 29), date(2024, 2, 29), 20),
    ],
)
def test_age_on(born: date, on: date, age: int) -> None:
    assert age_on(born, on=on) == age


@pytest.mark.parametrize(
    ("d", "years", "expected"),
    [
        (date(2000, 5, 10), 1, date(2001, 5, 10)),
        (date(2000, 5, 10), -18, date(1982, 5, 10)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
    ],
)
def test_add_years(d: date, years: int, expected: date) -> None:
    assert add_years(d, years) == expected


def test_add_years_out_of_range_raises() -> None:
    with pytest.raises(ValueError, match="year"):
        add_years(date(9999, 1, 1), 1)


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2025, 5, 31), -1, date(2025, 4, 30)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 1, 31), 13, date(2026, 2, 28)),
        (date(2025, 1, 31), 0, date(2025, 1, 31)),
    ],
)
def test_add_months_clamped(d: date, months: int, expected: date) -> None:
    assert add_months_clamped(d, months) == expected


@pytest.mark.parametrize(
    ("born", "n", "expected"),
    [
        (date(2000, 5, 10), 18, date(2018, 5, 10)),
        (date(2004, 2, 29), 18, date(2022, 3, 1)),
        (date(2004, 2, 29), 20, date(2024, 2, 29)),
    ],
)
def test_nth_birthday(born: date, n: int, expected: date) -> None:
    assert nth_birthday(born, n) == expected


BORN = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
ON = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@settings(max_examples=300, deadline=None)
@given(born=BORN, a=ON, b=ON)
def test_age_is_monotone(born: date, a: date, b: date) -> None:
    early, late = sorted((a, b))
    assert age_on(born, on=early) <= age_on(born, on=late)


@settings(max_examples=300, deadline=None)
@given(born=BORN, on=ON)
def test_age_increases_exactly_on_birthdays(born: date, on: date) -> None:
    age = age_on(born, on=on)
    step = age - age_on(born, on=on - timedelta(days=1))
    assert step in (0, 1)
    assert (step == 1) == (on == nth_birthday(born, age))


@settings(max_examples=200, deadline=None)
@given(born=BORN, n=st.integers(min_value=0, max_value=100))
def test_nth_birthday_is_when_age_reaches_n(born: date, n: int) -> None:
    birthday = nth_birthday(born, n)
    assert age_on(born, on=birthday) == n
    assert age_on(born, on=birthday - timedelta(days=1)) == n - 1


def test_date_or_none() -> None:
    assert date_or_none(2024, 2, 29) == date(2024, 2, 29)
    assert date_or_none(2025, 2, 29) is None
    assert date_or_none(2025, 4, 31) is None


@settings(max_examples=300, deadline=None)
@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), n=st.integers(-240, 240))
def test_the_two_month_readings_differ_only_on_a_missing_day(d: date, n: int) -> None:
    clamped, rolled = add_months_clamped(d, n), add_months_rolled(d, n)
    if clamped.day == d.day:
        assert rolled == clamped
    else:  # the day does not exist in that month: the month's end, or the 1st after it
        assert rolled == clamped + timedelta(days=1) and rolled.day == 1
