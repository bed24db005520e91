"""Personal facts picked out of a free-text question, for the eligibility rules.

``extract_facts("nang 43kg, mới xăm hình 2 tháng", today=..., rules=...)`` gives a
:class:`~domain.eligibility.Person` with the weight and a tattoo two months ago. People write
with or without diacritics and in chat shorthand, so matching runs on folded text
(:func:`domain.text.fold`), but wherever the person *did* type a mark it has to agree with the
word we look for: "xam" may be "xăm" (tattoo) while "xám" (grey) is not; "cân" is a weight
unit while "cần" (need) is not.

The extractor prefers saying nothing to guessing: it returns ``None`` when no fact about the
person is found, so a question about the rules ("bao nhiêu tuổi thì được hiến?") goes to the
FAQ. Numbers after "trên/dưới/từ/tối thiểu/over/under..." are rules, not facts; a condition
that is negated ("chưa từng xăm"), hypothetical ("nếu bị cúm"), about other people ("người bị
HIV") or about donating itself ("hiến máu có bị lây HIV không") is skipped. Permanent
conditions, which end the conversation, also need a sign that the person has them ("tôi bị",
"mắc", "nhiễm", "have").

Dates: when the text says when ("cách đây 1 tháng", "2 tuần trước", "tháng trước", "12/3/2025")
that date is used; an imprecise period is taken at its latest day ("tháng trước" → the last day
of last month), which can only make a waiting period end later, never sooner. Without a date
an event counts as today ("vừa tiêm vắc xin"). A birth year alone gives an age of which the
less favourable of the two possible values is kept (17 rather than 18, 61 rather than 60).

Months are calendar months clamped at the month's end (:func:`domain.calendar.add_months_clamped`,
as in :mod:`domain.dates`). The date and weight spellings here are wider than those of
:mod:`domain.dates`/:mod:`domain.measures`, which read a whole answer: here a date or a weight is
one phrase among others in a sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from domain.calendar import add_months_clamped, date_or_none, last_day_of_month
from domain.eligibility import Person, Sex
from domain.rules import Condition, ConditionKind, DonationKind, Rules
from domain.text import fold, nfc

__all__ = ["extract_facts"]

# --------------------------------------------------------------------------------------------
# Folded text that keeps a character-for-character link to what was typed

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
_QUALITY = frozenset("\u0306\u0302\u031b")  # ă, â/ê/ô, ơ/ư


def _marks(ch: str) -> tuple[str, str]:
    """(vowel-quality marks or 'đ', tone marks) of one character."""
    low = ch.lower()
    if low == "đ":
        return "đ", ""
    parts = unicodedata.normalize("NFD", low)[1:]
    return "".join(m for m in parts if m in _QUALITY), "".join(m for m in parts if m in _TONES)


def _compatible(typed: str, written: str) -> bool:
    """Whether ``typed`` may be ``written``: every mark the person typed must be there.

    Both fold to the same letters. Vowel-quality marks (ă â ê ô ơ ư đ) are compared letter by
    letter, tone marks syllable by syllable (so "thuý" and "thúy" agree).
    """
    t_letters = [(i, c) for i, c in enumerate(typed) if c.isalnum()]
    w_letters = [c for c in nfc(written).lower() if c.isalnum()]
    if len(t_letters) != len(w_letters):
        return True  # cannot align (unusual separators): the fold already matched
    syllable_tones: dict[int, tuple[set[str], set[str]]] = {}
    word = 0
    previous = -1
    for (pos, t_ch), w_ch in zip(t_letters, w_letters, strict=True):
        if previous >= 0 and pos != previous + 1:
            word += 1
        previous = pos
        t_quality, t_tone = _marks(t_ch)
        w_quality, w_tone = _marks(w_ch)
        if t_quality and t_quality != w_quality:
            return False
        typed_tones, written_tones = syllable_tones.setdefault(word, (set(), set()))
        typed_tones.update(t_tone)
        written_tones.update(w_tone)
    return all(not t or t == w for t, w in syllable_tones.values())


_CLAUSE_BREAK = re.compile(r"[;!?\n()\[\]]|[.,](?!\d)|(?<!\d)[.,]|\s-\s")
_CONJUNCTIONS = ("nhưng", "vì", "khi", "và", "hoặc", "but", "because", "since", "when", "while")


class _Text:
    """The message in NFC (``orig``) and folded (``folded``), of the same length."""

    def __init__(self, text: str) -> None:
        orig = "".join(c for c in nfc(text) if not unicodedata.combining(c))
        chars: list[str] = []
        for c in orig:
            if c.isspace():
                chars.append(" ")
                continue
            f = fold(c)
            if len(f) != 1:
                f = c.lower() if len(c.lower()) == 1 else "?"
            chars.append(f)
        self.orig = orig
        self.folded = "".join(chars)
        breaks = {0, len(orig)}
        for m in _CLAUSE_BREAK.finditer(self.folded):
            breaks.update((m.start(), m.end()))
        for s, e, _ in self.find(_CONJUNCTIONS):
            breaks.update((s, e))
        self.breaks = sorted(breaks)

    def typed(self, start: int, end: int) -> str:
        return self.orig[start:end]

    def clause(self, pos: int) -> tuple[int, int]:
        start = max(b for b in self.breaks if b <= pos)
        end = min((b for b in self.breaks if b > pos), default=len(self.orig))
        return start, end

    def find(
        self, phrases: Iterable[str], start: int = 0, end: int | None = None
    ) -> list[tuple[int, int, str]]:
        """Matches of written phrases (folded, word-bounded, marks compatible) in [start, end)."""
        stop = len(self.folded) if end is None else end
        out: list[tuple[int, int, str]] = []
        for phrase in phrases:
            for m in _phrase_re(phrase).finditer(self.folded, start, stop):
                if _compatible(self.orig[m.start() : m.end()], phrase):
                    out.append((m.start(), m.end(), phrase))
        return out

    def window_before(self, pos: int, words: int) -> int:
        """Start of the ``words`` words before ``pos``, not crossing the clause start."""
        clause_start, _ = self.clause(pos)
        starts = [m.start() for m in re.finditer(r"[^\s]+", self.folded[clause_start:pos])]
        if not starts:
            return pos
        return clause_start + starts[max(0, len(starts) - words)]

    def has_before(self, pos: int, phrases: Sequence[str], words: int = 100) -> bool:
        return bool(self.find(phrases, self.window_before(pos, words), pos))

    def has_in_clause(self, pos: int, phrases: Sequence[str]) -> bool:
        start, end = self.clause(pos)
        return bool(self.find(phrases, start, end))


@lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    tokens = [re.escape(t) for t in re.split(r"[\s\-]+", fold(phrase)) if t]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(tokens) + r"(?![\w+])")


# --------------------------------------------------------------------------------------------
# Word lists (written with diacritics; see _compatible)

_PRONOUNS = ("tôi", "em", "mình", "tui", "tớ", "tao", "i", "i'm", "im", "my", "me", "i've")
_NEGATIONS = (
    "không", "ko", "k", "kh", "hông", "chưa", "chẳng", "chả", "never", "not", "no", "don't",
    "dont", "didn't", "didnt", "haven't", "havent", "hasn't", "without", "khỏi cần",
)  # fmt: skip
_HYPOTHETICAL = ("nếu", "giả sử", "lỡ", "if", "suppose", "in case")
_GENERIC_SUBJECT = ("người", "ai", "những ai", "people", "someone", "anyone", "those", "person")
_RECENT = ("mới", "vừa", "vừa mới", "just", "recently")
_PAST_DONATION = (*_RECENT, "lần trước", "lần cuối", "gần nhất", "đã", "last", "đợt trước")
_ILL = ("bị", "mắc", "đang", "ốm", "had", "have")
_MODALS = ("được", "đc", "thể", "nên", "muốn", "sẽ", "cần", "định", "phải", "want", "to")
_STATE = ("bị", "mắc", "nhiễm", "đang", "đã", "từng", "có", "have", "has", "had", "got", "with")
_STATE_OR_RECENT = (*_STATE, *_RECENT)
_RULE_CUES = ("bao lâu", "bao nhiêu", "bao giờ", "khi nào", "how long", "how many", "how soon")
_PERMANENT_SUPPRESS = (
    "lây", "nguy cơ", "phòng", "ngừa", "xét nghiệm", "test", "tested", "tiêm", "vắc xin",
    "risk", "prevent", "catch", "get", "spread", "giảm", "reduce", "sàng lọc", "screen",
    "có phải", "kiểm tra",
)  # fmt: skip
_NEGATIVE_RESULT = ("âm tính", "negative")
_POSITIVE_RESULT = ("dương tính", "positive")
_COMPARISONS = (
    "trên", "dưới", "từ", "đến", "quá", "hơn", "tối thiểu", "tối đa", "ít nhất",
    "nhiều nhất", "over", "under", "above", "below", "from", "to", "at least", "at most",
    "max", "min", "maximum", "minimum", "than", "mỗi", "each", "per",
)  # fmt: skip
_AFTER_COMPARISONS = ("trở lên", "trở xuống", "trở lại", "or older", "or more", "or over")

# --------------------------------------------------------------------------------------------
# Dates


def _full_year(y: int, today: date) -> int:
    if y >= 100:
        return y
    return 2000 + y if 2000 + y <= today.year else 1900 + y


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
class _When:
    start: int
    end: int
    day: date
    bare: bool = False  # a bare duration ("2 tháng") only counts right after what it dates
    relative: bool = True  # "… trước", "cách đây …", "ago": in the past by its wording


_RELATIVE = [
    re.compile(rf"(?<!\w)(?:cach day|cach|khoang|tam|tu)?\s*{_NUM}\s*{_UNIT}(?P<half>\s+ruoi)?\s+"
               rf"(?:ve truoc|truoc|roi|qua|ago|before)(?!\w)"),
    re.compile(rf"(?<!\w)cach day\s+(?:khoang\s+|tam\s+)?{_NUM}\s*{_UNIT}(?P<half>\s+ruoi)?(?!\w)"),
]  # fmt: skip
_BARE = re.compile(
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
_VI_DATE = re.compile(r"(?<!\w)ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?(?!\w)")
_VI_MONTH = re.compile(r"(?<!\w)thang\s+(\d{1,2})(?:\s*(?:nam|/)\s*(\d{4}))?(?![\w/])")


def _amount(tx: _Text, start: int, end: int, token: str) -> float | None:
    if token.isdigit():
        return float(token)
    typed = tx.typed(start, end)
    for word, value in _NUMBER_WORDS.items():
        if fold(word) == token and _compatible(typed, word):
            if word in _STRICT_NUMBER_WORDS and typed.lower() == fold(word):
                continue  # "nam", "sau", "tam" without marks: not numbers
            return value
    return None


def _relative(tx: _Text, m: re.Match[str], today: date, bare: bool) -> _When | None:
    amount = _amount(tx, m.start("num"), m.end("num"), m.group("num"))
    if amount is None or amount <= 0:
        return None
    if m.group("half"):
        amount += 0.5
    return _When(m.start(), m.end(), _ago(today, amount, _unit(m.group("unit"))), bare)


def _in_past(d: date | None, today: date) -> date | None:
    return d if d is not None and d <= today else None


def _find_dates(tx: _Text, today: date) -> list[_When]:
    found: list[_When] = []
    f = tx.folded
    for pattern in _RELATIVE:
        for m in pattern.finditer(f):
            # The optional lead words belong to the number when it is a word ("tam" = about).
            w = _relative(tx, m, today, bare=False)
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
            found.append(_When(m.start(), m.end(), day))
    for m in _DMY.finditer(f):
        d = date_or_none(_full_year(int(m.group(4)), today), int(m.group(3)), int(m.group(1)))
        if (d := _in_past(d, today)) is not None:
            found.append(_When(m.start(), m.end(), d, relative=False))
    for m in _ISO.finditer(f):
        d = _in_past(date_or_none(int(m.group(1)), int(m.group(2)), int(m.group(3))), today)
        if d is not None:
            found.append(_When(m.start(), m.end(), d, relative=False))
    for m in _VI_DATE.finditer(f):
        year = int(m.group(3)) if m.group(3) else today.year
        d = date_or_none(year, int(m.group(2)), int(m.group(1)))
        if d is not None and d > today and not m.group(3):
            d = date_or_none(year - 1, int(m.group(2)), int(m.group(1)))
        if (d := _in_past(d, today)) is not None:
            found.append(_When(m.start(), m.end(), d, relative=False))
    for m in _DM.finditer(f):
        d = date_or_none(today.year, int(m.group(2)), int(m.group(1)))
        if d is not None and d > today:
            d = date_or_none(today.year - 1, int(m.group(2)), int(m.group(1)))
        if d is not None:
            found.append(_When(m.start(), m.end(), d, relative=False))
    for m in _VI_MONTH.finditer(f):
        month = int(m.group(1))
        if not 1 <= month <= 12:
            continue
        year = int(m.group(2)) if m.group(2) else today.year
        if not m.group(2) and month > today.month:
            year -= 1
        day = min(last_day_of_month(year, month), today)
        found.append(_When(m.start(), m.end(), day, relative=False))
    return _longest_first([w for w in found if w.day <= today])


def _longest_first(found: list[_When]) -> list[_When]:
    """Drops expressions overlapping a longer one ("2 tuần trước" over "tuần trước")."""
    kept: list[_When] = []
    for w in sorted(found, key=lambda w: (-(w.end - w.start), w.start)):
        if all(w.end <= k.start or w.start >= k.end for k in kept):
            kept.append(w)
    return sorted(kept, key=lambda w: w.start)


# --------------------------------------------------------------------------------------------
# Birth, age, weight, sex


def _comparison_before(tx: _Text, pos: int) -> bool:
    before = tx.folded[max(0, pos - 2) : pos]
    if before.rstrip().endswith(("-", "–", "~", "<", ">", "≥", "≤")):
        return True
    return tx.has_before(pos, _COMPARISONS, words=2)


def _comparison_after(tx: _Text, end: int) -> bool:
    after = tx.folded[end : end + 16]
    if re.match(r"\s*(?:[-–~]\s*\d|\+)", after):
        return True  # a range "18-60", or "18+"
    return bool(tx.find(_AFTER_COMPARISONS, end, min(len(tx.folded), end + 14)))


_BIRTH_LEAD = (
    r"(?<!\w)(?:ngay sinh|nam sinh|sinh nam|sinh ngay|sinh|sn|ns|born(?: in| on)?|dob|"
    r"date of birth|birthday)\s*[:=]?\s*(?:la\s+|vao\s+)?"
)
_BIRTH_DATE = re.compile(
    _BIRTH_LEAD + r"(?:(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})|(\d{4})-(\d{1,2})"
    r"-(\d{1,2})|ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4}))(?![\d/.\-])"
)
_BIRTH_YEAR = re.compile(_BIRTH_LEAD + r"(\d{4})(?![\d/.\-])")
_BIRTH_YEAR_SHORT = re.compile(r"(?<!\w)(?:sinh nam|nam sinh|sn|ns)\s*[:=]?\s*(\d{2})(?![\d/.\-\w])")
_GEN_Z = re.compile(r"(?<!\w)2k(\d{1,2})(?!\w)")


@dataclass
class _Birth:
    born: date | None = None
    year: int | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def _find_birth(tx: _Text, today: date) -> _Birth:
    out = _Birth()
    f = tx.folded
    m = _BIRTH_DATE.search(f)
    if m is not None:
        if m.group(1):
            d = date_or_none(_full_year(int(m.group(4)), today), int(m.group(3)), int(m.group(1)))
        elif m.group(5):
            d = date_or_none(int(m.group(5)), int(m.group(6)), int(m.group(7)))
        else:
            d = date_or_none(int(m.group(10)), int(m.group(9)), int(m.group(8)))
        if d is not None and date(today.year - 120, 1, 1) <= d <= today:
            out.born = d
            out.spans.append((m.start(), m.end()))
            return out
    for pattern in (_BIRTH_YEAR, _BIRTH_YEAR_SHORT, _GEN_Z):
        m = pattern.search(f)
        if m is None:
            continue
        raw = int(m.group(1))
        year = 2000 + raw if pattern is _GEN_Z else _full_year(raw, today)
        if today.year - 120 <= year <= today.year:
            out.year = year
            out.spans.append((m.start(), m.end()))
            return out
    return out


_AGE_UNIT = re.compile(
    r"(?<![\w.,])(\d{1,3})\s*(tuoi|years?\s*old|yrs?\s*old|y/?o)(?!\w)|(?<![\w.,])(\d{2})t(?!\w)"
)
_AGE_LEAD = re.compile(
    r"(?<!\w)(i'?m|i am|im|age|aged|tuoi|nam nay)\s*[:=]?\s*(\d{1,3})(?![\d.,]*\d)(?!\w)"
    r"(?!(?:[.,]\d+)?\s*(?:kg|kilos?|lbs?|pounds?|ky|ki|can|cm|m|ml|ngay|tuan|thang|nam|days?|"
    r"weeks?|months?|years? ago|%)(?!\w))"
)


def _find_age(tx: _Text) -> int | None:
    ages: list[int] = []
    for m in _AGE_UNIT.finditer(tx.folded):
        number = m.group(1) or m.group(3)
        start, end = (m.start(1), m.end()) if m.group(1) else (m.start(3), m.end())
        if m.group(2) == "tuoi" and not _compatible(tx.typed(m.start(2), m.end(2)), "tuổi"):
            continue
        if _comparison_before(tx, start) or _comparison_after(tx, end):
            continue
        ages.append(int(number))
    for m in _AGE_LEAD.finditer(tx.folded):
        lead = m.group(1)
        if lead == "tuoi" and not _compatible(tx.typed(m.start(1), m.end(1)), "tuổi"):
            continue
        if lead == "nam nay" and not _compatible(tx.typed(m.start(1), m.end(1)), "năm nay"):
            continue
        if _comparison_after(tx, m.end()):
            continue
        ages.append(int(m.group(2)))
    ages = [a for a in ages if 1 <= a <= 120]
    return ages[0] if ages and len(set(ages)) == 1 else None


_KG = r"(\d{2,3}(?:[.,]\d{1,2})?)"
_WEIGHT_UNITS = {
    "kg": 1.0, "kgs": 1.0, "kilo": 1.0, "kilos": 1.0, "kilogram": 1.0, "kilograms": 1.0,
    "ki lo": 1.0, "ky": 1.0, "ki": 1.0, "can": 1.0, "lb": 0.45359237, "lbs": 0.45359237,
    "pound": 0.45359237, "pounds": 0.45359237,
}  # fmt: skip
_UNIT_WRITTEN = {"ky": ("ký", "kí", "ki"), "ki": ("ký", "kí", "ki"), "can": ("cân",)}
_WEIGHT_UNIT = re.compile(rf"(?<![\w.,]){_KG}\s*(kilograms?|kilos?|kgs?|ki lo|ky|ki|can|lbs?|pounds?)(?!\w)")
_WEIGHT_LEAD = re.compile(
    r"(?<!\w)(can nang|nang|weigh|weighs|weighing|weight)\s*(?:(?:la|khoang|tam|chi|co|"
    rf"duoc|is|about|around|only|:|=)\s*)*{_KG}(?!\d)(?!\s*(?:tuoi|t\b|years?|ml|cm|%))"
    r"(?:\s*(kilograms?|kilos?|kgs?|ki lo|ky|ki|can|lbs?|pounds?)(?!\w))?"
)


def _unit_ok(tx: _Text, start: int, end: int, unit: str) -> bool:
    written = _UNIT_WRITTEN.get(unit)
    return written is None or any(_compatible(tx.typed(start, end), w) for w in written)


def _find_weight(tx: _Text) -> float | None:
    weights: list[float] = []
    for m in _WEIGHT_UNIT.finditer(tx.folded):
        unit = m.group(2)
        if not _unit_ok(tx, m.start(2), m.end(2), unit):
            continue
        if _comparison_before(tx, m.start()) or _comparison_after(tx, m.end()):
            continue
        weights.append(float(m.group(1).replace(",", ".")) * _WEIGHT_UNITS[unit])
    for m in _WEIGHT_LEAD.finditer(tx.folded):
        lead = m.group(1)
        if lead in ("nang", "can nang") and not _compatible(
            tx.typed(m.start(1), m.end(1)), "cân nặng" if lead == "can nang" else "nặng"
        ):
            continue
        unit = m.group(3) or "kg"
        if m.group(3) and not _unit_ok(tx, m.start(3), m.end(3), unit):
            continue
        if _comparison_after(tx, m.end()):
            continue
        weights.append(float(m.group(2).replace(",", ".")) * _WEIGHT_UNITS[unit])
    weights = [round(w, 1) for w in weights if 25 <= w <= 250]
    return weights[0] if weights and len(set(weights)) == 1 else None


_FEMALE = (
    "là nữ", "là phụ nữ", "là con gái", "là gái", "là nữ giới", "giới tính nữ", "em gái",
    "con gái", "phái nữ", "i'm a woman", "i am a woman", "i'm female", "i am female",
    "i'm a girl", "i am a girl", "gender female", "sex female",
)  # fmt: skip
_MALE = (
    "là nam", "là nam giới", "là con trai", "là trai", "là đàn ông", "giới tính nam",
    "em trai", "con trai", "phái nam", "i'm a man", "i am a man", "i'm male", "i am male",
    "i'm a guy", "i am a guy", "i'm a boy", "i am a boy", "gender male", "sex male",
)  # fmt: skip
_SEX_WORDS = {"nữ": Sex.FEMALE, "nữ giới": Sex.FEMALE, "female": Sex.FEMALE, "nam": Sex.MALE}
_SEX_WORDS |= {"nam giới": Sex.MALE, "male": Sex.MALE}
_SEX_THEN_NUMBER = re.compile(
    r"(?<!\w)(nu|nam|female|male)\s*,?\s*\d{1,3}(?:[.,]\d{1,2})?\s*(?:tuoi|t|kg|kgs|ky|ki|can|"
    r"years?|y/?o)(?!\w)"
)


def _find_sex(tx: _Text) -> Sex | None:
    found: set[Sex] = set()
    if tx.find(_FEMALE):
        found.add(Sex.FEMALE)
    if tx.find(_MALE):
        found.add(Sex.MALE)
    for m in re.finditer(r"[^,;/|\n]+", tx.folded):
        segment = m.group().strip()
        offset = m.start() + m.group().index(segment) if segment else 0
        for word, sex in _SEX_WORDS.items():
            if segment == fold(word) and _compatible(tx.typed(offset, offset + len(segment)), word):
                found.add(sex)
    for m in _SEX_THEN_NUMBER.finditer(tx.folded):
        word = {"nu": "nữ", "nam": "nam", "female": "female", "male": "male"}[m.group(1)]
        if _compatible(tx.typed(m.start(1), m.end(1)), word):
            found.add(_SEX_WORDS[word])
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------------------------
# Conditions and donations


@dataclass(frozen=True)
class _Anchor:
    start: int
    end: int
    condition: Condition | None = None  # None: a donation
    kind: DonationKind | None = None
    recent: bool = False  # "mới/vừa/just": today when no date is given
    past: bool = False  # a donation said to be in the past ("lần trước", "last", "đã")


def _condition_keywords(rules: Rules) -> list[tuple[str, Condition]]:
    return [(kw, cond) for cond in rules.conditions() for kw in cond.keywords]


def _find_conditions(tx: _Text, rules: Rules) -> list[tuple[int, int, Condition]]:
    matches: list[tuple[int, int, Condition]] = []
    for kw, cond in _condition_keywords(rules):
        for s, e, _ in tx.find((kw,)):
            matches.append((s, e, cond))
    matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
    kept: list[tuple[int, int, Condition]] = []
    for s, e, cond in matches:
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, cond))
    return sorted(kept, key=lambda m: m[0])


_DONATION_VI = re.compile(
    r"(?<!\w)hien(\s+(?:mau\s+toan\s+phan|mau|tieu\s+cau|huyet\s+tuong|hong\s+cau|toan\s+phan|"
    r"khoi\s+hong\s+cau))?(?!\w)"
)
_DONATION_EN = re.compile(
    r"(?<!\w)(?:donated|gave blood|given blood|last donation|last donated|donation|gave)"
    r"((?:\s+(?:blood|whole blood|platelets?|plasma|red cells?))?)(?!\w)"
)
_NOT_DONATION_AFTER = re.compile(r"^\s+(?:tai|nay|gio|dang|van|co\s+the|thoi)(?!\w)")
_DONATING = re.compile(r"(?<!\w)(?:hien|donat\w*|give blood|giving blood|gave blood)(?!\w)")


def _kind_of(words: str) -> DonationKind | None:
    w = " ".join(words.split())
    if "tieu cau" in w or "platelet" in w:
        return DonationKind.PLATELETS
    if "huyet tuong" in w or "plasma" in w:
        return DonationKind.PLASMA
    if "hong cau" in w or "red cell" in w:
        return DonationKind.RED_CELLS
    if "toan phan" in w or "whole blood" in w:
        return DonationKind.WHOLE_BLOOD
    return None


def _is_donation_word(tx: _Text, start: int, end: int) -> bool:
    """A "hien" that is "hiến" (donate), not "hiện" (now) or "hiền" (gentle)."""
    return _compatible(tx.typed(start, start + 4), "hiến") and not _NOT_DONATION_AFTER.match(tx.folded[end:])


def _find_donations(tx: _Text) -> list[_Anchor]:
    out: list[_Anchor] = []
    for m in _DONATION_VI.finditer(tx.folded):
        if not _is_donation_word(tx, m.start(), m.start() + 4):
            continue
        if tx.has_before(m.start(), _MODALS, words=1):
            continue  # "mới được hiến", "muốn hiến": not a donation that happened
        recent = tx.has_before(m.start(), _RECENT, words=2)
        past = tx.has_before(m.start(), _PAST_DONATION, words=3)
        kind = _kind_of(m.group(1) or "")
        out.append(_Anchor(m.start(), m.end(), kind=kind, recent=recent, past=past))
    for m in _DONATION_EN.finditer(tx.folded):
        if m.group() == "gave":
            continue  # "gave" alone: gave what?
        recent = tx.has_before(m.start(), _RECENT, words=2)
        kind = _kind_of(m.group(1) or "")
        out.append(_Anchor(m.start(), m.end(), kind=kind, recent=recent, past=True))
    return out


def _donating_before(tx: _Text, pos: int) -> bool:
    start, _ = tx.clause(pos)
    for m in _DONATING.finditer(tx.folded, start, pos):
        if not m.group().startswith("hien") or _is_donation_word(tx, m.start(), m.end()):
            return True
    return False


def _keep_condition(tx: _Text, s: int, e: int, cond: Condition, has_time: bool) -> bool:
    """Whether a matched condition is a fact about the person (see module doc)."""
    if tx.has_before(s, _NEGATIONS, words=5) or tx.has_before(s, _HYPOTHETICAL):
        return False
    clause_pronoun = tx.has_in_clause(s, _PRONOUNS)
    if tx.has_before(s, _GENERIC_SUBJECT, words=3) and not clause_pronoun:
        return False
    if _donating_before(tx, s):
        return False
    marker = tx.has_before(s, _STATE_OR_RECENT, words=3)
    if cond.kind is ConditionKind.PERMANENT:
        if tx.has_before(s, _PERMANENT_SUPPRESS, words=6):
            return False
        _, clause_end = tx.clause(s)
        if tx.find(_NEGATIVE_RESULT, e, clause_end):
            return False
        positive = bool(tx.find(_POSITIVE_RESULT, e, clause_end))
        return clause_pronoun or marker or positive
    # "xăm hình bao lâu thì được hiến?" asks about the rule, not about the person.
    pronoun_before = bool(tx.find(_PRONOUNS, 0, s))
    dated = has_time or _BARE.match(tx.folded, e) is not None
    return pronoun_before or marker or dated or not tx.find(_RULE_CUES)


def _assign_dates(anchors: list[_Anchor], whens: list[_When], tx: _Text) -> dict[int, date]:
    """Which date goes with which anchor: the nearest one before it in the same clause, else
    the nearest one after; a bare duration only right after its anchor."""
    dated: dict[int, date] = {}
    for w in whens:
        clause = tx.clause(w.start)
        same = [i for i, a in enumerate(anchors) if tx.clause(a.start) == clause]
        if not w.relative:  # a calendar date dates a donation only if it is said to be past
            same = [i for i in same if anchors[i].condition is not None or anchors[i].past]
        before = [i for i in same if anchors[i].end <= w.start]
        after = [i for i in same if anchors[i].start >= w.end]
        target: int | None = None
        if before:
            target = max(before, key=lambda i: anchors[i].end)
        elif after and not w.bare:
            target = min(after, key=lambda i: anchors[i].start)
        if target is not None and target not in dated:
            dated[target] = w.day
    return dated


def _bare_durations(tx: _Text, anchors: list[_Anchor], today: date) -> list[_When]:
    out: list[_When] = []
    for a in anchors:
        m = _BARE.match(tx.folded, a.end)
        if m is None:
            continue
        if a.condition is None and not a.past and not re.search(r"duoc|dc|roi", m.group("filler")):
            continue  # "hiến máu 3 tháng 1 lần": a rhythm, not a date
        if a.condition is not None and tx.find(_ILL, tx.window_before(a.start, 2), a.end):
            continue  # "bị cúm 3 ngày": how long it lasted, not when it ended
        w = _relative(tx, m, today, bare=True)
        if w is not None:
            out.append(w)
    return out


def extract_facts(text: str, *, today: date, rules: Rules) -> Person | None:
    """The personal facts in ``text``, or ``None`` when it states none (see module doc)."""
    tx = _Text(text)
    birth = _find_birth(tx, today)
    age = _find_age(tx)
    weight = _find_weight(tx)
    sex = _find_sex(tx)

    whens = [w for w in _find_dates(tx, today) if all(w.end <= bs or w.start >= be for bs, be in birth.spans)]
    anchors: list[_Anchor] = []
    for s, e, cond in _find_conditions(tx, rules):
        if _keep_condition(tx, s, e, cond, has_time=bool(whens)):
            recent = tx.has_before(s, _RECENT, words=3)
            anchors.append(_Anchor(s, e, condition=cond, recent=recent))
    anchors.extend(_find_donations(tx))
    anchors.sort(key=lambda a: a.start)

    whens = _longest_first(whens + _bare_durations(tx, anchors, today))
    dated = _assign_dates(anchors, whens, tx)

    events: dict[str, date] = {}
    permanent: set[str] = set()
    advice: set[str] = set()
    last_on: date | None = None
    last_kind: DonationKind | None = None
    for i, a in enumerate(anchors):
        when = dated.get(i)
        if a.condition is None:
            day = when if when is not None else (today if a.recent else None)
            if day is not None and (last_on is None or day > last_on):
                last_on, last_kind = day, a.kind
            continue
        cond = a.condition
        if cond.kind is ConditionKind.PERMANENT:
            permanent.add(cond.id)
        elif cond.kind is ConditionKind.ADVICE:
            advice.add(cond.id)
        else:
            day = when if when is not None else today
            events[cond.id] = max(day, events.get(cond.id, day))

    date_of_birth: date | None = birth.born
    age_years: int | None = None
    if date_of_birth is None:
        if birth.year is not None:
            oldest = today.year - birth.year
            # The less favourable of the two possible ages: 17 rather than 18, 61 over 60.
            age_years = oldest - 1 if oldest - 1 < rules.age.min_years else oldest
        else:
            age_years = age

    person = Person(
        date_of_birth=date_of_birth,
        age_years=age_years,
        sex=sex,
        weight_kg=weight,
        last_donation_on=last_on,
        last_donation_kind=last_kind if last_on is not None else None,
        events=events,
        permanent=frozenset(permanent),
        advice=frozenset(advice),
    )
    return None if person.is_empty() else person
