"""The eligibility engine at and around every boundary of Thông tư 26/2013/TT-BYT."""

from __future__ import annotations

import string
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import add_months_rolled
from domain.eligibility import (
    Assessment,
    Person,
    Reason,
    Sex,
    Verdict,
    assess,
    message_params,
    next_eligible_date,
)
from domain.rules import DonationKind, Rules
from domain.rules_file import load_rules

RULES_PATH = Path(__file__).resolve().parents[3] / "data" / "eligibility.toml"
RULES = load_rules(RULES_PATH)
ON = date(2025, 6, 18)
FINAL = "elig_final_decision_at_site"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return RULES


def adult(**changes: object) -> Person:
    """A 30-year-old man of 70 kg who never gave blood, with ``changes``."""
    base: dict[str, object] = {"date_of_birth": date(1995, 1, 10), "sex": Sex.MALE, "weight_kg": 70}
    base.update(changes)
    return Person(**base)  # type: ignore[arg-type]


def keys(a: Assessment) -> list[str]:
    return [r.key for r in a.reasons]


def reason(a: Assessment, key: str) -> Reason:
    found = [r for r in a.reasons if r.key == key]
    assert found, f"{key} not in {keys(a)}"
    return found[0]


# ------------------------------------------------------------------------------------ age


@pytest.mark.parametrize(
    ("on", "verdict"),
    [
        (date(2025, 6, 17), Verdict.NOT_YET),  # the day before the 18th birthday
        (date(2025, 6, 18), Verdict.ELIGIBLE),  # the 18th birthday
        (date(2025, 6, 19), Verdict.ELIGIBLE),
    ],
)
def test_18th_birthday(rules: Rules, on: date, verdict: Verdict) -> None:
    a = assess(adult(date_of_birth=date(2007, 6, 18)), on=on, rules=rules)
    assert a.verdict is verdict
    if verdict is Verdict.NOT_YET:
        assert a.from_date == date(2025, 6, 18)
        assert reason(a, "elig_under_min_age").params == {"date": date(2025, 6, 18), "min_years": 18}


@pytest.mark.parametrize(
    ("on", "verdict"),
    [
        (date(2025, 6, 17), Verdict.ELIGIBLE),  # still 60
        (date(2025, 6, 18), Verdict.NOT_ELIGIBLE),  # the 61st birthday
        (date(2025, 6, 19), Verdict.NOT_ELIGIBLE),
    ],
)
def test_61st_birthday(rules: Rules, on: date, verdict: Verdict) -> None:
    a = assess(adult(date_of_birth=date(1964, 6, 18)), on=on, rules=rules)
    assert a.verdict is verdict
    if verdict is Verdict.NOT_ELIGIBLE:
        assert keys(a) == ["elig_age_over_max", FINAL]
        assert reason(a, "elig_age_over_max").params == {"min_years": 18, "max_years": 60}


@pytest.mark.parametrize(
    ("born", "on", "verdict"),
    [
        (date(2008, 2, 29), date(2026, 2, 28), Verdict.NOT_YET),
        (date(2008, 2, 29), date(2026, 3, 1), Verdict.ELIGIBLE),
        (date(1964, 2, 29), date(2025, 2, 28), Verdict.ELIGIBLE),
        (date(1964, 2, 29), date(2025, 3, 1), Verdict.NOT_ELIGIBLE),
        (date(1960, 2, 29), date(2021, 2, 28), Verdict.ELIGIBLE),
        (date(1960, 2, 29), date(2021, 3, 1), Verdict.NOT_ELIGIBLE),
    ],
)
def test_29_february_birthdays(rules: Rules, born: date, on: date, verdict: Verdict) -> None:
    a = assess(adult(date_of_birth=born), on=on, rules=rules)
    assert a.verdict is verdict
    if verdict is Verdict.NOT_YET:
        assert a.from_date == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("age", "verdict"),
    [
        (15, Verdict.NOT_YET),
        (17, Verdict.NOT_YET),
        (18, Verdict.ELIGIBLE),
        (60, Verdict.ELIGIBLE),
        (61, Verdict.NOT_ELIGIBLE),
        (75, Verdict.NOT_ELIGIBLE),
    ],
)
def test_age_known_only_in_years(rules: Rules, age: int, verdict: Verdict) -> None:
    a = assess(adult(date_of_birth=None, age_years=age), on=ON, rules=rules)
    assert a.verdict is verdict
    if verdict is Verdict.NOT_YET:
        assert a.from_date is None  # "from your 18th birthday", no date invented
        assert reason(a, "elig_under_min_age_no_date").params == {"min_years": 18}


