"""The volumes the desk may record for a weight (Thông tư 26/2013/TT-BYT, Điều 4 khoản 2 điểm a)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.eligibility import Person, Sex, assess
from domain.rules_file import load_rules
from domain.volumes import VolumeLimit, whole_blood_volumes

RULES = load_rules(Path(__file__).resolve().parents[3] / "data" / "eligibility.toml")
BAGS = (250, 350, 450)
RULES_DAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("kg", "sex", "allowed", "limit"),
    [
        (None, Sex.FEMALE, (), VolumeLimit.NO_WEIGHT),
        (41.9, Sex.FEMALE, (), VolumeLimit.BELOW_MIN),
        (44.0, Sex.MALE, (), VolumeLimit.BELOW_MIN),  # men need 45 kg
        (42.0, Sex.FEMALE, (250,), VolumeLimit.SMALL),
        (44.9, Sex.FEMALE, (250,), VolumeLimit.SMALL),
        (45.0, Sex.FEMALE, (250, 350), VolumeLimit.PER_KG),  # 405 ml: not 450
        (49.9, Sex.MALE, (250, 350), VolumeLimit.PER_KG),  # 449,1 ml
        (50.0, Sex.FEMALE, (250, 350, 450), VolumeLimit.PER_KG),  # 450 ml exactly
        (70.0, Sex.MALE, (250, 350, 450), VolumeLimit.MAX),
    ],
)
def test_the_volumes_a_weight_allows(
    kg: float | None, sex: Sex, allowed: tuple[int, ...], limit: VolumeLimit
) -> None:
    volumes = whole_blood_volumes(RULES, weight_kg=kg, sex=sex, offered=BAGS)
    assert (volumes.allowed, volumes.limit) == (allowed, limit)
    assert volumes.allowed + volumes.left_out == BAGS


def test_below_the_minimum_names_the_minimum_of_the_donors_sex() -> None:
    assert whole_blood_volumes(RULES, weight_kg=44.0, sex=Sex.MALE, offered=BAGS).min_kg == 45
    assert whole_blood_volumes(RULES, weight_kg=41.0, sex=Sex.FEMALE, offered=BAGS).min_kg == 42


@given(st.floats(min_value=30, max_value=150), st.sampled_from(list(Sex)))
def test_never_more_than_the_assessment_allows(kg: float, sex: Sex) -> None:
    """The desk and the self-check read the same rule: no button above `assess`'s maximum."""
    volumes = whole_blood_volumes(RULES, weight_kg=kg, sex=sex, offered=BAGS)
    limit = assess(Person(sex=sex, weight_kg=kg), on=RULES_DAY, rules=RULES).max_volume_ml
    if limit is None:
        assert volumes.allowed == ()
    else:
        assert all(ml <= limit for ml in volumes.allowed) and volumes.allowed
