"""Folding is what every parser compares on, so its guarantees are pinned down here."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.text import clean_input, fold, nfc, strip_diacritics

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
@example("\u0345")  # a combining mark whose upper case is a letter: fold case before dropping marks
def test_fold_ignores_normalisation_form_and_case(text: str) -> None:
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)
    assert fold(text.upper()) == fold(text.lower())


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("Lan\x00", "Lan"),
        ("\u202eLan\u202c", "Lan"),
        ("\u2066Lan\u2069 \u200fHoa\u200e", "Lan Hoa"),
        ("Lan\u200b\u200c\u200d\ufeff\u2060", "Lan"),
        ("\ufeffLan", "Lan"),
        ("a\x01\x07\x1b\x7f\x9fb", "ab"),
        ("dòng 1\r\ndòng 2\rdòng 3\u2028dòng 4\x85dòng 5", "dòng 1\ndòng 2\ndòng 3\ndòng 4\ndòng 5"),
        ("cột\tcột", "cột\tcột"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # NFD from some keyboards: stored as NFC
        ("lẻ \ud800 loi", "lẻ  loi"),  # a lone surrogate cannot be stored as UTF-8
        ("👩\u200d⚕️ 👨\u200d👩\u200d👧 👍🏽\u200d👍", "👩\u200d⚕️ 👨\u200d👩\u200d👧 👍🏽\u200d👍"),
        ("a\u200db 👩\u200d 👩\u200b\u200d⚕ 👩\u200d\u200b⚕", "ab 👩 👩\u200d⚕ 👩⚕"),
    ],
)
def test_clean_input(typed: str, clean: str) -> None:
    assert clean_input(typed) == clean


@given(st.text())
def test_clean_input_leaves_nothing_a_database_or_a_reader_trips_on(text: str) -> None:
    cleaned = clean_input(text)
    assert clean_input(cleaned) == cleaned
    cleaned.encode("utf-8")
    for i, ch in enumerate(cleaned):
        if ch == "\u200d":
            assert 0 < i < len(cleaned) - 1
        else:
            assert ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"), repr(ch)
