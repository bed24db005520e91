"""The headers of imported spreadsheets (`domain.import_columns`): every synonym of the table, in its
three spellings (as written, without diacritics, upper case with stray punctuation), and the cell words."""

from __future__ import annotations

import pytest

from domain.import_columns import (
    DONOR_HEADERS,
    DONOR_REQUIRED,
    RESULT_HEADERS,
    RESULT_REQUIRED,
    DonorField,
    ResultField,
    header_key,
    map_headers,
    read_outcome,
    read_sex,
    read_yes_no,
    ward_words,
)
from domain.text import strip_diacritics

DONOR_SYNONYMS = [(field, word) for field, words in DONOR_HEADERS.items() for word in words]
RESULT_SYNONYMS = [(field, word) for field, words in RESULT_HEADERS.items() for word in words]


def spellings(word: str) -> list[str]:
    return [word, strip_diacritics(word).replace("đ", "d").replace("Đ", "D"), f" {word.upper()}: "]


@pytest.mark.parametrize(("field", "word"), DONOR_SYNONYMS, ids=[w for _, w in DONOR_SYNONYMS])
def test_each_donor_header_synonym_is_read_in_three_spellings(field: DonorField, word: str) -> None:
    for spelling in spellings(word):
        found = map_headers(["STT", spelling], DONOR_HEADERS, DONOR_REQUIRED)
        assert found.columns == {field: 1}, spelling
        assert found.ignored == ("STT",)


@pytest.mark.parametrize(("field", "word"), RESULT_SYNONYMS, ids=[w for _, w in RESULT_SYNONYMS])
def test_each_result_header_synonym_is_read_in_three_spellings(field: ResultField, word: str) -> None:
    for spelling in spellings(word):
        assert map_headers([spelling], RESULT_HEADERS, RESULT_REQUIRED).columns == {field: 0}, spelling


def test_no_header_names_two_fields() -> None:
    for table in (DONOR_HEADERS, RESULT_HEADERS):
        seen: dict[str, object] = {}
        for field, words in table.items():
            for word in words:
                key = header_key(word).replace(" ", "")
                assert seen.setdefault(key, field) == field, word


def test_the_required_columns_are_named_when_missing() -> None:
    found = map_headers(["Họ tên", "Năm sinh", "Ghi chú", None, ""], DONOR_HEADERS, DONOR_REQUIRED)
    assert found.missing == ((DonorField.PHONE,), (DonorField.SEX,))
    assert found.ignored == ("Ghi chú",)
    complete = map_headers(["Name", "Phone", "DOB", "Gender"], DONOR_HEADERS, DONOR_REQUIRED)
    assert complete.missing == ()
    either = map_headers(["Mã", "Kết quả"], RESULT_HEADERS, RESULT_REQUIRED)
    assert either.missing == ()


def test_a_field_named_twice_reads_the_first_column() -> None:
    found = map_headers(["SĐT", "Điện thoại"], DONOR_HEADERS, DONOR_REQUIRED)
    assert found.columns[DonorField.PHONE] == 0
    assert found.repeated == ("Điện thoại",)


@pytest.mark.parametrize(
    ("text", "sex"),
    [("Nam", "male"), ("Nữ", "female"), ("nu", "female"), ("M", "male"), ("f", "female"), ("?", None)],
)
def test_sex(text: str, sex: str | None) -> None:
    assert read_sex(text) == sex


@pytest.mark.parametrize(
    ("text", "mark"),
    [("x", True), ("Có", True), ("yes", True), ("", False), ("không", False), ("0", False), ("hmm", None)],
)
def test_reserve_mark(text: str, mark: bool | None) -> None:
    assert read_yes_no(text) is mark


@pytest.mark.parametrize("text", ["Tam Lưu", "P. Tam Lưu", "phường Tam Lưu", "P.Tam Luu", "Xã Tam Lưu"])
def test_ward_prefixes_are_left_out(text: str) -> None:
    assert ward_words(text) == "tam luu"


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("350", 350),
        ("350 ml", 350),
        ("450ml", 450),
        ("300", None),
        ("Hoãn", "deferred"),
        ("đã hiến", "donated"),
    ],
)
def test_outcomes(text: str, outcome: int | str | None) -> None:
    assert read_outcome(text) == outcome
