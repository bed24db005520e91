"""Personal facts picked out of a free-text question, for the eligibility rules.

``extract_facts("nang 43kg, mới xăm hình 2 tháng", today=..., rules=...)`` gives a
:class:`~domain.eligibility.Person` with the weight and a tattoo two months ago. Matching runs on
folded text whose marks must agree with what was typed (:mod:`domain.facts_text`); dates and
durations come from :mod:`domain.facts_dates`, birth, age, weight and sex from
:mod:`domain.facts_profile`. This module finds the conditions and donations and ties each to its
date.

The extractor prefers saying nothing to guessing: it returns ``None`` when no fact about the
person is found, so a question about the rules ("bao nhiêu tuổi thì được hiến?") goes to the
FAQ. A condition that is negated ("chưa từng xăm"), hypothetical ("nếu bị cúm"), about other
people ("người bị HIV", "vợ tôi đang mang thai": :mod:`domain.relatives`) or about donating
itself ("hiến máu có bị lây HIV không") is skipped.
Permanent conditions, which end the conversation, also need a sign that the person has them
("tôi bị", "mắc", "nhiễm", "have").

Without a date an event counts as today ("vừa tiêm vắc xin"). A birth year alone gives an age
of which the less favourable of the two possible values is kept (17 rather than 18, 61 rather
than 60).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from domain.eligibility import Person
from domain.facts_dates import BARE_DURATION, When, duration_when, find_dates, longest_first
from domain.facts_profile import find_age, find_birth, find_sex, find_weight
from domain.facts_text import TypedText, compatible
from domain.relatives import without_relatives
from domain.rules import Condition, ConditionKind, DonationKind, Rules
from domain.text import fold

__all__ = ["extract_facts"]

# --------------------------------------------------------------------------------------------
# Word lists (written with diacritics; see domain.facts_text.compatible)

_PRONOUNS = ("tôi", "em", "mình", "tui", "tớ", "tao", "i", "i'm", "im", "my", "me", "i've")
_NEGATIONS = (
    "không", "ko", "k", "kh", "hông", "chưa", "chẳng", "chả", "never", "not", "no", "don't",
    "dont", "didn't", "didnt", "haven't", "havent", "hasn't", "without", "khỏi cần",
)  # fmt: skip
_HYPOTHETICAL = ("nếu", "giả sử", "lỡ", "if", "suppose", "in case")
_GENERIC_SUBJECT = ("người", "ai", "những ai", "people", "someone", "anyone", "those", "person")
_RECENT = ("mới", "vừa", "vừa mới", "just", "recently")
_PAST_MARKERS = ("lần trước", "lần cuối", "gần nhất", "đã", "last", "đợt trước")
_PAST_DONATION = (*_RECENT, *_PAST_MARKERS)
# Said after the donation: "tôi hiến máu lần cuối vào 15/3".
_PAST_AFTER = ("lần cuối", "lần trước", "lần gần nhất", "gần nhất", "đợt trước")
_ILL = ("bị", "mắc", "đang", "ốm", "had", "have")
_MODALS = ("được", "đc", "thể", "nên", "muốn", "sẽ", "cần", "định", "phải", "want", "to")
_STATE = ("bị", "mắc", "nhiễm", "đang", "đã", "từng", "có", "have", "has", "had", "got", "with")
_STATE_OR_RECENT = (*_STATE, *_RECENT)
_RULE_CUES = (
    "bao lâu", "bao nhiêu", "bao giờ", "khi nào", "mấy ngày", "mấy tuần", "mấy tháng", "mấy năm",
    "chờ", "đợi", "how long", "how many", "how soon", "wait",
)  # fmt: skip
_FUTURE = (
    "định", "dự định", "sắp", "sẽ", "chuẩn bị", "tuần sau", "tháng sau", "ngày mai", "mai",
    "going to", "gonna", "will", "plan to", "planning to", "tomorrow", "next week",
)  # fmt: skip
_PERMANENT_SUPPRESS = (
    "lây", "nguy cơ", "phòng", "ngừa", "xét nghiệm", "test", "tested", "tiêm", "vắc xin",
    "risk", "prevent", "catch", "get", "spread", "giảm", "reduce", "sàng lọc", "screen",
    "có phải", "kiểm tra", "sợ", "lo", "ngại", "afraid", "scared", "worried", "worry",
)  # fmt: skip
# "Thiếu máu" is also a hospital short of blood: "bệnh viện đang thiếu máu", "dịp Tết hay thiếu máu".
_SHORTAGE = (
    "bệnh viện", "bv", "kho máu", "ngân hàng máu", "nguồn máu", "viện", "trung tâm", "tỉnh", "cả nước",
    "việt nam", "nước mình", "nước ta", "nc mình", "nc ta", "tết", "mùa hè", "khan hiếm", "trầm trọng",
    "bệnh nhân", "cấp cứu", "dự trữ",
    "hospital", "shortage", "blood bank",
)  # fmt: skip
_NEGATIVE_RESULT = ("âm tính", "negative")
_POSITIVE_RESULT = ("dương tính", "positive")

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


def _lead(folded: str) -> int:
    """Length of a leading state word ("bi ", "dang ", "mac ") of a matched keyword."""
    m = re.match(r"(?:bi|dang|mac|bij) ", folded)
    return m.end() if m else 0


@lru_cache(maxsize=4096)
def _longest_word(keyword: str) -> str:
    """The keyword's longest folded word: a keyword whose word is not in the text cannot match."""
    return max(re.split(r"[\s\-]+", fold(keyword)), key=len)


