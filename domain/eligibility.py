"""Who may give blood, and when: the rules of Thông tư 26/2013/TT-BYT as a pure function.

All numbers and condition lists come from ``data/eligibility.toml`` (typed in :mod:`domain.rules`,
read by :func:`domain.rules_file.load_rules`), so an organiser can follow a change of the law
without touching code. :func:`assess` combines
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
  ends on the 1st of the next month (again the later day: :func:`domain.calendar.add_months_rolled`).
* Intervals (Art. 6.4): the interval of the kind given last applies, whatever the next kind.
  A last donation of unknown kind counts as whole blood (the longest interval).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import nth_birthday
from domain.rules import Condition, DonationKind, Rules

__all__ = [
    "ENGINE_MESSAGES",
    "Assessment",
    "ParamValue",
    "Person",
    "Reason",
    "Sex",
    "Verdict",
    "assess",
    "message_params",
    "next_eligible_date",
]


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_YET = "not_yet"
    NOT_ELIGIBLE = "not_eligible"
    AT_SITE = "at_site"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


ParamValue = str | int | float | date


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


# Message keys the engine itself emits, with the placeholders each one receives. Condition
# messages come from the rules file (see message_params).
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
    # domain.rule_statements: the rule of a fact the question gave, beside a yes
    "elig_rule_age": frozenset({"min_years", "max_years"}),
    "elig_rule_interval": frozenset({"whole_weeks", "component_weeks"}),
    "elig_deferral_over": frozenset(),
}


def message_params(rules: Rules) -> dict[str, frozenset[str]]:
    """Every message key the engine can emit with these rules -> its placeholders (the
    catalogs must have exactly these)."""
    keys = dict(ENGINE_MESSAGES)
    for cond in rules.conditions():
        keys[cond.message] = cond.message_params()
    return keys


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
