"""Name normalisation: proper Vietnamese title case, anything that is not a name refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.names import NameProblem, name_problem, normalise_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nguyễn văn an", "Nguyễn Văn An"),
        ("NGUYỄN THỊ ĐÀO", "Nguyễn Thị Đào"),
        ("  trần   bình  ", "Trần Bình"),
        ("lê\tthị\nhoa", "Lê Thị Hoa"),
        ("đặng ngọc ánh", "Đặng Ngọc Ánh"),
        ("ưng hoàng phúc", "Ưng Hoàng Phúc"),
        ("An", "An"),  # one-word names are allowed
        ("an", "An"),
        ("H’hen niê", "H'Hen Niê"),  # Ê Đê names; curly apostrophe stored as '
        ("y moan ênuôl", "Y Moan Ênuôl"),
        ("jean-pierre dupont", "Jean-Pierre Dupont"),
        ("o'brien", "O'Brien"),
        ("j. nguyễn", "J. Nguyễn"),
        ("김민준", "김민준"),
        ("иван петров", "Иван Петров"),
    ],
)
def test_normalises(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


def test_decomposed_input_is_stored_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "nguyễn văn an")
    assert normalise_name(decomposed) == "Nguyễn Văn An"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "A",  # one letter
        "A.",
        "--",
        "/start",
        "Nguyễn Văn 2",
        "Nguyen123",
        "😀 An",
        "An 😀",
        "An@",
        "An_Bình",
        "<b>An</b>",
        "a" * 81,
        "An\u200bBình",  # zero-width space
    ],
)
def test_rejects(text: str) -> None:
    assert normalise_name(text) is None


def test_length_limits() -> None:
    assert normalise_name("a" * 80) == "A" + "a" * 79
    assert normalise_name("a" * 81) is None


VIETNAMESE_LETTERS = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợ" + (
    "pqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
)
VIETNAMESE_WORD = st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper(), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(VIETNAMESE_WORD, min_size=1, max_size=5))
def test_vietnamese_names_are_accepted_and_title_cased(words: list[str]) -> None:
    text = " ".join(words)
    result = normalise_name(text)
    if len(text) < 2:
        assert result is None
        return
    assert result is not None
    assert result.split(" ") == [w[0].upper() + w[1:].lower() for w in words]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_idempotent_on_any_text(text: str) -> None:
    once = normalise_name(text)
    if once is not None:
        assert normalise_name(once) == once


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.characters(categories=["L", "M", "Zs"], include_characters=" -'.’"),
        max_size=30,
    )
)
def test_idempotent_on_name_like_text(text: str) -> None:
    once = normalise_name(text)
    if once is not None:
        assert normalise_name(once) == once
        assert once == unicodedata.normalize("NFC", once)
        assert once == once.strip()
        assert "  " not in once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from("0123456789/@#😀_"))
def test_digits_and_symbols_are_refused(text: str, bad: str) -> None:
    assert normalise_name(text + bad) is None
    assert normalise_name(bad + text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("A", NameProblem.TOO_SHORT),
        ("L.", NameProblem.TOO_SHORT),
        ("Lan123", NameProblem.NOT_LETTERS),
        ("🎂", NameProblem.NOT_LETTERS),
        ("/start", NameProblem.NOT_LETTERS),
        ("An " * 100, NameProblem.TOO_LONG),
        ("Lan", None),
        ("Nguyễn Thị Lan", None),
    ],
)
def test_name_problem_names_what_is_wrong(text: str, problem: NameProblem | None) -> None:
    assert name_problem(text) == problem
