"""Birth, age, weight and sex stated in a free-text question ("nữ, 2k3, nặng 43kg").

Numbers after "trên/dưới/từ/tối thiểu/over/under..." or in a range ("18-60", "18+") are rules
being asked about, not facts about the person, so they are skipped. Two different ages or
weights in one message give none: the extractor prefers saying nothing to guessing. The weight
spellings are wider than those of :mod:`domain.measures`, which reads a whole answer: here a
weight is one phrase among others in a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from domain.calendar import date_or_none
from domain.dates import expand_year
from domain.eligibility import Sex
from domain.facts_text import TypedText, compatible
from domain.text import fold

__all__ = ["Birth", "find_age", "find_birth", "find_sex", "find_weight"]

_COMPARISONS = (
    "trên", "dưới", "từ", "đến", "quá", "hơn", "tối thiểu", "tối đa", "ít nhất",
    "nhiều nhất", "over", "under", "above", "below", "from", "to", "at least", "at most",
    "max", "min", "maximum", "minimum", "than", "mỗi", "each", "per",
)  # fmt: skip
_AFTER_COMPARISONS = ("trở lên", "trở xuống", "trở lại", "or older", "or more", "or over")


def _comparison_before(tx: TypedText, pos: int) -> bool:
    before = tx.folded[max(0, pos - 2) : pos]
    if before.rstrip().endswith(("-", "–", "~", "<", ">", "≥", "≤")):
        return True
    return tx.has_before(pos, _COMPARISONS, words=2)


def _comparison_after(tx: TypedText, end: int) -> bool:
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
class Birth:
    """A stated date of birth or birth year, with the spans it took (not dates of events)."""

    born: date | None = None
    year: int | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def find_birth(tx: TypedText, today: date) -> Birth:
    """The first date of birth ("sinh 3/8/1995") or else birth year ("sn 95", "2k3") stated."""
    out = Birth()
    f = tx.folded
    m = _BIRTH_DATE.search(f)
    if m is not None:
        if m.group(1):
            d = date_or_none(expand_year(m.group(4), today), int(m.group(3)), int(m.group(1)))
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
        digits = m.group(1)
        year = 2000 + int(digits) if pattern is _GEN_Z else expand_year(digits, today)
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
    r"(?!(?:[.,]\d+)?\s*(?:kg|kilos?|lbs?|pounds?|ky|ki|can(?!\s+(?:i|you|he|she|we|they)\b)|cm|m|ml|"
    r"ngay|tuan|thang|nam|days?|weeks?|months?|years? ago|%)(?!\w))"  # "i'm 17 can i…": English "can"
)


def find_age(tx: TypedText) -> int | None:
    """The age stated ("20 tuổi", "i'm 20"), or ``None`` when none or two different ones."""
    ages: list[int] = []
    for m in _AGE_UNIT.finditer(tx.folded):
        number = m.group(1) or m.group(3)
        start, end = (m.start(1), m.end()) if m.group(1) else (m.start(3), m.end())
        if m.group(2) == "tuoi" and not compatible(tx.typed(m.start(2), m.end(2)), "tuổi"):
            continue
        if _comparison_before(tx, start) or _comparison_after(tx, end):
            continue
        ages.append(int(number))
    for m in _AGE_LEAD.finditer(tx.folded):
        lead = m.group(1)
        if lead == "tuoi" and not compatible(tx.typed(m.start(1), m.end(1)), "tuổi"):
            continue
        if lead == "nam nay" and not compatible(tx.typed(m.start(1), m.end(1)), "năm nay"):
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


def _unit_ok(tx: TypedText, start: int, end: int, unit: str) -> bool:
    written = _UNIT_WRITTEN.get(unit)
    return written is None or any(compatible(tx.typed(start, end), w) for w in written)


def find_weight(tx: TypedText) -> float | None:
    """The weight in kg ("nặng 43kg", "100 lbs"), or ``None`` when none or two different ones."""
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
        if lead in ("nang", "can nang") and not compatible(
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

# "18 tuổi nặng 44kg nữ", "20t nam": the sex after a figure ("20 tuổi năm nay" is this year)
_NUMBER_THEN_SEX = re.compile(
    r"\d{1,3}(?:[.,]\d{1,2})?\s*(?:tuoi|t|kg|kgs|ky|ki|can|years?(?: old)?|y/?o)\s*,?\s*"
    r"(nu|nam|female|male)(?!\w)(?! (?:nay|ngoai|truoc|sau|roi|toi|nua|kia|do|ay)\b)"
)


def find_sex(tx: TypedText) -> Sex | None:
    """The sex stated ("là nữ", "nam, 20 tuổi"), or ``None`` when none or both."""
    found: set[Sex] = set()
    if tx.find(_FEMALE):
        found.add(Sex.FEMALE)
    if tx.find(_MALE):
        found.add(Sex.MALE)
    for m in re.finditer(r"[^,;/|\n]+", tx.folded):
        segment = m.group().strip()
        offset = m.start() + m.group().index(segment) if segment else 0
        for word, sex in _SEX_WORDS.items():
            if segment == fold(word) and compatible(tx.typed(offset, offset + len(segment)), word):
                found.add(sex)
    for m in [*_SEX_THEN_NUMBER.finditer(tx.folded), *_NUMBER_THEN_SEX.finditer(tx.folded)]:
        word = {"nu": "nữ", "nam": "nam", "female": "female", "male": "male"}[m.group(1)]
        if compatible(tx.typed(m.start(1), m.end(1)), word):
            found.add(_SEX_WORDS[word])
    return found.pop() if len(found) == 1 else None
