"""Weight as typed in chat: kilograms only, within a plausible human range."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.measures import parse_weight_kg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52", 52.0),
        ("52kg", 52.0),
        ("52 kg", 52.0),
        ("52 KG", 52.0),
        ("52,5", 52.5),
        ("52.5 kg", 52.5),
        ("52,5kg", 52.5),
        ("nặng 52 cân", 52.0),
        ("nang 52 can", 52.0),
        ("cân nặng 52kg", 52.0),
        ("52 ký", 52.0),
        ("52 kí", 52.0),
        ("52 ki", 52.0),
        ("52 kilo", 52.0),
        ("52 kilô", 52.0),
        ("52kgs", 52.0),
        ("khoảng 52 kg", 52.0),
        ("52 kg.", 52.0),
        ("52.25", 52.3),  # half up, not banker's rounding
        ("52.24", 52.2),
        ("30", 30.0),
        ("250", 250.0),
        ("250.0kg", 250.0),
    ],
)
def test_parse(text: str, expected: float) -> None:
    assert parse_weight_kg(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "kg",
        "abc",
        "115 lbs",
        "115 lb",
        "115 pounds",
        "29.9",
        "250.1",
        "0",
        "-52",
        "1000",
        "52 kg 53 kg",
        "52-55",
        "5 2",
        "52 g",
        "1,000",
    ],
)
def test_rejects(text: str) -> None:
    assert parse_weight_kg(text) is None


@settings(max_examples=300, deadline=None)
@given(tenths=st.integers(min_value=300, max_value=2500))
def test_round_trips_in_range(tenths: int) -> None:
    w = tenths / 10
    assert parse_weight_kg(f"{w}kg") == w
    assert parse_weight_kg(f"{w} kg") == w
    assert parse_weight_kg(f"{w}".replace(".", ",")) == w


@settings(max_examples=200, deadline=None)
@given(w=st.floats(min_value=0, max_value=1000, allow_nan=False).map(lambda x: round(x, 1)))
def test_out_of_range_is_none(w: float) -> None:
    result = parse_weight_kg(f"{w}kg")
    assert (result is not None) == (30 <= w <= 250)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_never_raises_and_stays_in_range(text: str) -> None:
    result = parse_weight_kg(text)
    if result is not None:
        assert 30 <= result <= 250
