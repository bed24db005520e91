"""A follow-up question keeps the facts given just before (issue 19, conversation-aware answers)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.eligibility import Person, Sex
from domain.follow_up import is_follow_up, merge


@pytest.mark.parametrize(
    "text",
    ["còn nếu tôi 50kg thì sao?", "con neu toi 50kg thi sao", "Nếu tôi 18 tuổi?", "what if I weigh 50 kg?"],
)
def test_follow_ups(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize("text", ["tôi 18 tuổi", "I weigh 50 kg", "hiến máu nếu bị cúm được không"])
def test_not_follow_ups(text: str) -> None:
    assert not is_follow_up(text)


def test_what_the_follow_up_says_wins_and_conditions_add_up() -> None:
    earlier = Person(age_years=17, weight_kg=45, sex=Sex.FEMALE, events={"tattoo": date(2025, 5, 1)})
    now = Person(age_years=18, events={"flu": date(2025, 6, 15)})
    assert merge(earlier, now) == Person(
        age_years=18,
        weight_kg=45,
        sex=Sex.FEMALE,
        events={"tattoo": date(2025, 5, 1), "flu": date(2025, 6, 15)},
    )


def test_a_birth_date_replaces_an_age() -> None:
    assert merge(Person(age_years=17), Person(date_of_birth=date(2000, 1, 1))) == Person(
        date_of_birth=date(2000, 1, 1)
    )
