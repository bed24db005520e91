"""Who may give blood, and when: the rules of Thông tư 26/2013/TT-BYT as a pure function.

All numbers and condition lists come from ``data/eligibility.toml`` (read by :func:`load_rules`),
so an organiser can follow a change of the law without touching code. :func:`assess` combines
what is known about a person into one :class:`Assessment`:

* a permanent condition (Art. 4.2), an age above the maximum (Art. 4.1), a weight under the
  minimum (Art. 4.2) or a requested volume above the limit → ``NOT_ELIGIBLE``; these win over
  every waiting period, because a date to come back would be false;
* otherwise anything that only has to pass (under 18, the interval since the last donation,
  a temporary deferral of Art. 5) → ``NOT_YET``, ``from_date`` being the latest of those dates
  (``None`` when one of them has no known date, e.g. age known only as "17 tuổi");
* otherwise ``AT_SITE`` when something only the site's doctor can judge was mentioned
  (medicines, alcohol, breastfeeding, a weight between the two minimums with the sex unknown);
* otherwise ``ELIGIBLE``.

Every assessment ends with the reason ``elig_final_decision_at_site``: haemoglobin, blood
pressure, pulse and the doctor's examination are always decided at the site, never by the bot.

Decisions on readings of the circular (documented again in the data file):

* Age (Art. 4.1, "từ đủ 18 tuổi đến 60 tuổi"): eligible from the 18th birthday up to and
  including age 60, i.e. until the day before the 61st birthday.
* A 29 February birthday falls on 1 March in common years (the later, more careful day).
* Periods in months end on the same day of the month; when that day does not exist the period
  ends on the 1st of the next month (again the later day).
* Intervals (Art. 6.4): the interval of the kind given last applies, whatever the next kind.
  A last donation of unknown kind counts as whole blood (the longest interval).
"""

from __future__ import annotations

import calendar
import math
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from domain.text import fold, nfc

__all__ = [
    "ENGINE_MESSAGES",
    "Assessment",
    "Condition",
    "ConditionKind",
    "DonationKind",
    "Period",
    "Person",
    "Reason",
    "Rules",
    "RulesError",
    "Sex",
    "Unit",
    "Verdict",
    "VolumeLimit",
    "Volumes",
    "add_months",
    "assess",
    "load_rules",
    "next_eligible_date",
    "nth_birthday",
    "whole_blood_volumes",
]


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_YET = "not_yet"
    NOT_ELIGIBLE = "not_eligible"
    AT_SITE = "at_site"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class DonationKind(StrEnum):
    WHOLE_BLOOD = "whole_blood"
    RED_CELLS = "apheresis_red_cells"
    PLATELETS = "apheresis_platelets"
    PLASMA = "apheresis_plasma"


class Unit(StrEnum):
    MONTHS = "months"
    WEEKS = "weeks"
    DAYS = "days"


class ConditionKind(StrEnum):
    DEFERRAL = "deferral"
    PERMANENT = "permanent"
    ADVICE = "advice"


ParamValue = str | int | float | date


