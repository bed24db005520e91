"""Milestone rules and the count a donor types (domain/milestones.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import RecognitionSettings
from domain.milestones import (
    DEFAULT_MILESTONES,
    check_milestones,
    is_honoured,
    lost,
    newly_reached,
    next_milestone,
    parse_count,
    reached,
)

MS = DEFAULT_MILESTONES  # 5, 10, 15, 20, 30, 40, 50, 75, 100


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("3", 3),
        ("3 lần", 3),
        ("3 lan", 3),
        ("  12  lần rồi ", 12),
        ("Đã hiến 4 lần", 4),
        ("khoảng 20 lần", 20),
        ("tầm 8 lần", 8),
        ("ba", 3),
        ("Ba lần", 3),
        ("tám", 8),  # folds like "tầm" (about): read as eight
        ("mười", 10),
        ("mười lăm", 15),
        ("mười một lần", 11),
        ("hai mươi", 20),
        ("hai mươi mốt", 21),
        ("ba mươi tư", 34),
        ("không", 0),
        ("0", 0),
        ("3x", 3),
        ("twice", 2),
        ("5 times", 5),
        ("500", 500),
    ],
)
def test_counts_are_read_as_donors_type_them(typed: str, count: int) -> None:
    assert parse_count(typed) == count


@pytest.mark.parametrize(
    "typed", ["", "nhiều", "nhiều lắm", "501", "-1", "1.5", "3-4", "mười không", "một mươi", "lần", "３"]
)
def test_anything_else_is_not_a_count(typed: str) -> None:
    assert parse_count(typed) is None


@given(st.text(max_size=30))
def test_parse_count_never_raises_and_stays_in_range(text: str) -> None:
    value = parse_count(text)
    assert value is None or 0 <= value <= 500


def test_reached_and_the_next_milestone() -> None:
    assert reached(0, MS) == () and next_milestone(0, MS) == 5
    assert reached(4, MS) == () and next_milestone(4, MS) == 5
    assert reached(5, MS) == (5,) and next_milestone(5, MS) == 10
    assert reached(16, MS) == (5, 10, 15) and next_milestone(16, MS) == 20
    assert reached(100, MS) == MS and next_milestone(100, MS) is None


def test_a_milestone_is_reached_by_crossing_it() -> None:
    assert newly_reached(9, 10, MS) == (10,)
    assert newly_reached(10, 10, MS) == (), "recorded again: nothing new"
    assert newly_reached(10, 11, MS) == ()
    assert newly_reached(4, 16, MS) == (5, 10, 15)
    assert newly_reached(10, 9, MS) == (), "a count that fell reaches nothing"
    assert lost(10, 9, MS) == (10,)
    assert lost(9, 10, MS) == ()
    assert lost(16, 4, MS) == (5, 10, 15)


def test_the_honour_list_is_strictly_more_than_the_threshold() -> None:
    assert not is_honoured(15, 15)
    assert is_honoured(16, 15)


def test_milestones_must_be_positive_and_increasing() -> None:
    assert check_milestones(MS) == []
    assert check_milestones(()) != []
    assert check_milestones((0, 5)) != []
    assert check_milestones((5, 5, 10)) != []
    assert check_milestones((10, 5)) != []


def test_the_recognition_section_has_the_issue_defaults_and_refuses_bad_lists() -> None:
    settings = RecognitionSettings()
    assert settings.honour_more_than == 15
    assert settings.milestones == (5, 10, 15, 20, 30, 40, 50, 75, 100)
    assert RecognitionSettings(milestones=(3, 6)).milestones == (3, 6)
    with pytest.raises(ValueError, match="increasing"):
        RecognitionSettings(milestones=(10, 5))
