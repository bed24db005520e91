"""domain.decision: the kept date, planned donations under the interval rule, call-out waves, sectors."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import load_catalog
from domain import limits
from domain.decision import (
    DECISION_MESSAGES,
    DonorFacts,
    Planned,
    Source,
    decide,
    eligible_again_on,
    may_call,
    merge,
)
from domain.eligibility import Person, Sex, Verdict
from domain.organisations import SECTORS, OrganisationType, admits, audiences_for, is_audience
from domain.rules import DonationKind
from domain.rules_file import load_rules
from domain.slots import has_ended, slot_end

RULES = load_rules(Path(__file__).resolve().parents[3] / "data" / "eligibility.toml")
ON = date(2027, 1, 10)
PROFILE = Person(date_of_birth=date(1995, 8, 3), sex=Sex.FEMALE, weight_kg=55.0)


def booking(day: date, ref: int = 1, drive_day_id: int = 10) -> Planned:
    return Planned(day=day, source=Source.BOOKING, ref=ref, drive_day_id=drive_day_id, place="Nhà văn hóa")


def test_the_kept_date_is_a_wait_the_rules_alone_do_not_know() -> None:
    facts = DonorFacts(person=PROFILE, eligible_from=date(2027, 4, 2))
    before = decide(facts, on=ON, rules=RULES)
    assert before.assessment.verdict is Verdict.NOT_YET and not before.may_book
    assert before.assessment.from_date == date(2027, 4, 2) == before.earliest
    assert before.assessment.reasons[0].key == "decision_kept_date"
    assert decide(facts, on=date(2027, 4, 2), rules=RULES).may_book
    assert decide(DonorFacts(person=PROFILE), on=ON, rules=RULES).may_book


def test_the_kept_date_never_shortens_a_longer_wait() -> None:
    recent = replace(PROFILE, last_donation_on=date(2027, 1, 1))
    facts = DonorFacts(person=recent, eligible_from=date(2027, 2, 1))
    decision = decide(facts, on=ON, rules=RULES)
    assert decision.assessment.from_date == date(2027, 3, 26)  # 12 weeks after 01/01/2027
    too_light = DonorFacts(person=replace(PROFILE, weight_kg=40.0), eligible_from=ON)
    assert decide(too_light, on=date(2027, 1, 1), rules=RULES).assessment.verdict is Verdict.NOT_ELIGIBLE


def test_a_second_booking_inside_the_interval_clashes_either_way() -> None:
    facts = DonorFacts(person=PROFILE, planned=(booking(ON),))
    ten_days_later = decide(facts, on=ON + timedelta(days=10), rules=RULES)
    assert not ten_days_later.may_book and ten_days_later.eligible
    assert ten_days_later.clash_reasons[0].key == "decision_booking_before"
    assert ten_days_later.clash_reasons[0].params["next_date"] == ON + timedelta(weeks=12)
    assert ten_days_later.earliest == ON + timedelta(weeks=12)
    ten_days_before = decide(facts, on=ON - timedelta(days=10), rules=RULES)
    assert ten_days_before.clash_reasons[0].key == "decision_booking_after"
    assert decide(facts, on=ON, rules=RULES).clashes, "the same day counts"
    assert decide(facts, on=ON, rules=RULES, drive_day_id=10).may_book, "its own session is no clash"
    assert decide(facts, on=ON + timedelta(weeks=12), rules=RULES).may_book
    assert decide(facts, on=ON - timedelta(weeks=12), rules=RULES).may_book


def test_the_earliest_day_steps_past_every_planned_donation() -> None:
    plans = (booking(ON, 1, 10), booking(ON + timedelta(weeks=12), 2, 11))
    decision = decide(DonorFacts(person=PROFILE, planned=plans), on=ON + timedelta(days=1), rules=RULES)
    assert decision.earliest == ON + timedelta(weeks=24)


def test_an_accepted_platelet_call_out_waits_two_weeks() -> None:
    platelets = Planned(day=ON, source=Source.CALLOUT, ref=5, kind=DonationKind.PLATELETS)
    facts = DonorFacts(person=PROFILE, planned=(platelets,))
    assert not decide(facts, on=ON + timedelta(days=13), rules=RULES).may_book
    assert decide(facts, on=ON + timedelta(days=14), rules=RULES).may_book


def test_call_out_waves_and_bookings() -> None:
    today = ON
    booked_today = DonorFacts(person=PROFILE, planned=(booking(today),))
    decision = decide(booked_today, on=today, rules=RULES)
    assert not may_call(decision, today=today, wave=1), "their session today counts on them"
    assert may_call(decision, today=today, wave=2)
    later = DonorFacts(person=PROFILE, planned=(booking(today + timedelta(days=5)),))
    booked_later = decide(later, on=today, rules=RULES)
    assert may_call(booked_later, today=today, wave=1), "an emergency today may come first"
    accepted = Planned(day=today, source=Source.CALLOUT, ref=3)
    busy = decide(DonorFacts(person=PROFILE, planned=(accepted,)), on=today, rules=RULES)
    assert not may_call(busy, today=today, wave=3), "already giving for another emergency"
    away = decide(DonorFacts(person=PROFILE, away_until=today), on=today, rules=RULES)
    assert not may_call(away, today=today, wave=1)
    no_weight = decide(DonorFacts(person=replace(PROFILE, weight_kg=None)), on=today, rules=RULES)
    assert no_weight.eligible and not may_call(no_weight, today=today, wave=1)


def test_merge_keeps_the_later_last_donation_and_the_recorded_kind() -> None:
    profile = replace(PROFILE, last_donation_on=ON, last_donation_kind=DonationKind.PLASMA)
    older = merge(profile, Person(last_donation_on=ON - timedelta(days=100)))
    assert (older.last_donation_on, older.last_donation_kind) == (ON, DonationKind.PLASMA)
    same = merge(profile, Person(last_donation_on=ON))
    assert same.last_donation_kind is DonationKind.PLASMA
    later = merge(profile, Person(last_donation_on=ON + timedelta(days=1)))
    assert (later.last_donation_on, later.last_donation_kind) == (ON + timedelta(days=1), None)
    typed_age = merge(profile, Person(age_years=17))
    assert (typed_age.date_of_birth, typed_age.age_years) == (None, 17)


def test_eligible_again_on_takes_the_later_of_interval_and_kept_date() -> None:
    last = replace(PROFILE, last_donation_on=ON)
    assert eligible_again_on(DonorFacts(person=last), RULES) == ON + timedelta(weeks=12)
    kept = DonorFacts(person=last, eligible_from=ON + timedelta(weeks=20))
    assert eligible_again_on(kept, RULES) == ON + timedelta(weeks=20)
    assert eligible_again_on(DonorFacts(person=PROFILE), RULES) is None


@given(
    st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    st.lists(st.dates(date(2026, 1, 1), date(2028, 12, 31)), max_size=4),
)
def test_the_earliest_day_is_free_of_clashes(on: date, days: list[date]) -> None:
    plans = tuple(booking(day, n, 100 + n) for n, day in enumerate(days))
    decision = decide(DonorFacts(person=PROFILE, planned=plans), on=on, rules=RULES)
    assert decision.earliest is not None and decision.earliest >= on
    assert decide(DonorFacts(person=PROFILE, planned=plans), on=decision.earliest, rules=RULES).may_book


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_decision_messages_are_in_the_catalogs(lang: str) -> None:
    catalog = load_catalog(lang)
    for key, params in DECISION_MESSAGES.items():
        text = catalog[key]
        assert isinstance(text, str)
        assert {name for _, name, _, _ in string.Formatter().parse(text) if name} == params, key


def test_sectors_and_organisation_types() -> None:
    assert admits("open", None) and admits("open", "none")
    assert admits("education", "school") and not admits("education", "company")
    assert not admits("education", None) and not admits("health", "school")
    assert audiences_for("school") == ("open", "education", "school")
    assert audiences_for(None) == ("open",)
    assert is_audience("agency") and not is_audience("health")
    assert all(len(name) <= limits.AUDIENCE for name in SECTORS)
    assert all(len(kind.value) <= limits.ORGANISATION_TYPE for kind in OrganisationType)


def test_sessions_and_slots_end_in_local_time() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    ten = datetime(2020, 8, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert has_ended(date(2020, 8, 3), time(9, 0), now=ten, tz=tz)
    assert not has_ended(date(2020, 8, 3), time(11, 30), now=ten, tz=tz)
    assert has_ended(date(2020, 8, 3), time(10, 0), now=ten, tz=tz), "an end at 10:00 is over at 10:00"
    assert not has_ended(date(2020, 8, 3), time(9, 0), now=ten, tz=UTC), "03:00 UTC is before 09:00 UTC"
    assert slot_end(time(7, 0), slot_minutes=30, drive_day_end=time(11, 30)) == time(7, 30)
    assert slot_end(time(11, 0), slot_minutes=60, drive_day_end=time(11, 30)) == time(11, 30)