class RulesError(ValueError):
    """The rules file is missing, unreadable or inconsistent; ``key`` is the dotted key path."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Reason:
    key: str  # a message-catalog key (``elig_*``)
    params: Mapping[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    date_of_birth: date | None = None
    age_years: int | None = None  # when only the age is known ("17 tuổi")
    sex: Sex | None = None
    weight_kg: float | None = None
    last_donation_on: date | None = None
    last_donation_kind: DonationKind | None = None
    # condition id -> the day it happened or ended (today when unknown)
    events: Mapping[str, date] = field(default_factory=dict)
    permanent: frozenset[str] = frozenset()  # permanent condition ids
    advice: frozenset[str] = frozenset()  # topics only the site decides (antibiotics, alcohol...)

    def is_empty(self) -> bool:
        return self == Person()


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    reasons: tuple[Reason, ...]
    from_date: date | None = None  # NOT_YET: the first day eligible, when known
    max_volume_ml: int | None = None  # volume limit from the weight for the kind asked about
    unknown: tuple[str, ...] = ()  # facts not known, so not checked ("age", "weight", ...)
    # NOT_ELIGIBLE and NOT_YET: the reasons that decide it (for NOT_YET with a date, those that end
    # on `from_date`), all a person needs to hear; empty for ELIGIBLE and AT_SITE.
    deciding: tuple[Reason, ...] = ()


# --------------------------------------------------------------------------------------------
# Calendar helpers (private to the rules: the careful, later day whenever a date is ambiguous)


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months; a missing day rolls to the 1st of next month."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def nth_birthday(born: date, years: int) -> date:
    """The day one turns ``years``; a 29 February birthday falls on 1 March in common years."""
    return add_months(born, 12 * years)


# --------------------------------------------------------------------------------------------
# The rules


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def after(self, start: date) -> date:
        """The first day after the period that started on ``start`` has fully passed."""
        if self.unit is Unit.MONTHS:
            return add_months(start, self.amount)
        if self.unit is Unit.WEEKS:
            return start + timedelta(weeks=self.amount)
        return start + timedelta(days=self.amount)


@dataclass(frozen=True)
class Condition:
    id: str
    kind: ConditionKind
    message: str
    source: str
    period: Period | None = None  # deferrals with a fixed period
    open_ended: bool = False  # deferral lasting while the state lasts (pregnancy)
    params: Mapping[str, int] = field(default_factory=dict)  # numbers the message shows
    keywords_vi: tuple[str, ...] = ()  # NFC, lower case, as written in the file
    keywords_en: tuple[str, ...] = ()
    keywords_folded: tuple[str, ...] = ()  # every keyword through domain.text.fold

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.keywords_vi + self.keywords_en

    def message_params(self) -> frozenset[str]:
        """The placeholders the engine fills in this condition's message."""
        names = set(self.params)
        if self.period is not None:
            names |= {"date", str(self.period.unit)}
        return frozenset(names)


@dataclass(frozen=True)
class AgeRule:
    min_years: int
    max_years: int  # inclusive: eligible until the day before the (max + 1)th birthday
    source: str


@dataclass(frozen=True)
class WeightRule:
    min_kg_female: float
    min_kg_male: float
    full_volume_from_kg: float  # below it (and above the minimum): small_volume_ml at most
    small_volume_ml: int
    ml_per_kg: float
    max_ml: int
    volumes_ml: tuple[int, ...]  # standard bag volumes; the limit is the largest that fits
    source: str

    def max_volume_ml(self, weight_kg: float) -> int | None:
        if weight_kg < min(self.min_kg_female, self.min_kg_male):
            return None
        if weight_kg < self.full_volume_from_kg:
            limit = float(self.small_volume_ml)
        else:
            limit = min(float(self.max_ml), self.ml_per_kg * weight_kg)
        fitting = [v for v in self.volumes_ml if v <= limit + 1e-9]
        return max(fitting) if fitting else None


@dataclass(frozen=True)
class ApheresisRule:
    min_kg: float
    max_ml: int
    high_min_kg: float
    high_max_ml: int
    source: str

    def max_volume_ml(self, weight_kg: float) -> int | None:
        if weight_kg >= self.high_min_kg:
            return self.high_max_ml
        if weight_kg >= self.min_kg:
            return self.max_ml
        return None


@dataclass(frozen=True)
class Interval:
    weeks: int
    source: str


@dataclass(frozen=True)
class SiteChecks:
    haemoglobin_min_g_l: int
    haemoglobin_min_g_l_large: int
    large_volume_from_ml: int
    source: str


# Message keys the engine itself emits, with the placeholders each one receives. Condition
# messages come from the rules file (see Rules.message_params).
ENGINE_MESSAGES: Mapping[str, frozenset[str]] = {
    "elig_verdict_eligible": frozenset(),
    "elig_verdict_not_yet": frozenset({"date"}),
    "elig_verdict_not_yet_no_date": frozenset(),
    "elig_verdict_not_eligible": frozenset(),
    "elig_verdict_at_site": frozenset(),
    "elig_under_min_age": frozenset({"date", "min_years"}),
    "elig_under_min_age_no_date": frozenset({"min_years"}),
    "elig_age_over_max": frozenset({"min_years", "max_years"}),
    "elig_age_over_max_before_date": frozenset({"date", "max_years"}),
    "elig_weight_below_min": frozenset({"min_kg"}),
    "elig_weight_min_by_sex": frozenset({"female_min_kg", "male_min_kg"}),
    "elig_apheresis_weight_below_min": frozenset({"min_kg"}),
    "elig_max_volume": frozenset({"max_ml"}),
    "elig_volume_above_max": frozenset({"volume_ml", "max_ml"}),
    "elig_haemoglobin_large_volume": frozenset({"min_g_l", "volume_ml"}),
    "elig_interval": frozenset({"date", "weeks"}),
    "elig_interval_kind_assumed": frozenset({"weeks"}),
    "elig_permanent": frozenset(),
    "elig_advice_other": frozenset(),
    "elig_unknown_age": frozenset(),
    "elig_unknown_weight": frozenset(),
    "elig_unknown_sex": frozenset(),
    "elig_unknown_last_donation": frozenset(),
    "elig_final_decision_at_site": frozenset(),
}


