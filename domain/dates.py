"""Dates as Vietnamese donors type them: day first, in words, or relative ("2 tuần trước").

The calendar arithmetic behind them (months clamped at the month's end, ages, birthdays) is in
:mod:`domain.calendar`, shared with the rules engine.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import add_months_clamped, add_years, date_or_none
from domain.text import fold

# Without a reference day a two-digit year YY means 20YY when YY < 50, else 19YY: right for
# every living donor's birth year and every recent donation until 2050. Pass `today` anyway.
_PIVOT = 50

_SEP = r"\s*[/.\-]\s*"
_YEAR = r"(\d{4}|\d{2})"
_DAY_FIRST = (
    re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}{_YEAR}"),
    re.compile(rf"(\d{{1,2}}) (\d{{1,2}}) {_YEAR}"),
    # "ngay 3 thang 8 nam 1995", "3 thang 8 1995", "3 thg 8 nam 95"
    re.compile(rf"(\d{{1,2}}) ?(?:thang|thg|th) ?(\d{{1,2}}) ?(?:(?:nam|n) ?)?{_YEAR}"),
)
_YEAR_FIRST = (
    re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})"),
    re.compile(r"(\d{4}) (\d{1,2}) (\d{1,2})"),
)
_DATE_PREFIX = re.compile(r"^(?:ngay )")


def expand_year(digits: str, today: date | None) -> int:
    """The year meant by ``digits`` as typed (four digits, or two): one rule for every date read.

    Two digits are the latest such year not after ``today.year`` ("95" is 1995, "05" is 2005);
    public because :mod:`domain.facts_dates` and :mod:`domain.facts_profile` read years in free
    text the same way.
    """
    year = int(digits)
    if len(digits) == 4:
        return year
    if today is None:
        return 2000 + year if year < _PIVOT else 1900 + year
    return today.year - (today.year - year) % 100


def _read_fields(text: str, today: date | None) -> tuple[int, int, int] | None:
    """(year, month, day) as written in a day-first, ISO or Vietnamese-words spelling, unchecked."""
    cleaned = _DATE_PREFIX.sub("", fold(text).rstrip("."))
    for pattern in _DAY_FIRST:
        match = pattern.fullmatch(cleaned)
        if match:
            day, month, year = match.groups()
            return expand_year(year, today), int(month), int(day)
    for pattern in _YEAR_FIRST:
        match = pattern.fullmatch(cleaned)
        if match:
            year, month, day = match.groups()
            return int(year), int(month), int(day)
    return None


def parse_date(text: str, *, today: date | None = None) -> date | None:
    """The date in a day-first, ISO or Vietnamese-words spelling, or None.

    A two-digit year becomes the latest such year not after `today.year` (so "95" is 1995 and,
    in 2025, "25" is 2025 and "26" is 1926). Plausibility (not in the future, a sane age) is
    the caller's business: this only reads the calendar date.
    """
    fields = _read_fields(text, today)
    return date_or_none(*fields) if fields is not None else None


class DateProblem(StrEnum):
    """Why a date written in a readable shape is not on the calendar."""

    NOT_LEAP_YEAR = "not_leap_year"  # 29/02/1995
    DAY_OUT_OF_MONTH = "day_out_of_month"  # 31/04/1995, 32/01/1995
    NO_SUCH_MONTH = "no_such_month"  # 15/13/1995, or month first: 12/31/1995


@dataclass(frozen=True)
class ImpossibleDate:
    """A date the person wrote in a shape `parse_date` reads, but which does not exist."""

    problem: DateProblem
    day: int
    month: int
    year: int
    days_in_month: int = 0  # for DAY_OUT_OF_MONTH


def impossible_date(text: str, *, today: date | None = None) -> ImpossibleDate | None:
    """What is wrong with a date that looks like one but is not on the calendar, else None.

    None too when the text is a real date or not a date at all: then the shape is what to explain.
    """
    fields = _read_fields(text, today)
    if fields is None or date_or_none(*fields) is not None:
        return None
    year, month, day = fields
    if not 1 <= month <= 12:
        return ImpossibleDate(DateProblem.NO_SUCH_MONTH, day, month, year)
    if not 1 <= year <= 9999 or day < 1:
        return None
    if (month, day) == (2, 29):
        return ImpossibleDate(DateProblem.NOT_LEAP_YEAR, day, month, year)
    days = calendar.monthrange(year, month)[1]
    return ImpossibleDate(DateProblem.DAY_OUT_OF_MONTH, day, month, year, days)


_NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_UNITS = {
    "ngay": "day",
    "day": "day",
    "days": "day",
    "tuan": "week",
    "week": "week",
    "weeks": "week",
    "thang": "month",
    "thg": "month",
    "th": "month",
    "month": "month",
    "months": "month",
    "nam": "year",
    "year": "year",
    "years": "year",
}
_NUM = r"(\d{1,4}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
# Qualifiers that do not change the answer: "cách đây", "khoảng", "được", "hơn", "gần", "rồi".
_VI_AGO = re.compile(
    rf"(?:(?:cach day|khoang|tam|chung|duoc|hon|gan|about|around) )*{_NUM} ?{_UNIT}"
    r"(?: (?:ve )?truoc)?(?: roi)?(?: hon)?"
)
_EN_AGO = re.compile(rf"(?:(?:about|around|over|almost) )*{_NUM} ?{_UNIT} ago")
_FIXED: dict[str, tuple[int, str]] = {
    "hom nay": (0, "day"),
    "today": (0, "day"),
    "hom qua": (1, "day"),
    "yesterday": (1, "day"),
    "hom kia": (2, "day"),
    "tuan truoc": (1, "week"),
    "tuan roi": (1, "week"),
    "last week": (1, "week"),
    "thang truoc": (1, "month"),
    "thang roi": (1, "month"),
    "last month": (1, "month"),
    "nua nam truoc": (6, "month"),
    "cach day nua nam": (6, "month"),
    "nam ngoai": (1, "year"),
    "nam truoc": (1, "year"),
    "nam roi": (1, "year"),
    "last year": (1, "year"),
}
_PUNCTUATION = re.compile(r"[^\w\s]")


def _go_back(today: date, amount: int, unit: str) -> date | None:
    try:
        if unit == "day":
            return today - timedelta(days=amount)
        if unit == "week":
            return today - timedelta(weeks=amount)
        if unit == "month":
            return add_months_clamped(today, -amount)
        return add_years(today, -amount)
    except (OverflowError, ValueError):
        return None


def parse_ago(text: str, *, today: date) -> date | None:
    """The date meant by a relative phrase such as "2 tuần trước" or "last month", or None.

    Answers the question "when did you last give blood?", so a bare "3 tháng" counts as three
    months ago. Months are calendar months clamped at the month's end (31 May minus 1 month is
    30 April); years keep the day (29 February becomes 28 February).
    """
    cleaned = " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
    if cleaned in _FIXED:
        amount, unit = _FIXED[cleaned]
        return _go_back(today, amount, unit)
    match = _VI_AGO.fullmatch(cleaned) or _EN_AGO.fullmatch(cleaned)
    if not match:
        return None
    number, unit_word = match.groups()
    amount = int(number) if number.isdigit() else _NUMBER_WORDS[number]
    return _go_back(today, amount, _UNITS[unit_word])


_DAY_MONTH = (
    re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})"),
    re.compile(r"(\d{1,2}) ?(?:thang|thg|th) ?(\d{1,2})"),
)


def parse_day_month(text: str, *, today: date) -> date | None:
    """A day written without its year ("25/12", "25 tháng 12"): the next such day from `today` on.

    For answers about the future ("until when?"): a day already past this year means next year's.
    29/02 is the next 29 February. None when the text is not a day and month or no such day exists.
    """
    cleaned = _DATE_PREFIX.sub("", fold(text).rstrip("."))
    for pattern in _DAY_MONTH:
        match = pattern.fullmatch(cleaned)
        if match:
            day, month = int(match.group(1)), int(match.group(2))
            for year in range(today.year, today.year + 9):
                found = date_or_none(year, month, day)
                if found is not None and found >= today:
                    return found
            return None
    return None


_AHEAD_FIXED: dict[str, tuple[int, str]] = {
    "ngay mai": (1, "day"),
    "mai": (1, "day"),
    "tomorrow": (1, "day"),
    "ngay kia": (2, "day"),
    "tuan sau": (1, "week"),
    "tuan toi": (1, "week"),
    "next week": (1, "week"),
    "thang sau": (1, "month"),
    "thang toi": (1, "month"),
    "next month": (1, "month"),
}
# "1 tuần", "1 tuan nua", "trong 3 ngày", "khoảng 2 tháng nữa", "for 2 weeks", "in 10 days"
_AHEAD = re.compile(
    rf"(?:(?:trong|khoang|tam|chung|sau|for|in|about|around) )*{_NUM} ?{_UNIT}(?: (?:nua|toi|sau))?"
)


def parse_ahead(text: str, *, today: date) -> date | None:
    """The day a stretch of time from `today` ends: "1 tuần" → a week from today; else None.

    The counterpart of `parse_ago` for answers about the future ("how long will you be away?"):
    a bare "3 tháng" counts forward here. Months are calendar months clamped at the month's end.
    """
    cleaned = " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
    if cleaned in _AHEAD_FIXED:
        amount, unit = _AHEAD_FIXED[cleaned]
        return _go_back(today, -amount, unit)
    match = _AHEAD.fullmatch(cleaned)
    if not match:
        return None
    number, unit_word = match.groups()
    amount = int(number) if number.isdigit() else _NUMBER_WORDS[number]
    return _go_back(today, -amount, _UNITS[unit_word])
