"""Ids and small numbers from outside: ASCII digits only, range-checked before any query sees them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.ids import MAX_ID, parse_id, parse_index, parse_int


@pytest.mark.parametrize(
    "text", ["", "x", "²", "٣", "-1", "0", "+1", " 1", "1 ", "1_0", "1.0", "3000000000", "9" * 5000, "\x00"]
)
def test_not_an_id(text: str) -> None:
    assert parse_id(text) is None


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("42", 42), ("007", 7), (str(MAX_ID), MAX_ID)])
def test_an_id(text: str, value: int) -> None:
    assert parse_id(text) == value


def test_negative_numbers_only_where_the_range_has_them() -> None:
    assert parse_int("-5", minimum=-10, maximum=10) == -5
    assert parse_int("-5", minimum=0, maximum=10) is None
    assert parse_int("--5", minimum=-10, maximum=10) is None


def test_index() -> None:
    assert parse_index("0", 4) == 0 and parse_index("3", 4) == 3
    assert parse_index("4", 4) is None and parse_index("0", 0) is None and parse_index(None, 4) is None


@given(st.text(max_size=30))
def test_never_raises_and_stays_in_range(text: str) -> None:
    value = parse_id(text)
    assert value is None or 1 <= value <= MAX_ID
    if value is not None:
        assert text.isascii() and text.isdecimal()
