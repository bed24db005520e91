"""Free-text choice matching, yes/no answers and numbered menus."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.choices import match_option, number_choice, parse_yes_no

GENDER = {"male": ["nam", "male", "trai"], "female": ["nữ", "female", "gái"]}
WARDS = {
    "ben_nghe": ["Phường Bến Nghé", "Bến Nghé"],
    "ben_thanh": ["Phường Bến Thành", "Bến Thành"],
    "da_kao": ["Phường Đa Kao", "Đa Kao"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nam", "male"),
        ("Nam", "male"),
        ("NAM", "male"),
        ("nữ", "female"),
        ("nu", "female"),
        ("Nữ.", "female"),
        ("  gai ", "female"),
        ("trai", "male"),
        ("male", "male"),
        ("Female", "female"),
        ("mal", "male"),  # typo: short input is compared whole, "female" must not win
        ("femal", "female"),
        ("femle", "female"),
    ],
)
def test_gender(text: str, expected: str) -> None:
    assert match_option(text, GENDER) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ben nghe", "ben_nghe"),
        ("Phuong Ben Nghe", "ben_nghe"),
        ("phường bến nghé", "ben_nghe"),
        ("bến thanh", "ben_thanh"),
        ("ben thnah", "ben_thanh"),
        ("da kao", "da_kao"),
        ("p. Đa Kao", "da_kao"),
    ],
)
def test_wards(text: str, expected: str) -> None:
    assert match_option(text, WARDS) == expected


@pytest.mark.parametrize("text", ["", "   ", "xyz", "ben", "phuong ben", "hello there", "!!!"])
def test_no_match(text: str) -> None:
    assert match_option(text, WARDS) is None
    assert match_option(text, GENDER) is None


def test_exact_phrase_in_two_options_is_ambiguous() -> None:
    assert match_option("nam", {"male": ["nam"], "south": ["Nam"]}) is None


def test_fuzzy_tie_is_ambiguous() -> None:
    options = {"one": ["abcd"], "two": ["abce"]}
    assert match_option("abcx", options, cutoff=50) is None


def test_cutoff_is_respected() -> None:
    assert match_option("femle", GENDER, cutoff=99) is None
    assert match_option("fem", GENDER) is None
    assert match_option("fem", GENDER, cutoff=50) == "female"


def test_empty_options() -> None:
    assert match_option("nam", {}) is None
    assert match_option("nam", {"male": []}) is None


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(WARDS)), data=st.data())
def test_any_listed_phrase_matches_its_key_in_any_case(key: str, data: st.DataObject) -> None:
    phrase = data.draw(st.sampled_from(WARDS[key]))
    assert match_option(phrase.upper(), WARDS) == key
    assert match_option(phrase.lower(), WARDS) == key


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_result_is_a_key_or_none(text: str) -> None:
    assert match_option(text, WARDS) in {None, *WARDS}


@pytest.mark.parametrize(
    "text",
    [
        "có",
        "co",
        "Có",
        "c",
        "ok",
        "OK",
        "okkk",
        "oke",
        "đồng ý",
        "dong y",
        "yes",
        "Yes!",
        "y",
        "ừ",
        "uh",
        "vâng",
        "vang",
        "dạ",
        "da",
        "dạ vâng",
        "dạ có ạ",
        "có ạ",
        "có nhé",
        "được",
        "👍",
    ],
)
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "không",
        "khong",
        "Không.",
        "ko",
        "k",
        "no",
        "No",
        "n",
        "thôi",
        "thoi",
        "không đồng ý",
        "khong dong y",
        "dạ không",
        "dạ không ạ",
        "không ạ",
        "thôi nhé",
        "chưa",
    ],
)
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "có không", "maybe", "để mình xem", "a", "nhé", "hello"])
def test_neither(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 0), ("2", 1), ("4", 3), (" 2 ", 1), ("2.", 1), ("2)", 1), ("(2)", 1), ("số 2", 1)],
)
def test_number_choice(text: str, expected: int) -> None:
    assert number_choice(text, 4) == expected


@pytest.mark.parametrize("text", ["0", "5", "-1", "", "hai", "2 3", "x", "1.5"])
def test_number_choice_rejects(text: str) -> None:
    assert number_choice(text, 4) is None


@settings(max_examples=200, deadline=None)
@given(count=st.integers(min_value=0, max_value=50), n=st.integers(min_value=-5, max_value=60))
def test_number_choice_in_range(count: int, n: int) -> None:
    expected = n - 1 if 1 <= n <= count else None
    assert number_choice(str(n), count) == expected