def test_birth_date_wins_over_age_years(rules: Rules) -> None:
    a = assess(adult(date_of_birth=date(2000, 1, 1), age_years=17), on=ON, rules=rules)
    assert a.verdict is Verdict.ELIGIBLE


def test_unknown_age_is_reported(rules: Rules) -> None:
    a = assess(adult(date_of_birth=None), on=ON, rules=rules)
    assert a.verdict is Verdict.ELIGIBLE
    assert "age" in a.unknown


# --------------------------------------------------------------------------------- weight


@pytest.mark.parametrize(
    ("sex", "kg", "verdict", "min_kg"),
    [
        (Sex.FEMALE, 41.9, Verdict.NOT_ELIGIBLE, 42),
        (Sex.FEMALE, 42, Verdict.ELIGIBLE, None),
        (Sex.FEMALE, 44.9, Verdict.ELIGIBLE, None),
        (Sex.FEMALE, 45, Verdict.ELIGIBLE, None),
        (Sex.MALE, 41.9, Verdict.NOT_ELIGIBLE, 45),
        (Sex.MALE, 42, Verdict.NOT_ELIGIBLE, 45),
        (Sex.MALE, 44.9, Verdict.NOT_ELIGIBLE, 45),
        (Sex.MALE, 45, Verdict.ELIGIBLE, None),
    ],
)
def test_minimum_weight_by_sex(
    rules: Rules, sex: Sex, kg: float, verdict: Verdict, min_kg: int | None
) -> None:
    a = assess(adult(sex=sex, weight_kg=kg), on=ON, rules=rules)
    assert a.verdict is verdict
    if min_kg is not None:
        assert keys(a) == ["elig_weight_below_min", FINAL]
        assert reason(a, "elig_weight_below_min").params == {"min_kg": min_kg}
        assert a.max_volume_ml is None


