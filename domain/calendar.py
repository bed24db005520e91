"""Calendar arithmetic shared by the rules, the date parsers and the facts extractor.

One module so that "a month later" is not written twice. Two readings of it are needed, and both
are kept on purpose, each under its own name:

* :func:`add_months_rolled` — a *waiting period* in months (a deferral of "12 tháng" in Thông tư
  26/2013/TT-BYT, an age of 18 as 216 months) ends on the same day of the month; when that day does
  not exist it ends on the 1st of the next month. 31 August + 6 months is 1 March, the later, more
  careful day: a donor is never told to come back a day too early. Used by the rules engine
  (:meth:`domain.rules.Period.after`) and by :func:`nth_birthday`.
* :func:`add_months_clamped` — a *date people mean* by "3 tháng trước", "1 tháng nữa" or "tháng
  trước" lands inside the shorter month: 31 May − 1 month is 30 April, not 1 May. Used by
  :mod:`domain.dates` (``parse_ago``, ``parse_ahead``) and :mod:`domain.facts`.

Swapping one for the other would move dates donors are shown, so they stay two functions.
"""

from __future__ import annotations

import calendar
from datetime import date

__all__ = [
    "add_months_clamped",
    "add_months_rolled",
    "add_years",
    "age_on",
    "date_or_none",
    "last_day_of_month",
    "nth_birthday",
]


def date_or_none(year: int, month: int, day: int) -> date | None:
    """The date, or ``None`` when it is not on the calendar (31 April, 29 February 2025…)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_index(d: date, months: int) -> tuple[int, int]:
    """(year, month 1–12) of the month ``months`` after the month of ``d``."""
    year, month0 = divmod(d.year * 12 + (d.month - 1) + months, 12)
    return year, month0 + 1


def add_months_rolled(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months; a missing day rolls to the 1st of next month.

    For the end of a waiting period (see the module doc): 31 Aug + 6 months → 1 March.
    """
    year, month = _month_index(start, months)
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def add_months_clamped(d: date, months: int) -> date:
    """The same day ``months`` calendar months later (or earlier), clamped to the month's end.

    For dates people mean in words (see the module doc): 31 May − 1 month → 30 April.
    Raises ValueError outside the years 1–9999.
    """
    year, month = _month_index(d, months)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February.

    Used for intervals ("a year ago"), where landing inside the shorter month is what people
    mean. Raises ValueError outside the years 1–9999.
    """
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        if (d.month, d.day) != (2, 29):
            raise
        return d.replace(year=d.year + years, day=28)


def age_on(born: date, *, on: date) -> int:
    """Full years lived on ``on`` (negative before birth, so it stays monotone).

    Someone born on 29 February turns a year older on 1 March in non-leap years: until the
    end of 28 February they have not yet completed the year. This is the common legal reading
    in Vietnam and elsewhere and the conservative one for minimum-age checks.
    """
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return on.year - born.year - int(before_birthday)


def nth_birthday(born: date, years: int) -> date:
    """The day one turns ``years``, consistent with :func:`age_on`: a 29 February birthday falls
    on 1 March in common years (the later, more careful day, as :func:`add_months_rolled`)."""
    return add_months_rolled(born, 12 * years)
