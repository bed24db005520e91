"""Phone parsing: every way Vietnamese donors write a number reaches the same E.164 value."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from domain.phone import OLD_MOBILE_PREFIXES, display_phone, mask_phone, old_mobile_number, parse_phone

# Current VN mobile prefixes whose every 7-digit suffix phonenumbers accepts (checked against
# phonenumbers 9.x metadata). 089x and 099x are only partly allocated, so they are left out.
MOBILE_PREFIXES = [
    *(f"3{d}" for d in range(2, 10)),
    *("56", "58", "59", "70", "76", "77", "78", "79"),
    *(f"8{d}" for d in range(1, 9)),
    *(f"9{d}" for d in (0, 1, 2, 3, 4, 6, 7, 8)),
]


@pytest.mark.parametrize(
    "text",
    [
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "0912345678",
        "+84 912 345 678",
        "+84912345678",
        "84912345678",
        "(+84) 912345678",
        "+84 (0) 912 345 678",
        "0084 912 345 678",
        "  0912 345 678  ",
    ],
)
def test_vn_mobile_spellings(text: str) -> None:
    assert parse_phone(text) == "+84912345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("024 3826 1234", "+842438261234"),  # Hà Nội landline
        ("028 3829 5555", "+842838295555"),  # TP.HCM landline
        ("+44 7911 123456", "+447911123456"),
        ("+1 650 253 0000", "+16502530000"),
        ("+65 9123 4567", "+6591234567"),
    ],
)
def test_landlines_and_foreign_numbers(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "0912a345678",  # phonenumbers would read letters as keypad digits
        "0912 345 67O",
        "sdt 0912345678",
        "091234567",  # too short
        "09123456789",  # too long
        "0912345678901234567",
        "1900 1234",  # shared-cost service number, nobody's own phone
        "1800 1234",  # toll-free
        "07911 123456",  # UK national format without +44 is not a VN number
        "0912345678 / 0987654321",
        "+",
        "++84912345678",
        "0912345678#",
        "12345",
    ],
)
def test_garbage_is_rejected(text: str) -> None:
    assert parse_phone(text) is None


def _spellings(national: str) -> list[str]:
    """Ways people write 0 + `national` (9 digits)."""
    a, b, c = national[:3], national[3:6], national[6:]
    return [
        f"0{national}",
        f"0{a} {b} {c}",
        f"0{a}.{b}.{c}",
        f"0{a}-{b}-{c}",
        f"+84{national}",
        f"+84 {a} {b} {c}",
        f"84{national}",
        f"(+84) {national}",
        f"+84 (0) {a} {b} {c}",
        f"0084{national}",
    ]


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(MOBILE_PREFIXES),
    rest=st.integers(min_value=0, max_value=9_999_999),
)
def test_every_spelling_of_a_vn_mobile_gives_the_same_e164(prefix: str, rest: int) -> None:
    national = f"{prefix}{rest:07d}"
    for spelling in _spellings(national):
        assert parse_phone(spelling) == f"+84{national}", spelling


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_result_is_e164_and_stable(text: str) -> None:
    result = parse_phone(text)
    if result is not None:
        assert result.startswith("+")
        assert result[1:].isdigit()
        assert parse_phone(result) == result


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=3))
def test_letters_anywhere_are_rejected(letters: str) -> None:
    assert parse_phone(f"0912{letters}345678") is None
    assert parse_phone(f"{letters}0912345678") is None
    assert parse_phone(f"0912345678{letters}") is None


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+84912345678", "+84912***678"),
        ("+842438261234", "+84243****234"),
        ("+447911123456", "+44791****456"),
    ],
)
def test_mask_phone(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


@settings(max_examples=100, deadline=None)
@given(prefix=st.sampled_from(MOBILE_PREFIXES), rest=st.integers(0, 9_999_999))
def test_mask_hides_the_middle(prefix: str, rest: int) -> None:
    e164 = f"+84{prefix}{rest:07d}"
    masked = mask_phone(e164)
    assert len(masked) == len(e164)
    assert masked[:6] == e164[:6]
    assert masked[-3:] == e164[-3:]
    assert masked[6:-3] == "***"


@pytest.mark.parametrize("junk", ["", "garbage", "12", "+84"])
def test_mask_never_raises_and_never_leaks_much(junk: str) -> None:
    masked = mask_phone(junk)
    assert sum(ch.isdigit() for ch in masked) <= 6


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+84912345678", "0912 345 678"),
        ("+842438261234", "024 3826 1234"),
        ("+447911123456", "+44 7911 123456"),
        ("not a number", "not a number"),
    ],
)
def test_display_phone(e164: str, shown: str) -> None:
    assert display_phone(e164) == shown


def test_display_of_every_vn_prefix_and_length_is_phonenumbers_own() -> None:
    """The short cut (one shape per length and first three digits) shows what phonenumbers shows, for
    every three-digit prefix and national length 7-11, from several numbers of each: the first fills
    the shape, the others use it."""
    rng = random.Random(5)
    for length in range(7, 12):
        for prefix in range(100, 1000):
            for _ in range(4):
                rest = "".join(rng.choice("0123456789") for _ in range(length - 3))
                e164 = f"+84{prefix}{rest}"
                number = phonenumbers.parse(e164, None)
                style = (
                    PhoneNumberFormat.NATIONAL
                    if phonenumbers.region_code_for_number(number) == "VN"
                    else PhoneNumberFormat.INTERNATIONAL
                )
                assert display_phone(e164) == phonenumbers.format_number(number, style), e164


def test_display_round_trips_through_parse() -> None:
    for e164 in ["+84912345678", "+842438261234", "+447911123456"]:
        assert parse_phone(display_phone(e164)) == e164


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01689 123 456", "+84389123456"),  # Viettel 0168 → 038
        ("0168.912.3456", "+84389123456"),
        ("+84 1689 123 456", "+84389123456"),
        ("+84 (0) 1689 123 456", "+84389123456"),
        ("0084 1689 123456", "+84389123456"),
        ("01201234567", "+84701234567"),  # MobiFone 0120 → 070
        ("0123 456 7890", "+84834567890"),  # VinaPhone 0123 → 083
        ("0186 123 4567", "+84561234567"),  # Vietnamobile 0186 → 056
        ("0199 123 4567", "+84591234567"),  # Gmobile 0199 → 059
    ],
)
def test_old_eleven_digit_mobiles_become_todays_numbers(text: str, expected: str) -> None:
    assert parse_phone(text) == expected
    assert old_mobile_number(text) == "0" + expected[3:]


@pytest.mark.parametrize("text", ["0912 345 678", "01100000000", "0168912345", "1689123456", "016891234567"])
def test_other_numbers_are_not_taken_for_old_mobiles(text: str) -> None:
    assert old_mobile_number(text) is None


def test_every_old_prefix_lands_on_a_valid_mobile() -> None:
    for old, new in OLD_MOBILE_PREFIXES.items():
        assert parse_phone(f"0{old}1234567") == f"+84{new}1234567", old
