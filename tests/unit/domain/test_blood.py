"""Blood group parsing from Vietnamese/English chat, and the stable storage code."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.blood import ABO, BloodGroup, Rh, parse_blood_group

O_POS = BloodGroup(ABO.O, Rh.POS)
O_NEG = BloodGroup(ABO.O, Rh.NEG)
UNKNOWN = BloodGroup(None, None)
ALL_GROUPS = [BloodGroup(abo, rh) for abo, rh in itertools.product([*ABO, None], [*Rh, None])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O+", O_POS),
        ("o+", O_POS),
        ("O-", O_NEG),
        ("O−", O_NEG),  # U+2212 minus
        ("O –", O_NEG),  # en dash, what phone keyboards often insert
        ("AB+", BloodGroup(ABO.AB, Rh.POS)),
        ("ab am", BloodGroup(ABO.AB, Rh.NEG)),
        ("AB âm", BloodGroup(ABO.AB, Rh.NEG)),
        ("A dương", BloodGroup(ABO.A, Rh.POS)),
        ("a duong", BloodGroup(ABO.A, Rh.POS)),
        ("A dương tính", BloodGroup(ABO.A, Rh.POS)),
        ("B Rh+", BloodGroup(ABO.B, Rh.POS)),
        ("B rh-", BloodGroup(ABO.B, Rh.NEG)),
        ("Rh âm nhóm O", O_NEG),
        ("nhóm O", BloodGroup(ABO.O, None)),
        ("nhom O", BloodGroup(ABO.O, None)),
        ("nhóm máu AB", BloodGroup(ABO.AB, None)),
        ("máu O", BloodGroup(ABO.O, None)),
        ("group A", BloodGroup(ABO.A, None)),
        ("type B negative", BloodGroup(ABO.B, Rh.NEG)),
        ("A pos", BloodGroup(ABO.A, Rh.POS)),
        ("A positive", BloodGroup(ABO.A, Rh.POS)),
        ("0+", O_POS),  # zero typed for O
        ("O Rh(D)+", O_POS),
        ("O RhD-", O_NEG),
        ("A (+)", BloodGroup(ABO.A, Rh.POS)),
        ("nhóm máu của tôi là O dương tính", O_POS),
        ("Rh âm", BloodGroup(None, Rh.NEG)),
        ("không biết", UNKNOWN),
        ("khong biet", UNKNOWN),
        ("ko biet", UNKNOWN),
        ("chưa biết", UNKNOWN),
        ("Tôi không biết", UNKNOWN),
        ("don't know", UNKNOWN),
        ("don’t know", UNKNOWN),
        ("unknown", UNKNOWN),
    ],
)
def test_parse(text: str, expected: BloodGroup) -> None:
    assert parse_blood_group(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "C+",
        "ABO",
        "hello",
        "O+ A+",
        "O+-",
        "to",
        "ba",
        "toi",
        "bao",
        "an",
        "+",
        "-",
        "dương",
        "âm",
        "nhóm",
        "Rh",
        "Rh+ Rh-",
        "O+ O+",
        "A B",
    ],
)
def test_rejects(text: str) -> None:
    assert parse_blood_group(text) is None


@pytest.mark.parametrize("group", ALL_GROUPS, ids=lambda g: g.code)
def test_code_round_trips(group: BloodGroup) -> None:
    assert BloodGroup.from_code(group.code) == group
    assert parse_blood_group(group.code) == group
    assert group.code.isascii()


@pytest.mark.parametrize("group", [g for g in ALL_GROUPS if g != UNKNOWN], ids=lambda g: g.code)
def test_label_round_trips(group: BloodGroup) -> None:
    assert parse_blood_group(group.label) == group


@pytest.mark.parametrize(
    ("group", "label", "code"),
    [
        (O_POS, "O+", "O+"),
        (BloodGroup(ABO.AB, Rh.NEG), "AB\u2212", "AB-"),
        (BloodGroup(ABO.O, None), "O", "O?"),
        (BloodGroup(None, Rh.NEG), "Rh\u2212", "?-"),
        (UNKNOWN, "", "??"),
    ],
)
def test_label_and_code(group: BloodGroup, label: str, code: str) -> None:
    assert group.label == label
    assert group.code == code


@pytest.mark.parametrize("code", ["", "O", "C+", "O*", "ab+", "AB+-", "OO+"])
def test_from_code_rejects_bad_codes(code: str) -> None:
    with pytest.raises(ValueError, match="blood group code"):
        BloodGroup.from_code(code)


LETTERS = st.text(alphabet="abcdeghiklmnoqrstuvxy", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(
    before=LETTERS,
    group=st.sampled_from(["a", "b", "ab", "o"]),
    after=LETTERS,
    sign=st.sampled_from(["", "+", " am"]),
)
def test_group_letters_inside_words_do_not_count(before: str, group: str, after: str, sign: str) -> None:
    for word in (before + group, group + after, before + group + after):
        if word not in {"ab", "idk", "kb"}:  # "a"+"b" really is AB; "kb" means "không biết"
            assert parse_blood_group(word + sign) is None, word + sign


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_never_raises(text: str) -> None:
    result = parse_blood_group(text)
    if result is not None:
        assert parse_blood_group(result.code) == result