@dataclass(frozen=True)
class Rules:
    law: str
    age: AgeRule
    weight: WeightRule
    apheresis: ApheresisRule
    intervals: Mapping[DonationKind, Interval]
    deferrals: Mapping[str, Condition]
    permanent: Mapping[str, Condition]
    advice: Mapping[str, Condition]
    site: SiteChecks

    def conditions(self) -> Iterator[Condition]:
        yield from self.deferrals.values()
        yield from self.permanent.values()
        yield from self.advice.values()

    def condition(self, condition_id: str) -> Condition | None:
        for table in (self.deferrals, self.permanent, self.advice):
            if condition_id in table:
                return table[condition_id]
        return None

    def message_params(self) -> dict[str, frozenset[str]]:
        """Every message key the engine can emit with these rules -> its placeholders."""
        keys = dict(ENGINE_MESSAGES)
        for cond in self.conditions():
            keys[cond.message] = cond.message_params()
        return keys


# --------------------------------------------------------------------------------------------
# Loading and validating the rules file

_ID_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")
_UNITS = tuple(Unit)


class _Reader:
    """Typed access to a TOML table that reports the dotted key path of every problem."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def table(self, name: str) -> _Reader:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise RulesError(self.key(name), "must be a table")
        return _Reader(value, self.key(name))

    def has(self, name: str) -> bool:
        return name in self.data

    def positive_int(self, name: str) -> int:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RulesError(self.key(name), "must be a positive integer")
        return value

    def positive_number(self, name: str) -> float:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise RulesError(self.key(name), "must be a positive number")
        if not math.isfinite(value):
            raise RulesError(self.key(name), "must be a finite number")
        return float(value)

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise RulesError(self.key(name), "must be a non-empty string")
        return nfc(value.strip())

    def source(self) -> str:
        return self.text("source")

    def message(self) -> str:
        value = self.text("message")
        if not value.startswith("elig_") or not set(value) <= _ID_CHARS:
            raise RulesError(self.key("message"), "must be a message key like elig_something")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise RulesError(self.key(name), "must be a list of strings")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not fold(item):
                raise RulesError(f"{self.key(name)}[{i}]", "must be a non-empty string")
            out.append(" ".join(nfc(item).lower().split()))
        return tuple(out)

    def ints(self, name: str) -> tuple[int, ...]:
        value = self.data.get(name)
        if not isinstance(value, list) or not value:
            raise RulesError(self.key(name), "must be a non-empty list of positive integers")
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
                raise RulesError(f"{self.key(name)}[{i}]", "must be a positive integer")
        return tuple(sorted(set(value)))

    def only(self, allowed: set[str]) -> None:
        for name in self.data:
            if name not in allowed:
                raise RulesError(self.key(name), "unknown key")


def _condition(reader: _Reader, cid: str, kind: ConditionKind) -> Condition:
    if not cid or not set(cid) <= _ID_CHARS:
        raise RulesError(reader.path, "condition ids use lower-case letters, digits and _")
    base = {"message", "source", "keywords_vi", "keywords_en", "note"}
    period: Period | None = None
    open_ended = False
    params: dict[str, int] = {}
    if kind is ConditionKind.DEFERRAL:
        reader.only(base | set(_UNITS) | {"open_ended"})
        units = [u for u in _UNITS if reader.has(u)]
        if reader.data.get("open_ended") is True:
            if units:
                raise RulesError(reader.key(units[0]), "an open-ended deferral has no period")
            open_ended = True
        elif reader.has("open_ended"):
            raise RulesError(reader.key("open_ended"), "must be true when present")
        elif len(units) != 1:
            raise RulesError(reader.path, "needs exactly one of months, weeks or days")
        else:
            period = Period(reader.positive_int(units[0]), units[0])
    elif kind is ConditionKind.ADVICE:
        reader.only(base | {"days", "hours"})
        params = {name: reader.positive_int(name) for name in ("days", "hours") if reader.has(name)}
    else:
        reader.only(base)
    if reader.has("note"):
        reader.text("note")
    vi = reader.strings("keywords_vi")
    en = reader.strings("keywords_en")
    return Condition(
        id=cid,
        kind=kind,
        message=reader.message(),
        source=reader.source(),
        period=period,
        open_ended=open_ended,
        params=params,
        keywords_vi=vi,
        keywords_en=en,
        keywords_folded=tuple(fold(k) for k in vi + en),
    )


def _conditions(root: _Reader, name: str, kind: ConditionKind) -> dict[str, Condition]:
    table = root.table(name)
    out: dict[str, Condition] = {}
    for cid in table.data:
        out[cid] = _condition(table.table(cid), cid, kind)
    if not out:
        raise RulesError(table.path, "must list at least one condition")
    return out


def _parse_rules(data: Mapping[str, Any]) -> Rules:
    root = _Reader(data, "")
    root.only(
        {"schema", "law", "age", "weight", "apheresis", "intervals"}
        | {"deferrals", "permanent", "advice", "site_checks"}
    )
    if root.data.get("schema") != 1:
        raise RulesError("schema", "must be 1")

    age_t = root.table("age")
    age_t.only({"min_years", "max_years", "source", "note"})
    age = AgeRule(age_t.positive_int("min_years"), age_t.positive_int("max_years"), age_t.source())
    if age.max_years <= age.min_years:
        raise RulesError("age.max_years", "must be greater than age.min_years")

    w = root.table("weight")
    w.only(
        {"min_kg_female", "min_kg_male", "full_volume_from_kg", "small_volume_ml", "ml_per_kg"}
        | {"max_ml", "volumes_ml", "source", "note"}
    )
    weight = WeightRule(
        min_kg_female=w.positive_number("min_kg_female"),
        min_kg_male=w.positive_number("min_kg_male"),
        full_volume_from_kg=w.positive_number("full_volume_from_kg"),
        small_volume_ml=w.positive_int("small_volume_ml"),
        ml_per_kg=w.positive_number("ml_per_kg"),
        max_ml=w.positive_int("max_ml"),
        volumes_ml=w.ints("volumes_ml"),
        source=w.source(),
    )
    if weight.full_volume_from_kg < min(weight.min_kg_female, weight.min_kg_male):
        raise RulesError("weight.full_volume_from_kg", "must not be below the minimum weights")
    if weight.small_volume_ml not in weight.volumes_ml:
        raise RulesError("weight.small_volume_ml", "must be one of weight.volumes_ml")

    a = root.table("apheresis")
    a.only({"min_kg", "max_ml", "high_min_kg", "high_max_ml", "source", "note"})
    apheresis = ApheresisRule(
        a.positive_number("min_kg"),
        a.positive_int("max_ml"),
        a.positive_number("high_min_kg"),
        a.positive_int("high_max_ml"),
        a.source(),
    )
    if apheresis.high_min_kg <= apheresis.min_kg:
        raise RulesError("apheresis.high_min_kg", "must be greater than apheresis.min_kg")

    it = root.table("intervals")
    it.only({k.value for k in DonationKind} | {"note"})
    intervals: dict[DonationKind, Interval] = {}
    for kind in DonationKind:
        entry = it.table(kind.value)
        entry.only({"weeks", "source", "note"})
        intervals[kind] = Interval(entry.positive_int("weeks"), entry.source())

    s = root.table("site_checks")
    s.only({"haemoglobin_min_g_l", "haemoglobin_min_g_l_large", "large_volume_from_ml"} | {"source", "note"})
    site = SiteChecks(
        s.positive_int("haemoglobin_min_g_l"),
        s.positive_int("haemoglobin_min_g_l_large"),
        s.positive_int("large_volume_from_ml"),
        s.source(),
    )

    rules = Rules(
        law=root.text("law"),
        age=age,
        weight=weight,
        apheresis=apheresis,
        intervals=intervals,
        deferrals=_conditions(root, "deferrals", ConditionKind.DEFERRAL),
        permanent=_conditions(root, "permanent", ConditionKind.PERMANENT),
        advice=_conditions(root, "advice", ConditionKind.ADVICE),
        site=site,
    )
    _check_consistency(rules)
    return rules


def _check_consistency(rules: Rules) -> None:
    seen_ids: dict[str, str] = {}
    seen_keywords: dict[str, str] = {}
    messages: dict[str, frozenset[str]] = dict(ENGINE_MESSAGES)
    for cond in rules.conditions():
        table = {
            ConditionKind.DEFERRAL: "deferrals",
            ConditionKind.PERMANENT: "permanent",
            ConditionKind.ADVICE: "advice",
        }[cond.kind]
        where = f"{table}.{cond.id}"
        if cond.id in seen_ids:
            raise RulesError(where, f"the id is also used in {seen_ids[cond.id]}")
        seen_ids[cond.id] = where
        if cond.message in messages and messages[cond.message] != cond.message_params():
            raise RulesError(f"{where}.message", f"{cond.message} is used elsewhere with other placeholders")
        messages[cond.message] = cond.message_params()
        for kw in cond.keywords_folded:
            if kw in seen_keywords and seen_keywords[kw] != where:
                raise RulesError(f"{where}.keywords", f"keyword {kw!r} is also listed in {seen_keywords[kw]}")
            seen_keywords[kw] = where


def load_rules(path: str | Path) -> Rules:
    """Reads and validates the rules file; raises :class:`RulesError` naming the bad key."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RulesError("", f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError("", f"{path} is not valid UTF-8 TOML: {exc}") from exc
    return _parse_rules(data)


