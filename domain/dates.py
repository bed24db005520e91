"""Dates as Vietnamese donors type them (day first), plus the calendar arithmetic for ages.

Ages decide eligibility (18–60), so the leap-day rules here are deliberate and tested.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

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


def _expand_year(digits: str, today: date | None) -> int:
    year = int(digits)
    if len(digits) == 4:
        return year
    if today is None:
        return 2000 + year if year < _PIVOT else 1900 + year
    return today.year - (today.year - year) % 100


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, *, today: date | None = None) -> date | None:
    """The date in a day-first, ISO or Vietnamese-words spelling, or None.

    A two-digit year becomes the latest such year not after `today.year` (so "95" is 1995 and,
    in 2025, "25" is 2025 and "26" is 1926). Plausibility (not in the future, a sane age) is
    the caller's business: this only reads the calendar date.
    """
    cleaned = _DATE_PREFIX.sub("", fold(text).rstrip("."))
    for pattern in _DAY_FIRST:
        match = pattern.fullmatch(cleaned)
        if match:
            day, month, year = match.groups()
            return _make(_expand_year(year, today), int(month), int(day))
    for pattern in _YEAR_FIRST:
        match = pattern.fullmatch(cleaned)
        if match:
            year, month, day = match.groups()
            return _make(int(year), int(month), int(day))
    return None


def age_on(born: date, *, on: date) -> int:
    """Full years lived on `on` (negative before birth, so it stays monotone).

    Someone born on 29 February turns a year older on 1 March in non-leap years: until the
    end of 28 February they have not yet completed the year. This is the common legal reading
    in Vietnam and elsewhere and the conservative one for minimum-age checks.
    """
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return on.year - born.year - int(before_birthday)


def add_years(d: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February.

    Used for intervals ("a year ago"), where landing inside the shorter month is what people
    mean. Raises ValueError outside the years 1–9999.
    """
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        if (d.month, d.day) != (2, 29):
            raise
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), clamped to the month's end.

    Raises ValueError outside the years 1–9999.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def nth_birthday(born: date, n: int) -> date:
    """The day the person turns `n`, consistent with `age_on` (29 Feb → 1 Mar if not leap)."""
    year = born.year + n
    if (born.month, born.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return born.replace(year=year)


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
            return add_months(today, -amount)
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
