"""Folding is what every parser compares on, so its guarantees are pinned down here."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.text import fold, nfc, strip_diacritics

VIETNAMESE_VOWELS = {
    "a": "aàảãáạăằẳẵắặâầẩẫấậ",
    "e": "eèẻẽéẹêềểễếệ",
    "i": "iìỉĩíị",
    "o": "oòỏõóọôồổỗốộơờởỡớợ",
    "u": "uùủũúụưừửữứự",
    "y": "yỳỷỹýỵ",
    "d": "dđ",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐÀ NẴNG", "da nang"),
        ("  Hồ   Chí\tMinh \n", "ho chi minh"),
        ("đồng ý", "dong y"),
        ("khong biet", "khong biet"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(("base", "letters"), sorted(VIETNAMESE_VOWELS.items()))
def test_every_vietnamese_letter_folds_to_its_base(base: str, letters: str) -> None:
    for letter in letters + letters.upper():
        assert fold(letter) == base
        assert fold(unicodedata.normalize("NFD", letter)) == base


def test_strip_diacritics_keeps_case() -> None:
    assert strip_diacritics("Đặng Thị Ánh") == "Dang Thi Anh"


def test_nfc_composes() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert nfc(decomposed) == "Nguyễn"
    assert len(nfc(decomposed)) == len("Nguyễn")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_fold_removes_every_combining_mark(text: str) -> None:
    # "Combining" as unicodedata defines it (non-zero canonical combining class): every Latin
    # tone and vowel mark. Spacing vowel signs of other scripts (e.g. Thai) are kept.
    assert not any(unicodedata.combining(ch) for ch in fold(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fold_is_single_spaced_and_lower(text: str) -> None:
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert folded == folded.casefold()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fold_ignores_normalisation_form_and_case(text: str) -> None:
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)
    assert fold(text.upper()) == fold(text.lower())