# --------------------------------------------------------------------------------------------
# Assessing a person


def next_eligible_date(
    *, last_on: date, last_kind: DonationKind, next_kind: DonationKind, rules: Rules
) -> date:
    """First day one may give ``next_kind`` after giving ``last_kind`` on ``last_on``.

    Art. 6.4: when kinds alternate, the interval of the kind given last applies, so
    ``next_kind`` does not change the answer (it is taken so callers state what they ask).
    """
    del next_kind
    return last_on + timedelta(weeks=rules.intervals[last_kind].weeks)


def _kg(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


@dataclass
class _Findings:
    blocking: list[Reason] = field(default_factory=list)
    waiting: list[tuple[Reason, date | None]] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    site: list[Reason] = field(default_factory=list)  # makes the verdict AT_SITE
    unknown: list[str] = field(default_factory=list)


def _check_age(person: Person, on: date, rules: Rules, f: _Findings) -> None:
    age = rules.age
    over = {"min_years": age.min_years, "max_years": age.max_years}
    if person.date_of_birth is not None:
        adult_on = nth_birthday(person.date_of_birth, age.min_years)
        if on < adult_on:
            params: dict[str, ParamValue] = {"date": adult_on, "min_years": age.min_years}
            f.waiting.append((Reason("elig_under_min_age", params), adult_on))
        if on >= nth_birthday(person.date_of_birth, age.max_years + 1):
            f.blocking.append(Reason("elig_age_over_max", over))
    elif person.age_years is not None:
        if person.age_years < age.min_years:
            reason = Reason("elig_under_min_age_no_date", {"min_years": age.min_years})
            f.waiting.append((reason, None))
        elif person.age_years > age.max_years:
            f.blocking.append(Reason("elig_age_over_max", over))
    else:
        f.unknown.append("age")


def _check_weight(
    person: Person, rules: Rules, kind: DonationKind, volume_ml: int | None, f: _Findings
) -> int | None:
    w = rules.weight
    by_sex = Reason(
        "elig_weight_min_by_sex",
        {"female_min_kg": _kg(w.min_kg_female), "male_min_kg": _kg(w.min_kg_male)},
    )
    if person.weight_kg is None:
        f.unknown.append("weight")
        if person.sex is None and kind is DonationKind.WHOLE_BLOOD:
            f.unknown.append("sex")
        return None
    kg = person.weight_kg
    limit: int | None
    if kind is DonationKind.WHOLE_BLOOD:
        if person.sex is Sex.MALE:
            minimum = w.min_kg_male
        elif person.sex is Sex.FEMALE:
            minimum = w.min_kg_female
        else:
            minimum = min(w.min_kg_female, w.min_kg_male)
        if kg < minimum:
            f.blocking.append(Reason("elig_weight_below_min", {"min_kg": _kg(minimum)}))
            if person.sex is None:
                f.blocking.append(by_sex)
            return None
        if person.sex is None and kg < max(w.min_kg_female, w.min_kg_male):
            # Enough for a woman, not for a man: only the person (or the site) knows.
            f.unknown.append("sex")
            f.site.append(by_sex)
        limit = w.max_volume_ml(kg)
    else:
        limit = rules.apheresis.max_volume_ml(kg)
        if limit is None:
            minimum = rules.apheresis.min_kg
            f.blocking.append(Reason("elig_apheresis_weight_below_min", {"min_kg": _kg(minimum)}))
            return None
    if limit is None:
        return None
    if volume_ml is not None and volume_ml > limit:
        f.blocking.append(Reason("elig_volume_above_max", {"volume_ml": volume_ml, "max_ml": limit}))
    else:
        f.notes.append(Reason("elig_max_volume", {"max_ml": limit}))
    return limit


def _check_interval(person: Person, rules: Rules, kind: DonationKind, on: date, f: _Findings) -> None:
    if person.last_donation_on is None:
        f.unknown.append("last_donation")
        return
    last_kind = person.last_donation_kind
    if last_kind is None:
        last_kind = DonationKind.WHOLE_BLOOD
        weeks = rules.intervals[last_kind].weeks
        f.notes.append(Reason("elig_interval_kind_assumed", {"weeks": weeks}))
    until = next_eligible_date(
        last_on=person.last_donation_on, last_kind=last_kind, next_kind=kind, rules=rules
    )
    if on < until:
        weeks = rules.intervals[last_kind].weeks
        f.waiting.append((Reason("elig_interval", {"date": until, "weeks": weeks}), until))


def _add_advice(cond: Condition | None, f: _Findings) -> None:
    if cond is None:
        f.site.append(Reason("elig_advice_other"))
    else:
        f.site.append(Reason(cond.message, dict(cond.params)))


def _check_conditions(person: Person, rules: Rules, on: date, f: _Findings) -> None:
    for cid in sorted(person.permanent):
        cond = rules.permanent.get(cid)
        f.blocking.append(Reason(cond.message if cond else "elig_permanent"))
    deferrals: list[tuple[Reason, date | None]] = []
    for cid, when in sorted(person.events.items()):
        cond = rules.deferrals.get(cid)
        if cond is None:
            if cid in rules.permanent:
                f.blocking.append(Reason(rules.permanent[cid].message))
            else:
                _add_advice(rules.advice.get(cid), f)
        elif cond.period is None:  # open-ended: lasts while the state lasts
            deferrals.append((Reason(cond.message), None))
        else:
            until = cond.period.after(when)
            if on < until:
                params: dict[str, ParamValue] = {"date": until}
                params[str(cond.period.unit)] = cond.period.amount
                deferrals.append((Reason(cond.message, params), until))
    # The binding (latest) deferral first; undated ones before all.
    deferrals.sort(key=lambda item: (item[1] is not None, -(item[1] or on).toordinal()))
    f.waiting.extend(deferrals)
    for topic in sorted(person.advice):
        if topic in rules.deferrals or topic in rules.permanent:
            continue  # a deferral or permanent id in the wrong set: judged above if given there
        _add_advice(rules.advice.get(topic), f)


def assess(
    person: Person,
    *,
    on: date,
    rules: Rules,
    kind: DonationKind = DonationKind.WHOLE_BLOOD,
    volume_ml: int | None = None,
) -> Assessment:
    """What the bot may say about ``person`` giving ``kind`` on ``on`` (see module doc)."""
    f = _Findings()
    _check_age(person, on, rules, f)
    limit = _check_weight(person, rules, kind, volume_ml, f)
    _check_interval(person, rules, kind, on, f)
    _check_conditions(person, rules, on, f)
    if (
        volume_ml is not None
        and kind is DonationKind.WHOLE_BLOOD
        and volume_ml >= rules.site.large_volume_from_ml
    ):
        params = {"min_g_l": rules.site.haemoglobin_min_g_l_large, "volume_ml": volume_ml}
        f.notes.append(Reason("elig_haemoglobin_large_volume", params))

    final = Reason("elig_final_decision_at_site")
    unknown = tuple(dict.fromkeys(f.unknown))
    # Permanent conditions first, then the other reasons that make it final.
    blocking = sorted(f.blocking, key=lambda r: r.key not in _permanent_keys(rules))
    if blocking:
        return Assessment(Verdict.NOT_ELIGIBLE, (*blocking, final), unknown=unknown, deciding=tuple(blocking))
    if f.waiting:
        # As collected: the 18th birthday, the interval, then the deferrals (latest first).
        dates = [d for _, d in f.waiting]
        from_date = None if any(d is None for d in dates) else max(d for d in dates if d)
        if person.date_of_birth is not None and from_date is not None:
            too_old_on = nth_birthday(person.date_of_birth, rules.age.max_years + 1)
            if from_date >= too_old_on:
                # The wait ends after the 61st birthday: there is no date to come back.
                late_params: dict[str, ParamValue] = {
                    "date": too_old_on,
                    "max_years": rules.age.max_years,
                }
                late = Reason("elig_age_over_max_before_date", late_params)
                waiting = (r for r, _ in f.waiting)
                return Assessment(
                    Verdict.NOT_ELIGIBLE, (late, *waiting, final), unknown=unknown, deciding=(late,)
                )
        reasons = (*(r for r, _ in f.waiting), *f.site, *f.notes, final)
        # The waits that end on from_date (or, without one, those with no known end); an earlier end
        # would only contradict the date given.
        deciding = tuple(r for r, d in f.waiting if d == from_date)
        if any(r.key == "elig_interval" for r in deciding):
            deciding += tuple(n for n in f.notes if n.key == "elig_interval_kind_assumed")
        return Assessment(Verdict.NOT_YET, reasons, from_date, limit, unknown, deciding)
    if f.site:
        return Assessment(Verdict.AT_SITE, (*f.site, *f.notes, final), None, limit, unknown)
    return Assessment(Verdict.ELIGIBLE, (*f.notes, final), None, limit, unknown)


def _permanent_keys(rules: Rules) -> set[str]:
    return {c.message for c in rules.permanent.values()} | {"elig_permanent"}


# --------------------------------------------------------------------------------------------
# Volumes at the chair: what the desk may record for a donor of a given weight (Art. 4.2 a)


class VolumeLimit(StrEnum):
    """What decided the largest volume a donor may give (the desk says it when a button is left out)."""

    NO_WEIGHT = "no_weight"  # no weight recorded: no volume can be checked, none is offered
    BELOW_MIN = "below_min"  # under the minimum weight for their sex: no whole-blood donation at all
    SMALL = "small"  # from the minimum to under `full_volume_from_kg`: `small_volume_ml` at most
    PER_KG = "per_kg"  # `ml_per_kg` × the weight
    MAX = "max"  # the absolute maximum `max_ml`


@dataclass(frozen=True)
class Volumes:
    """The volumes of `offered` a donor may give, the largest allowed and the rule that set it."""

    allowed: tuple[int, ...]
    left_out: tuple[int, ...]
    max_ml: int | None
    limit: VolumeLimit
    min_kg: float | None = None  # BELOW_MIN: the minimum for their sex


def whole_blood_volumes(
    rules: Rules, *, weight_kg: float | None, sex: Sex | None, offered: tuple[int, ...]
) -> Volumes:
    """Which of the `offered` whole-blood volumes a donor of `weight_kg` may give, by the rules file.

    The same rule as :func:`assess` (``WeightRule.max_volume_ml``), with the minimum of the donor's own
    sex (the lower of the two when the sex is unknown). Without a weight nothing is allowed: a bag filled
    beyond what the donor may give cannot be undone, so the desk weighs first.
    """
    w = rules.weight
    if weight_kg is None:
        return Volumes((), offered, None, VolumeLimit.NO_WEIGHT)
    if sex is Sex.MALE:
        minimum = w.min_kg_male
    elif sex is Sex.FEMALE:
        minimum = w.min_kg_female
    else:
        minimum = min(w.min_kg_female, w.min_kg_male)
    limit = w.max_volume_ml(weight_kg) if weight_kg >= minimum else None
    if limit is None:
        return Volumes((), offered, None, VolumeLimit.BELOW_MIN, min_kg=minimum)
    if weight_kg < w.full_volume_from_kg:
        why = VolumeLimit.SMALL
    elif w.ml_per_kg * weight_kg < w.max_ml:
        why = VolumeLimit.PER_KG
    else:
        why = VolumeLimit.MAX
    allowed = tuple(v for v in offered if v <= limit)
    return Volumes(allowed, tuple(v for v in offered if v > limit), limit, why)