def _find_conditions(tx: TypedText, rules: Rules) -> list[tuple[int, int, Condition]]:
    matches: list[tuple[int, int, Condition]] = []
    for kw, cond in _condition_keywords(rules):
        if _longest_word(kw) not in tx.folded:
            continue  # a substring test, 50 times cheaper than the match (p95 of a question)
        for s, e, _ in tx.find((kw,)):
            matches.append((s, e, cond))
    # The longest first, not counting a leading "bị"/"đang": "ho gà" (whooping cough) over "bị ho".
    matches.sort(key=lambda m: (-(m[1] - m[0] - _lead(tx.folded[m[0] : m[1]])), m[0]))
    kept: list[tuple[int, int, Condition]] = []
    for s, e, cond in matches:
        overlapping = [n for n, (ks, ke, _) in enumerate(kept) if not (e <= ks or s >= ke)]
        if not overlapping:
            kept.append((s, e, cond))
        elif len(overlapping) == 1 and kept[overlapping[0]][2].id == cond.id:
            # Two keywords of one condition overlapping ("mới sinh" and "sinh con" in "mới sinh con được
            # 6 tháng") are one mention: its end is where a duration after it starts.
            ks, ke, _ = kept[overlapping[0]]
            kept[overlapping[0]] = (min(s, ks), max(e, ke), cond)
    return sorted(kept, key=lambda m: m[0])


_DONATION_VI = re.compile(
    r"(?<!\w)hien(\s+(?:mau\s+toan\s+phan|mau|tieu\s+cau|huyet\s+tuong|hong\s+cau|toan\s+phan|"
    r"khoi\s+hong\s+cau))?(?!\w)"
)
_DONATION_EN = re.compile(
    r"(?<!\w)(?:donated|gave blood|given blood|last donation|last donated|donation|gave)"
    r"((?:\s+(?:blood|whole blood|platelets?|plasma|red cells?))?)(?!\w)"
)
_ASKS_CAN = re.compile(r"\s*(?:lai\s+)?(?:duoc|dc|dk)\s+(?:khong|ko|k|kh|hok|hong|chua|nua)(?!\w)")
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


def _is_donation_word(tx: TypedText, start: int, end: int) -> bool:
    """A "hien" that is "hiến" (donate), not "hiện" (now) or "hiền" (gentle)."""
    return compatible(tx.typed(start, start + 4), "hiến") and not _NOT_DONATION_AFTER.match(tx.folded[end:])


def _find_donations(tx: TypedText) -> list[_Anchor]:
    out: list[_Anchor] = []
    for m in _DONATION_VI.finditer(tx.folded):
        if not _is_donation_word(tx, m.start(), m.start() + 4):
            continue
        if tx.has_before(m.start(), _MODALS, words=1):
            continue  # "mới được hiến", "muốn hiến": not a donation that happened
        if tx.has_before(m.start(), _FUTURE, words=3):
            continue  # "định đi hiến", "sắp hiến", "tuần sau đi hiến": not yet
        clause_start, _ = tx.clause(m.start())
        if tx.has_before(m.start(), ("mới",), words=1) and tx.find(_RULE_CUES, clause_start, m.start()):
            continue  # "nặng bao nhiêu kg mới hiến được": "only then", not "just donated"
        recent = tx.has_before(m.start(), _RECENT, words=2)
        # "mới"/"vừa" right before ("mới đi hiến"), not before another verb ("2h sáng nay mới ngủ,
        # có hiến được không" is about sleep); "đã", "lần cuối" a little further.
        _, clause_end = tx.clause(m.start())
        past = (
            recent
            or tx.has_before(m.start(), _PAST_MARKERS, words=3)
            or bool(tx.find(_PAST_AFTER, m.end(), min(clause_end, m.end() + 16)))
        )
        if not past and _ASKS_CAN.match(tx.folded, m.end()):
            continue  # "đêm qua ngủ ít, có đi hiến được không": asks about donating, not a donation
        kind = _kind_of(m.group(1) or "")
        out.append(_Anchor(m.start(), m.end(), kind=kind, recent=recent, past=past))
    for m in _DONATION_EN.finditer(tx.folded):
        if m.group() == "gave":
            continue  # "gave" alone: gave what?
        recent = tx.has_before(m.start(), _RECENT, words=2)
        kind = _kind_of(m.group(1) or "")
        out.append(_Anchor(m.start(), m.end(), kind=kind, recent=recent, past=True))
    return out


