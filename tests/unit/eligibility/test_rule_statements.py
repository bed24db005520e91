"""A yes states the rule of the fact asked about (issue 19: "verdicts that say nothing")."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from domain.eligibility import Person, Reason, assess
from domain.rule_statements import stated_rules
from domain.rules import DonationKind
from domain.rules_file import load_rules

RULES = load_rules(Path(__file__).resolve().parents[3] / "data" / "eligibility.toml")
TODAY = date(2025, 6, 18)


def stated(person: Person) -> tuple[Reason, ...]:
    return stated_rules(person, assess(person, on=TODAY, rules=RULES), RULES)


def test_an_age_in_range_gets_the_age_limits() -> None:
    assert stated(Person(age_years=25)) == (Reason("elig_rule_age", {"min_years": 18, "max_years": 60}),)


def test_a_weight_gets_the_minimum_weights() -> None:
    assert stated(Person(weight_kg=55)) == (
        Reason("elig_weight_min_by_sex", {"female_min_kg": 42, "male_min_kg": 45}),
    )


def test_a_past_platelet_donation_gets_the_intervals() -> None:
    person = Person(last_donation_on=date(2025, 5, 1), last_donation_kind=DonationKind.PLATELETS)
    assert stated(person) == (Reason("elig_rule_interval", {"whole_weeks": 12, "component_weeks": 2}),)


def test_a_no_or_not_yet_already_states_its_rule() -> None:
    assert stated(Person(age_years=17)) == ()
    assert stated(Person(last_donation_on=date(2025, 6, 1))) == ()


def test_an_event_whose_wait_is_over_gets_that_wait_and_that_it_is_over() -> None:
    """ "i have a tattoo from 2 years ago" was "you can register" and what the bot does not know."""
    person = Person(events={"tattoo": date(2023, 6, 1)})
    assert stated(person) == (
        Reason("elig_deferral_tattoo", {"date": date(2023, 12, 1), "months": 6}),
        Reason("elig_deferral_over"),
    )


def test_an_event_still_waited_for_is_said_once() -> None:
    assert stated(Person(events={"tattoo": date(2025, 5, 1)})) == ()  # "not yet" states it already
