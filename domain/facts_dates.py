"""Dates and durations found in a free-text question ("cách đây 1 tháng", "12/3/2025").

When the text says when ("cách đây 1 tháng", "2 tuần trước", "tháng trước", "12/3/2025") that
date is used; an imprecise period is taken at its latest day ("tháng trước" → the last day of
last month), which can only make a waiting period end later, never sooner. Only dates not after
today are kept: the facts are about what happened.

Months are calendar months clamped at the month's end (:func:`domain.calendar.add_months_clamped`)
and a two-digit year follows :func:`domain.dates.expand_year`, as in :mod:`domain.dates`. The
spellings here are wider than those of :mod:`domain.dates`, which reads a whole answer: here a
date is one phrase among others in a sentence, so each :class:`When` keeps its span for
:mod:`domain.facts` to tie it to the condition or donation it dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import add_months_clamped, date_or_none, last_day_of_month
from domain.dates import expand_year
from domain.facts_text import TypedText, compatible
from domain.text import fold

__all__ = ["BARE_DURATION", "When", "duration_when", "find_dates", "longest_first"]

_NUMBER_WORDS: dict[str, float] = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
    "tám": 8, "chín": 9, "mười": 10, "vài": 2, "mấy": 2, "nửa": 0.5, "one": 1, "two": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "a": 1, "an": 1, "a few": 2, "a couple of": 2, "couple of": 2,
    "few": 2, "several": 2, "half a": 0.5,
}  # fmt: skip
# Number words that are other common words when typed without marks need their marks.
_STRICT_NUMBER_WORDS = frozenset({"tư", "năm", "sáu", "tám", "mấy"})
_NUM = (
    r"(?P<num>\d{1,3}|"
    + "|".join(sorted({re.escape(fold(w)) for w in _NUMBER_WORDS}, key=len, reverse=True))
    + r")"
)
_UNIT = r"(?P<unit>ngay|hom|tuan|thang|nam|days?|weeks?|months?|years?|wks?)"
_UNIT_DAYS = {"ngay": "d", "hom": "d", "tuan": "w", "thang": "m", "nam": "y", "wk": "w"}


def _unit(word: str) -> str:
    return _UNIT_DAYS.get(word) or {"day": "d", "week": "w", "month": "m", "year": "y"}.get(
        word.rstrip("s"), "d"
    )


def _ago(today: date, amount: float, unit: str) -> date:
    whole = int(amount)
    half = amount - whole >= 0.5
    if unit == "d":
        return today - timedelta(days=whole)
    if unit == "w":
        return today - timedelta(days=7 * whole + (3 if half else 0))
    if unit == "m":
        return add_months_clamped(today, -whole) - timedelta(days=15 if half else 0)
    return add_months_clamped(today, -(12 * whole + (6 if half else 0)))


@dataclass(frozen=True)
class When:
    """A date said in the message, with its span ``[start, end)`` to tie it to what it dates."""

    start: int
    end: int
    day: date
    bare: bool = False  # a bare duration ("2 tháng") only counts right after what it dates
    relative: bool = True  # "… trước", "cách đây …", "ago": in the past by its wording
    present: bool = False  # "hôm nay", "sáng nay": dates a donation only if it is said to be done
    as_said: bool = False
    """A calendar date before today as the person said it ("1/10", "tháng 8", "3 October"), not one moved
    back a year because it is still to come this year ("hiến ngày 5/12 được không" on 23/11)."""


_RELATIVE = [
    re.compile(rf"(?<!\w)(?:cach day|cach|khoang|tam|tu)?\s*{_NUM}\s*{_UNIT}(?P<half>\s+ruoi)?\s+"
               rf"(?:ve truoc|truoc|roi|qua|ago|before)(?!\w)"),
    re.compile(rf"(?<!\w)cach day\s+(?:khoang\s+|tam\s+)?{_NUM}\s*{_UNIT}(?P<half>\s+ruoi)?(?!\w)"),
]  # fmt: skip
# A duration without "ago" ("2 tháng"): a date only right after what it dates (domain.facts).
BARE_DURATION = re.compile(
    rf"[\s,:]*(?P<filler>(?:(?:duoc|dc|khoang|tam|chung|roi|about|around)\s+)*){_NUM}\s*{_UNIT}"
    rf"(?P<half>\s+ruoi)?(?!\w)(?!\s+(?:nua|toi|sau|later|tiep|moi|mot lan|\d+\s*lan|once|a time|"
    rf"per|each|every))"
)
_FIXED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\w)(?:hom qua|toi qua|dem qua|yesterday|last night)(?!\w)"), "yesterday"),
    (re.compile(r"(?<!\w)(?:hom kia|day before yesterday)(?!\w)"), "2days"),
    (re.compile(r"(?<!\w)(?:hom nay|sang nay|chieu nay|today|this morning)(?!\w)"), "today"),
    (re.compile(r"(?<!\w)(?:tuan (?:truoc|roi|vua roi|vua qua)|last week)(?!\w)"), "lastweek"),
    (re.compile(r"(?<!\w)(?:thang (?:truoc|roi|vua roi|vua qua)|last month)(?!\w)"), "lastmonth"),
    (re.compile(r"(?<!\w)(?:nam (?:ngoai|truoc|roi|vua roi)|last year)(?!\w)"), "lastyear"),
    (re.compile(r"(?<!\w)(?:tuan nay|thang nay|this week|this month)(?!\w)"), "today"),
]
_DMY = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d/.\-])")
_ISO = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/.\-])")
_DM = re.compile(r"(?<![\d/.\-,])(\d{1,2})/(\d{1,2})(?![\d/.\-])")
_GONE_DAY = re.compile(r"\b(?:vao )?hom\s*$")
_VI_DATE = re.compile(r"(?<!\w)ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?(?!\w)")
# "năm 2015", "in 2015", "từ 2019" (not "sinh năm 2008", "born in 2008": a birth year, read elsewhere).
_YEAR = re.compile(r"(?<!sinh )(?<!born )(?<!\w)(?:nam|in|vao nam|tu|tu nam|since)\s+((?:19|20)\d{2})(?!\w)")
_VI_MONTH = re.compile(r"(?<!\w)thang\s+(\d{1,2})(?:\s*(?:nam|/)\s*(\d{4}))?(?![\w/])")
_EN_MONTHS = {
    name: n
    for n, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_EN_MONTH_NAME = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
# "3 October", "October 3rd", "the 3rd of October", "in September (2025)" ("may" alone is a modal:
# only after "in" or beside a day).
_EN_DATE = re.compile(
    rf"(?<!\w)(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_EN_MONTH_NAME})"
    rf"|(?P<m2>{_EN_MONTH_NAME})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?:in|since|during|last)\s+(?P<m3>{_EN_MONTH_NAME}))(?:,?\s+(?P<y>(?:19|20)\d{{2}}))?(?!\w)"
)


def _amount(tx: TypedText, start: int, end: int, token: str) -> float | None:
    if token.isdigit():
        return float(token)
    typed = tx.typed(start, end)
    for word, value in _NUMBER_WORDS.items():
        if fold(word) == token and compatible(typed, word):
            if word in _STRICT_NUMBER_WORDS and typed.lower() == fold(word):
                continue  # "nam", "sau", "tam" without marks: not numbers
            return value
    return None


def duration_when(tx: TypedText, m: re.Match[str], today: date, bare: bool) -> When | None:
    """The day a matched duration ("2 tháng rưỡi") goes back to from ``today``, or ``None``.

    Public because :mod:`domain.facts` dates a bare duration found right after a condition.
    """
    amount = _amount(tx, m.start("num"), m.end("num"), m.group("num"))
    if amount is None or amount <= 0:
        return None
    if m.group("half"):
        amount += 0.5
    return When(m.start(), m.end(), _ago(today, amount, _unit(m.group("unit"))), bare)


def _in_past(d: date | None, today: date) -> date | None:
    return d if d is not None and d <= today else None


def _said_date(year: int | None, month: int, day: int | None, today: date) -> tuple[date | None, bool]:
    """The day a calendar date means ("1/10", "tháng 8", "3 October"; with no day, the month's last day,
    today at the latest) and whether it is as said: with no year, this year's unless it is still to
    come, then last year's ("hiến ngày 5/12 được không" on 23/11 is moved back, not as said)."""
    start = date_or_none(year or today.year, month, day or 1)
    if start is None:
        return None, False
    moved = year is None and start > today
    y = start.year - 1 if moved else start.year
    d = date_or_none(y, month, day) if day else min(last_day_of_month(y, month), today)
    return d, not moved