def test_weight_below_42_with_sex_unknown_mentions_both_minimums(rules: Rules) -> None:
    a = assess(adult(sex=None, weight_kg=41.9), on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_ELIGIBLE
    assert reason(a, "elig_weight_below_min").params == {"min_kg": 42}
    assert reason(a, "elig_weight_min_by_sex").params == {"female_min_kg": 42, "male_min_kg": 45}


def test_weight_between_minimums_with_sex_unknown_is_for_the_site(rules: Rules) -> None:
    a = assess(adult(sex=None, weight_kg=43), on=ON, rules=rules)
    assert a.verdict is Verdict.AT_SITE
    assert "sex" in a.unknown
    assert "elig_weight_min_by_sex" in keys(a)
    assert a.max_volume_ml == 250


def test_weight_from_45_does_not_need_the_sex(rules: Rules) -> None:
    a = assess(adult(sex=None, weight_kg=45), on=ON, rules=rules)
    assert a.verdict is Verdict.ELIGIBLE
    assert "sex" not in a.unknown


def test_unknown_weight_is_reported(rules: Rules) -> None:
    a = assess(adult(weight_kg=None, sex=None), on=ON, rules=rules)
    assert a.verdict is Verdict.ELIGIBLE
    assert a.max_volume_ml is None
    assert {"weight", "sex"} <= set(a.unknown)


@pytest.mark.parametrize(
    ("kg", "max_ml"),
    [
        (42, 250),
        (44, 250),
        (44.9, 250),
        (45, 350),  # 9 × 45 = 405 → the 350 ml bag
        (49.9, 350),  # 449 ml: not yet 450
        (50, 450),
        (55.5, 450),  # 499.5 ml
        (55.6, 500),  # 500.4 ml, capped at 500
        (80, 500),
    ],
)
def test_max_whole_blood_volume(rules: Rules, kg: float, max_ml: int) -> None:
    a = assess(adult(sex=Sex.FEMALE, weight_kg=kg), on=ON, rules=rules)
    assert a.max_volume_ml == max_ml
    assert reason(a, "elig_max_volume").params == {"max_ml": max_ml}


def test_requested_volume_above_the_limit(rules: Rules) -> None:
    a = assess(adult(weight_kg=49.9), on=ON, rules=rules, volume_ml=450)
    assert a.verdict is Verdict.NOT_ELIGIBLE
    assert reason(a, "elig_volume_above_max").params == {"volume_ml": 450, "max_ml": 350}
    ok = assess(adult(weight_kg=50), on=ON, rules=rules, volume_ml=450)
    assert ok.verdict is Verdict.ELIGIBLE
    assert reason(ok, "elig_haemoglobin_large_volume").params == {"min_g_l": 125, "volume_ml": 450}


@pytest.mark.parametrize(
    ("kg", "verdict", "max_ml"),
    [
        (49.9, Verdict.NOT_ELIGIBLE, None),
        (50, Verdict.ELIGIBLE, 500),
        (59.9, Verdict.ELIGIBLE, 500),
        (60, Verdict.ELIGIBLE, 650),
    ],
)
def test_apheresis_weight(rules: Rules, kg: float, verdict: Verdict, max_ml: int | None) -> None:
    a = assess(adult(weight_kg=kg), on=ON, rules=rules, kind=DonationKind.PLATELETS)
    assert a.verdict is verdict
    assert a.max_volume_ml == max_ml
    if verdict is Verdict.NOT_ELIGIBLE:
        assert reason(a, "elig_apheresis_weight_below_min").params == {"min_kg": 50}


# ------------------------------------------------------------------------------ intervals

LAST = date(2025, 3, 26)


@pytest.mark.parametrize(
    ("days", "verdict"), [(83, Verdict.NOT_YET), (84, Verdict.ELIGIBLE), (85, Verdict.ELIGIBLE)]
)
def test_whole_blood_interval(rules: Rules, days: int, verdict: Verdict) -> None:
    person = adult(last_donation_on=LAST, last_donation_kind=DonationKind.WHOLE_BLOOD)
    a = assess(person, on=LAST + timedelta(days=days), rules=rules)
    assert a.verdict is verdict
    if verdict is Verdict.NOT_YET:
        assert a.from_date == LAST + timedelta(days=84)
        assert reason(a, "elig_interval").params == {"date": LAST + timedelta(days=84), "weeks": 12}


@pytest.mark.parametrize("kind", [DonationKind.PLATELETS, DonationKind.PLASMA])
@pytest.mark.parametrize(("days", "verdict"), [(13, Verdict.NOT_YET), (14, Verdict.ELIGIBLE)])
def test_two_weeks_after_platelets_or_plasma(
    rules: Rules, kind: DonationKind, days: int, verdict: Verdict
) -> None:
    person = adult(last_donation_on=LAST, last_donation_kind=kind)
    a = assess(person, on=LAST + timedelta(days=days), rules=rules, kind=kind)
    assert a.verdict is verdict


def test_red_cell_apheresis_counts_like_whole_blood(rules: Rules) -> None:
    person = adult(last_donation_on=LAST, last_donation_kind=DonationKind.RED_CELLS)
    assert assess(person, on=LAST + timedelta(days=83), rules=rules).verdict is Verdict.NOT_YET
    assert assess(person, on=LAST + timedelta(days=84), rules=rules).verdict is Verdict.ELIGIBLE


def test_kind_change_uses_the_kind_given_last(rules: Rules) -> None:
    # Art. 6.4: after whole blood, 12 weeks even for platelets ...
    after_whole = adult(last_donation_on=LAST, last_donation_kind=DonationKind.WHOLE_BLOOD)
    a = assess(after_whole, on=LAST + timedelta(days=14), rules=rules, kind=DonationKind.PLATELETS)
    assert a.verdict is Verdict.NOT_YET
    assert a.from_date == LAST + timedelta(days=84)
    assert next_eligible_date(
        last_on=LAST,
        last_kind=DonationKind.WHOLE_BLOOD,
        next_kind=DonationKind.PLATELETS,
        rules=rules,
    ) == LAST + timedelta(days=84)
    # ... and after platelets, 2 weeks even for whole blood.
    after_platelets = adult(last_donation_on=LAST, last_donation_kind=DonationKind.PLATELETS)
    b = assess(after_platelets, on=LAST + timedelta(days=14), rules=rules)
    assert b.verdict is Verdict.ELIGIBLE


def test_unknown_last_kind_counts_as_whole_blood(rules: Rules) -> None:
    person = adult(last_donation_on=LAST)
    a = assess(person, on=LAST + timedelta(days=20), rules=rules, kind=DonationKind.PLATELETS)
    assert a.verdict is Verdict.NOT_YET
    assert a.from_date == LAST + timedelta(days=84)
    assert reason(a, "elig_interval_kind_assumed").params == {"weeks": 12}


def test_no_last_donation_is_reported(rules: Rules) -> None:
    assert "last_donation" in assess(adult(), on=ON, rules=rules).unknown


# ------------------------------------------------------------------------------ deferrals

DATED_DEFERRALS = sorted(c for c, cond in RULES.deferrals.items() if cond.period is not None)


@pytest.mark.parametrize("cid", DATED_DEFERRALS)
def test_every_deferral_boundary(rules: Rules, cid: str) -> None:
    cond = rules.deferrals[cid]
    assert cond.period is not None
    event = date(2025, 1, 31)
    until = cond.period.after(event)
    person = adult(events={cid: event})
    before = assess(person, on=until - timedelta(days=1), rules=rules)
    assert before.verdict is Verdict.NOT_YET
    assert before.from_date == until
    assert reason(before, cond.message).params == {
        "date": until,
        str(cond.period.unit): cond.period.amount,
    }
    assert assess(person, on=until, rules=rules).verdict is Verdict.ELIGIBLE


@pytest.mark.parametrize(
    ("cid", "event", "first_day"),
    [
        ("tattoo", date(2025, 1, 15), date(2025, 7, 15)),  # 6 months
        ("piercing", date(2024, 8, 31), date(2025, 3, 1)),  # 6 months, no 31 February
        ("surgery", date(2024, 6, 18), date(2025, 6, 18)),  # 12 months
        ("childbirth", date(2024, 2, 29), date(2025, 3, 1)),  # 12 months from 29 Feb
        ("transfusion", date(2024, 12, 1), date(2025, 12, 1)),
        ("rabies_vaccine", date(2024, 12, 1), date(2025, 12, 1)),
        ("malaria_cured", date(2024, 12, 1), date(2025, 12, 1)),
        ("typhoid", date(2025, 1, 1), date(2025, 7, 1)),
        ("common_infection", date(2025, 6, 1), date(2025, 6, 29)),  # 4 weeks
        ("vaccine_live", date(2025, 6, 1), date(2025, 6, 29)),
        ("flu", date(2025, 6, 10), date(2025, 6, 17)),  # 7 days
        ("cold", date(2025, 6, 10), date(2025, 6, 17)),
        ("allergy_flare", date(2025, 6, 10), date(2025, 6, 17)),
        ("migraine", date(2025, 6, 10), date(2025, 6, 17)),
        ("vaccine_other", date(2025, 6, 10), date(2025, 6, 17)),
    ],
)
def test_deferral_periods_of_the_circular(rules: Rules, cid: str, event: date, first_day: date) -> None:
    person = adult(events={cid: event})
    a = assess(person, on=first_day - timedelta(days=1), rules=rules)
    assert a.verdict is Verdict.NOT_YET
    assert a.from_date == first_day
    assert assess(person, on=first_day, rules=rules).verdict is Verdict.ELIGIBLE


def test_pregnancy_has_no_end_date(rules: Rules) -> None:
    a = assess(adult(sex=Sex.FEMALE, events={"pregnant": ON}), on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_YET
    assert a.from_date is None
    assert keys(a)[0] == "elig_deferral_pregnant"


def test_latest_date_wins(rules: Rules) -> None:
    person = adult(
        last_donation_on=date(2025, 5, 1),  # → 24 July
        events={"tattoo": date(2025, 2, 10), "flu": date(2025, 6, 15)},  # → 10 Aug, 22 June
    )
    a = assess(person, on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_YET
    assert a.from_date == date(2025, 8, 10)
    assert keys(a) == [
        "elig_interval",
        "elig_deferral_tattoo",
        "elig_deferral_flu",
        "elig_max_volume",
        "elig_interval_kind_assumed",
        FINAL,
    ]


def test_latest_date_includes_the_18th_birthday(rules: Rules) -> None:
    person = adult(date_of_birth=date(2007, 9, 1), events={"flu": date(2025, 6, 15)})
    a = assess(person, on=ON, rules=rules)
    assert a.from_date == date(2025, 9, 1)
    undated = adult(date_of_birth=None, age_years=17, events={"tattoo": ON})
    assert assess(undated, on=ON, rules=rules).from_date is None


def test_past_deferrals_are_silent(rules: Rules) -> None:
    a = assess(adult(events={"tattoo": date(2020, 1, 1)}), on=ON, rules=rules)
    assert a.verdict is Verdict.ELIGIBLE
    assert not any(k.startswith("elig_deferral") for k in keys(a))


# ------------------------------------------------------------------------------ permanent


@pytest.mark.parametrize("cid", sorted(RULES.permanent))
def test_permanent_wins_over_everything(rules: Rules, cid: str) -> None:
    person = Person(
        date_of_birth=date(2009, 1, 1),
        sex=Sex.FEMALE,
        weight_kg=40,
        last_donation_on=ON - timedelta(days=3),
        events={"tattoo": ON, "flu": ON},
        permanent=frozenset({cid}),
        advice=frozenset({"antibiotics"}),
    )
    a = assess(person, on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_ELIGIBLE
    assert a.from_date is None
    assert keys(a)[0] == rules.permanent[cid].message
    assert not any(k.startswith(("elig_deferral", "elig_interval", "elig_advice")) for k in keys(a))


def test_over_60_is_not_eligible_even_with_a_waiting_period(rules: Rules) -> None:
    a = assess(adult(age_years=65, date_of_birth=None, events={"tattoo": ON}), on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_ELIGIBLE
    assert a.from_date is None


def test_unknown_ids_are_never_ignored(rules: Rules) -> None:
    a = assess(adult(permanent=frozenset({"something_new"})), on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_ELIGIBLE
    assert keys(a) == ["elig_permanent", FINAL]
    b = assess(adult(events={"something_new": ON}), on=ON, rules=rules)
    assert b.verdict is Verdict.AT_SITE
    assert "elig_advice_other" in keys(b)
    c = assess(adult(events={"hiv": ON}), on=ON, rules=rules)  # a permanent id given as event
    assert c.verdict is Verdict.NOT_ELIGIBLE


# --------------------------------------------------------------------------------- advice


def test_advice_topics_send_the_decision_to_the_site(rules: Rules) -> None:
    a = assess(adult(advice=frozenset({"antibiotics", "alcohol"})), on=ON, rules=rules)
    assert a.verdict is Verdict.AT_SITE
    assert keys(a)[:2] == ["elig_advice_alcohol", "elig_advice_antibiotics"]
    assert reason(a, "elig_advice_antibiotics").params == {"days": 7}
    work = assess(adult(advice=frozenset({"special_work"})), on=ON, rules=rules)
    assert reason(work, "elig_advice_special_work").params == {"hours": 12}


def test_advice_is_kept_when_also_waiting(rules: Rules) -> None:
    person = adult(events={"flu": ON}, advice=frozenset({"antibiotics"}))
    a = assess(person, on=ON, rules=rules)
    assert a.verdict is Verdict.NOT_YET
    assert "elig_advice_antibiotics" in keys(a)


def test_nothing_unusual_is_eligible(rules: Rules) -> None:
    a = assess(adult(), on=ON, rules=rules)
    assert a.verdict is Verdict.ELIGIBLE
    assert keys(a) == ["elig_max_volume", FINAL]
    assert a.max_volume_ml == 500


# ----------------------------------------------------------------------------- properties

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
kinds = st.sampled_from(list(DonationKind))
conditions = st.sampled_from(sorted(RULES.deferrals) + sorted(RULES.permanent) + sorted(RULES.advice))


@settings(max_examples=300, deadline=None)
@given(last=dates, on=dates, last_kind=kinds, next_kind=kinds)
def test_interval_property(last: date, on: date, last_kind: DonationKind, next_kind: DonationKind) -> None:
    person = adult(date_of_birth=None, age_years=30, last_donation_on=last, last_donation_kind=last_kind)
    nxt = next_eligible_date(last_on=last, last_kind=last_kind, next_kind=next_kind, rules=RULES)
    expected = 84 if last_kind in (DonationKind.WHOLE_BLOOD, DonationKind.RED_CELLS) else 14
    assert (nxt - last).days == expected
    a = assess(person, on=on, rules=RULES, kind=next_kind)
    assert (a.verdict is Verdict.NOT_YET) == (on < nxt)
    if a.verdict is Verdict.NOT_YET:
        assert a.from_date == nxt


@st.composite
def people(draw: st.DrawFn) -> Person:
    ids = draw(st.lists(conditions, max_size=4, unique=True))
    events = {c: draw(dates) for c in ids if c in RULES.deferrals}
    return Person(
        date_of_birth=draw(st.none() | st.dates(date(1940, 1, 1), date(2030, 1, 1))),
        age_years=draw(st.none() | st.integers(0, 100)),
        sex=draw(st.none() | st.sampled_from(list(Sex))),
        weight_kg=draw(st.none() | st.floats(30, 120, allow_nan=False)),
        last_donation_on=draw(st.none() | dates),
        last_donation_kind=draw(st.none() | kinds),
        events=events,
        permanent=frozenset(c for c in ids if c in RULES.permanent),
        advice=frozenset(c for c in ids if c in RULES.advice),
    )


_FIELDS = string.Formatter()


@settings(max_examples=300, deadline=None)
@given(person=people(), on=dates, kind=kinds, volume=st.none() | st.sampled_from([250, 350, 450]))
def test_every_assessment_is_well_formed(
    person: Person, on: date, kind: DonationKind, volume: int | None
) -> None:
    a = assess(person, on=on, rules=RULES, kind=kind, volume_ml=volume)
    assert a.reasons[-1] == Reason(FINAL)
    assert [r.key for r in a.reasons].count(FINAL) == 1
    messages = message_params(RULES)
    for r in a.reasons:
        assert set(r.params) == messages[r.key], r.key
    if person.permanent:
        assert a.verdict is Verdict.NOT_ELIGIBLE
    if a.verdict is not Verdict.NOT_YET:
        assert a.from_date is None
    elif a.from_date is not None:
        # The date given is right: waiting periods are over then, and not the day before.
        later = assess(person, on=a.from_date, rules=RULES, kind=kind, volume_ml=volume)
        assert later.verdict is not Verdict.NOT_YET
        earlier = assess(person, on=a.from_date - timedelta(days=1), rules=RULES, kind=kind)
        assert earlier.verdict is Verdict.NOT_YET


def test_a_wait_ending_after_the_61st_birthday_is_not_eligible(rules: Rules) -> None:
    person = adult(date_of_birth=date(1964, 8, 1), last_donation_on=date(2025, 6, 1))
    a = assess(person, on=ON, rules=rules)  # the wait ends 24 Aug, after the 61st birthday
    assert a.verdict is Verdict.NOT_ELIGIBLE
    assert a.from_date is None
    assert reason(a, "elig_age_over_max_before_date").params == {
        "date": date(2025, 8, 1),
        "max_years": 60,
    }
    sooner = adult(date_of_birth=date(1964, 9, 1), last_donation_on=date(2025, 6, 1))
    assert assess(sooner, on=ON, rules=rules).from_date == date(2025, 8, 24)


# ------------------------------------------------------------------------------- what decides


def test_a_not_yet_is_decided_by_the_wait_that_ends_last() -> None:
    a = assess(
        adult(last_donation_on=ON - timedelta(weeks=4), events={"tattoo": ON - timedelta(days=60)}),
        on=ON,
        rules=RULES,
    )
    assert a.verdict is Verdict.NOT_YET and a.from_date == add_months_rolled(ON - timedelta(days=60), 6)
    assert [r.key for r in a.deciding] == ["elig_deferral_tattoo"]


def test_the_interval_deciding_brings_its_assumption_along() -> None:
    a = assess(adult(last_donation_on=ON - timedelta(weeks=4)), on=ON, rules=RULES)
    assert [r.key for r in a.deciding] == ["elig_interval", "elig_interval_kind_assumed"]


def test_a_no_is_decided_by_what_blocks_and_a_yes_by_nothing() -> None:
    no = assess(adult(permanent=frozenset({"hepatitis_b"})), on=ON, rules=RULES)
    assert [r.key for r in no.deciding] == ["elig_permanent_hepatitis_b"]
    assert assess(adult(), on=ON, rules=RULES).deciding == ()
