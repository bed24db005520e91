"""Invite codes as typed: which messages are a code, and the codes made."""

from __future__ import annotations

import pytest

from domain import invites


@pytest.mark.parametrize(
    ("text", "in_dialogue", "code"),
    [
        ("K7M2-QX9P", False, "K7M2QX9P"),
        ("k7m2-qx9p", True, "K7M2QX9P"),  # dashed: a code inside a dialogue too
        (" K7M2QX9P ", False, "K7M2QX9P"),
        ("k7m2qx9p", True, None),  # bare inside a dialogue: could be an answer
        ("K7M0-QX9P", False, "K7M0QX9P"),  # a dashed code with a 0 is a (wrong) code
        ("K7M0QX9P", False, None),
        ("NGUYENVA", False, None),  # no digit: a word
        ("12345678", False, None),  # no letter: a number
        ("K7M2QX", False, None),  # a check-in code has six
        ("K7M-2QX", False, None),
        ("DK 12", False, None),
        ("K7M2-QX9P-X", False, None),
    ],
)
def test_typed_code(text: str, in_dialogue: bool, code: str | None) -> None:
    assert invites.typed_code(text, in_dialogue=in_dialogue) == code


def test_new_codes_use_the_unambiguous_alphabet() -> None:
    for _ in range(200):
        code = invites.new_code()
        assert len(code) == 8 and not set(code) & set("01OI")
        assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
        assert invites.typed_code(invites.shown(code), in_dialogue=True) == code


def test_normalise_and_hash() -> None:
    assert invites.normalise(" k7m2 - qx9p ") == "K7M2QX9P"
    digest = invites.code_hash("K7M2QX9P")
    assert len(digest) == 64 and digest == invites.code_hash("K7M2QX9P") != invites.code_hash("K7M2QX9Q")