def _said(found: list[When], m: re.Match[str], said: tuple[date | None, bool], today: date) -> None:
    day, as_said = said
    if day is not None and day <= today:
        found.append(When(m.start(), m.end(), day, relative=False, as_said=as_said))


def find_dates(tx: TypedText, today: date) -> list[When]:
    """Every date not after ``today`` the message states; of overlapping ones the longest."""
    found: list[When] = []
    f = tx.folded
    for pattern in _RELATIVE:
        for m in pattern.finditer(f):
            # The optional lead words belong to the number when it is a word ("tam" = about).
            w = duration_when(tx, m, today, bare=False)
            if w is not None:
                found.append(w)
    for pattern, kind in _FIXED:
        for m in pattern.finditer(f):
            day = {
                "yesterday": today - timedelta(days=1),
                "2days": today - timedelta(days=2),
                "today": today,
                "lastweek": today - timedelta(days=today.weekday() + 1),
                "lastmonth": today.replace(day=1) - timedelta(days=1),
                "lastyear": date(today.year - 1, 12, 31),
            }[kind]
            found.append(When(m.start(), m.end(), day, present=kind == "today"))
    for m in _DMY.finditer(f):
        d = date_or_none(expand_year(m.group(4), today), int(m.group(3)), int(m.group(1)))
        if (d := _in_past(d, today)) is not None:
            found.append(When(m.start(), m.end(), d, relative=False, as_said=True))
    for m in _ISO.finditer(f):
        d = _in_past(date_or_none(int(m.group(1)), int(m.group(2)), int(m.group(3))), today)
        if d is not None:
            found.append(When(m.start(), m.end(), d, relative=False, as_said=True))
    for m in _VI_DATE.finditer(f):
        year = int(m.group(3)) if m.group(3) else None
        _said(found, m, _said_date(year, int(m.group(2)), int(m.group(1)), today), today)
    for m in _DM.finditer(f):
        said_day, as_said = _said_date(None, int(m.group(2)), int(m.group(1)), today)
        # "hôm 3/9" is a day gone by: last year's when this year's is still to come, as said
        _said(found, m, (said_day, as_said or _GONE_DAY.search(f, 0, m.start()) is not None), today)
    for m in _EN_DATE.finditer(f):
        month = _EN_MONTHS[m.group("m1") or m.group("m2") or m.group("m3")]
        given = m.group("d1") or m.group("d2")
        year = int(m.group("y")) if m.group("y") else None
        _said(found, m, _said_date(year, month, int(given) if given else None, today), today)
    for m in _VI_MONTH.finditer(f):
        year = int(m.group(2)) if m.group(2) else None
        _said(found, m, _said_date(year, int(m.group(1)), None, today), today)
    for m in _YEAR.finditer(f):
        year = int(m.group(1))
        if year <= today.year:  # the year's last day at the latest (see the module doc)
            found.append(When(m.start(), m.end(), min(date(year, 12, 31), today), relative=False))
    return longest_first([w for w in found if w.day <= today])


def longest_first(found: list[When]) -> list[When]:
    """Drops expressions overlapping a longer one ("2 tuần trước" over "tuần trước")."""
    kept: list[When] = []
    for w in sorted(found, key=lambda w: (-(w.end - w.start), w.start)):
        if all(w.end <= k.start or w.start >= k.end for k in kept):
            kept.append(w)
    return sorted(kept, key=lambda w: w.start)
