"""Slots of a blood day, capacity spreading and check-in codes."""

from __future__ import annotations

import random
from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.slots import (
    CODE_ALPHABET,
    CODE_LENGTH,
    moved_slot,
    new_code,
    normalise_code,
    slot_capacity,
    slot_index,
    slot_starts,
)


def test_a_morning_session_has_nine_half_hour_slots() -> None:
    starts = slot_starts(start=time(7, 0), end=time(11, 30), slot_minutes=30)
    assert [f"{t:%H:%M}" for t in starts] == [
        "07:00",
        "07:30",
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]


def test_the_last_slot_may_be_shorter() -> None:
    assert slot_starts(start=time(7, 0), end=time(8, 10), slot_minutes=30) == [
        time(7, 0),
        time(7, 30),
        time(8, 0),
    ]


def test_a_slot_ending_exactly_at_closing_is_the_last_one() -> None:
    assert slot_starts(start=time(7, 0), end=time(8, 0), slot_minutes=30) == [time(7, 0), time(7, 30)]


def test_one_slot_longer_than_the_session() -> None:
    assert slot_starts(start=time(7, 0), end=time(7, 20), slot_minutes=30) == [time(7, 0)]


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [(time(8, 0), time(8, 0), 30), (time(9, 0), time(8, 0), 30), (time(7, 0), time(8, 0), 0)],
)
def test_impossible_hours_are_refused(start: time, end: time, minutes: int) -> None:
    with pytest.raises(ValueError, match=r"slot_minutes must be positive|end must be after start"):
        slot_starts(start=start, end=end, slot_minutes=minutes)


@pytest.mark.parametrize(
    ("capacity", "slots", "expected"),
    [
        (10, 3, [4, 3, 3]),
        (9, 3, [3, 3, 3]),
        (11, 3, [4, 4, 3]),
        (250, 9, [28, 28, 28, 28, 28, 28, 28, 27, 27]),
        (2, 3, [1, 1, 0]),
        (5, 1, [5]),
    ],
)
def test_capacity_is_spread_evenly_earlier_slots_first(
    capacity: int, slots: int, expected: list[int]
) -> None:
    assert slot_capacity(capacity=capacity, slots=slots) == expected


@given(capacity=st.integers(min_value=0, max_value=100_000), slots=st.integers(min_value=1, max_value=300))
def test_spread_capacity_sums_up_and_differs_by_at_most_one(capacity: int, slots: int) -> None:
    spread = slot_capacity(capacity=capacity, slots=slots)
    assert len(spread) == slots
    assert sum(spread) == capacity
    assert max(spread) - min(spread) <= 1
    assert spread == sorted(spread, reverse=True), "earlier slots never get less"


@given(
    start=st.integers(min_value=0, max_value=22 * 60 - 1),  # so the session ends by 23:59
    length=st.integers(min_value=1, max_value=120),
    slot_minutes=st.integers(min_value=1, max_value=240),
)
def test_slots_cover_the_session_without_gaps(start: int, length: int, slot_minutes: int) -> None:
    begin, end = time(start // 60, start % 60), time((start + length) // 60, (start + length) % 60)
    starts = slot_starts(start=begin, end=end, slot_minutes=slot_minutes)
    assert starts[0] == begin
    assert all(t < end for t in starts)
    assert len(starts) == -(-length // slot_minutes)  # ceil: the last slot may be shorter


def test_a_sign_up_between_slot_starts_counts_in_the_slot_that_contains_it() -> None:
    starts = [time(7, 0), time(7, 30), time(8, 0)]
    assert slot_index(starts, time(7, 0)) == 0
    assert slot_index(starts, time(7, 45)) == 1
    assert slot_index(starts, time(9, 0)) == 2
    assert slot_index(starts, time(6, 0)) == 0


def test_moving_the_hours_keeps_a_sign_up_at_the_same_distance_from_opening() -> None:
    # 07:00–11:30 becomes 13:00–17:30: the 07:30 slot becomes 13:30.
    assert moved_slot(
        time(7, 30), old_start=time(7, 0), new_start=time(13, 0), new_end=time(17, 30), slot_minutes=30
    ) == time(13, 30)
    # Shorter hours: a 11:00 sign-up lands in the last slot that still exists.
    assert moved_slot(
        time(11, 0), old_start=time(7, 0), new_start=time(7, 0), new_end=time(9, 0), slot_minutes=30
    ) == time(8, 30)


def test_codes_are_six_unambiguous_characters() -> None:
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 31
    rng = random.Random(2020)
    codes = [new_code(rng) for _ in range(2000)]
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)


def test_the_same_seed_gives_the_same_code() -> None:
    assert new_code(random.Random(7)) == new_code(random.Random(7))


@pytest.mark.parametrize("typed", ["K7M2QX", "k7m2qx", "K7M 2QX", "k7m-2qx", " K7M-2QX ", "k7m.2qx"])
def test_a_typed_code_is_normalised(typed: str) -> None:
    assert normalise_code(typed) == "K7M2QX"