def _donating_before(tx: TypedText, pos: int) -> bool:
    start, _ = tx.clause(pos)
    for m in _DONATING.finditer(tx.folded, start, pos):
        if not m.group().startswith("hien") or _is_donation_word(tx, m.start(), m.end()):
            return True
    return False


def _keep_condition(tx: TypedText, s: int, e: int, cond: Condition, has_time: bool) -> bool:
    """Whether a matched condition is a fact about the person (see module doc)."""
    if tx.has_before(s, _NEGATIONS, words=5):
        return False
    # "nếu bị cúm thì…" is hypothetical; "can I donate if I had a cold last week?" is not: a date.
    if tx.has_before(s, _HYPOTHETICAL) and not has_time:
        return False
    clause_pronoun = tx.has_in_clause(s, _PRONOUNS)
    if tx.has_before(s, _GENERIC_SUBJECT, words=3) and not clause_pronoun:
        return False
    if tx.folded[s:e] == "thieu mau" and tx.has_in_clause(s, _SHORTAGE):
        return False  # a shortage of blood, not the person's anaemia
    marker = tx.has_before(s, _STATE_OR_RECENT, words=3)
    # "hiến máu có bị lây HIV không" asks about donating; "can I donate if I had a cold" tells.
    if _donating_before(tx, s) and not (marker and tx.has_before(s, _PRONOUNS, words=3)):
        return False
    if cond.kind is ConditionKind.PERMANENT:
        clause_start, clause_end = tx.clause(s)
        if tx.find(_NEGATIVE_RESULT, clause_start, clause_end):
            return False
        # "xét nghiệm HIV dương tính", "tested positive for hepatitis C": a result, not a worry.
        if tx.find(_POSITIVE_RESULT, clause_start, clause_end):
            return True
        if tx.has_before(s, _PERMANENT_SUPPRESS, words=6):
            return False
        return clause_pronoun or marker or has_time  # "nhiễm HIV từ 2019": dated, so it happened
    # "xăm hình bao lâu thì được hiến?" asks about the rule, not about the person.
    pronoun_before = bool(tx.find(_PRONOUNS, 0, s))
    dated = has_time or BARE_DURATION.match(tx.folded, e) is not None
    return pronoun_before or marker or dated or not tx.find(_RULE_CUES)


def _assign_dates(anchors: list[_Anchor], whens: list[When], tx: TypedText) -> dict[int, date]:
    """Which date goes with which anchor: the nearest one before it in the same clause, else
    the nearest one after; a bare duration only right after its anchor."""
    dated: dict[int, date] = {}
    for w in whens:
        clause = tx.clause(w.start)
        same = [i for i, a in enumerate(anchors) if tx.clause(a.start) == clause]
        if not w.relative:
            # A calendar date dates a donation only if it is said to be past, or if the asker tells of
            # donating on a day before today, as said ("tôi hiến máu ngày 1/10"; not "mai hiến ngày 5/12").
            same = [
                i
                for i in same
                if anchors[i].condition is not None
                or anchors[i].past
                or (
                    w.as_said
                    and anchors[i].end <= w.start
                    and tx.has_before(anchors[i].start, _PRONOUNS, words=3)
                )
            ]
        if w.present:  # "sáng nay hiến máu được không" asks about today; "sáng nay vừa hiến" tells
            same = [
                i for i in same if anchors[i].condition is not None or anchors[i].past or anchors[i].recent
            ]
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


def _bare_durations(tx: TypedText, anchors: list[_Anchor], today: date) -> list[When]:
    out: list[When] = []
    for a in anchors:
        m = BARE_DURATION.match(tx.folded, a.end)
        if m is None:
            continue
        if a.condition is None and not a.past and not re.search(r"duoc|dc|roi", m.group("filler")):
            continue  # "hiến máu 3 tháng 1 lần": a rhythm, not a date
        if a.condition is not None and tx.find(_ILL, tx.window_before(a.start, 2), a.end):
            continue  # "bị cúm 3 ngày": how long it lasted, not when it ended
        w = duration_when(tx, m, today, bare=True)
        if w is not None:
            out.append(w)
    return out


def extract_facts(text: str, *, today: date, rules: Rules) -> Person | None:
    """The personal facts in ``text``, or ``None`` when it states none (see module doc)."""
    tx = TypedText(without_relatives(text))
    birth = find_birth(tx, today)
    age = find_age(tx)
    weight = find_weight(tx)
    sex = find_sex(tx)

    whens = [w for w in find_dates(tx, today) if all(w.end <= bs or w.start >= be for bs, be in birth.spans)]
    anchors: list[_Anchor] = []
    for s, e, cond in _find_conditions(tx, rules):
        if _keep_condition(tx, s, e, cond, has_time=bool(whens)):
            recent = tx.has_before(s, _RECENT, words=3)
            anchors.append(_Anchor(s, e, condition=cond, recent=recent))
    anchors.extend(_find_donations(tx))
    anchors.sort(key=lambda a: a.start)

    whens = longest_first(whens + _bare_durations(tx, anchors, today))
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
