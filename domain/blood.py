"""ABO/Rh blood groups as donors describe them, with a stable ASCII code for storage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.text import fold


class ABO(StrEnum):
    """ABO group; the value is the usual letter(s)."""

    A = "A"
    B = "B"
    AB = "AB"
    O = "O"  # noqa: E741 - the blood group is called O


class Rh(StrEnum):
    """Rh(D) factor; the value is the ASCII sign used in codes."""

    POS = "+"
    NEG = "-"


_UNKNOWN_MARK = "?"
_MINUS_SIGN = "\u2212"  # typographic minus, what "AB−" should look like on screen


@dataclass(frozen=True, slots=True)
class BloodGroup:
    """What a donor knows of their group; either part may be unknown (None)."""

    abo: ABO | None
    rh: Rh | None

    @property
    def label(self) -> str:
        """Display form: "O+", "AB−" (U+2212), "O" if Rh unknown, "Rh−" if only Rh is known."""
        sign = "" if self.rh is None else ("+" if self.rh is Rh.POS else _MINUS_SIGN)
        if self.abo is None:
            return f"Rh{sign}" if sign else ""
        return f"{self.abo.value}{sign}"

    @property
    def code(self) -> str:
        """ASCII storage/callback form that never changes: "O+", "AB-", "O?", "?-", "??"."""
        abo = _UNKNOWN_MARK if self.abo is None else self.abo.value
        rh = _UNKNOWN_MARK if self.rh is None else self.rh.value
        return abo + rh

    @classmethod
    def from_code(cls, code: str) -> BloodGroup:
        """Inverse of `code`; raises ValueError because a bad code is a bug, not user input."""
        if len(code) < 2:
            raise ValueError(f"not a blood group code: {code!r}")
        abo_part, rh_part = code[:-1], code[-1]
        try:
            abo = None if abo_part == _UNKNOWN_MARK else ABO(abo_part)
            rh = None if rh_part == _UNKNOWN_MARK else Rh(rh_part)
        except ValueError:
            raise ValueError(f"not a blood group code: {code!r}") from None
        return cls(abo, rh)


_ABO_WORDS = {"a": ABO.A, "b": ABO.B, "ab": ABO.AB, "o": ABO.O, "0": ABO.O}
_RH_WORDS = {
    "+": Rh.POS,
    "duong": Rh.POS,
    "cong": Rh.POS,  # "cộng", read aloud from "+"
    "pos": Rh.POS,
    "positive": Rh.POS,
    "-": Rh.NEG,
    "am": Rh.NEG,
    "tru": Rh.NEG,  # "trừ", read aloud from "-"
    "neg": Rh.NEG,
    "negative": Rh.NEG,
}
# Words around the group that carry no information: "nhóm máu của tôi là O dương tính".
_FILLER = frozenset(
    {"nhom", "mau", "group", "type", "blood", "la", "toi", "em", "minh", "cua", "my", "is", "tinh"}
)
_UNKNOWN_PHRASES = frozenset(
    {
        "khong biet",
        "ko biet",
        "k biet",
        "kh biet",
        "hong biet",
        "hok biet",
        "kb",
        "chua biet",
        "khong ro",
        "ko ro",
        "chua ro",
        "khong nho",
        "ko nho",
        "quen roi",
        "chua xet nghiem",
        "dont know",
        "do not know",
        "idk",
        "unknown",
        "not sure",
    }
)
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2012": "-", "’": "'"})
# "Rh", "RhD", "Rh(D)", "Rh (D)" all name the same factor.
_RH_MARKER = re.compile(r"\brh(?:\s*\(\s*d\s*\)|d)?(?![^\W_])")
_TOKEN = re.compile(r"[+\-?]|[^\s+\-?]+")


def parse_blood_group(text: str) -> BloodGroup | None:
    """The group named in `text`, BloodGroup(None, None) for "don't know", else None.

    Works on whole words only, so the "o" in "to" or the "a" in "ba" never count. An Rh
    factor without an ABO group is accepted only when "Rh" is written ("Rh âm").
    """
    folded = _RH_MARKER.sub(" rh ", fold(text.translate(_DASHES)))
    folded = folded.replace("'", "").replace("(", " ").replace(")", " ")
    tokens = [token for token in _TOKEN.findall(folded) if token not in _FILLER]
    if not tokens:
        return None
    if " ".join(tokens) in _UNKNOWN_PHRASES:
        return BloodGroup(None, None)
    abo: ABO | None = None
    rh: Rh | None = None
    saw_rh_marker = saw_abo = saw_rh = False
    for token in tokens:
        if token == "rh":
            if saw_rh_marker:
                return None
            saw_rh_marker = True
        elif token == _UNKNOWN_MARK and not saw_abo and not saw_rh:
            saw_abo = True  # "?-", "??": the ABO half of a code, explicitly unknown
        elif token == _UNKNOWN_MARK and not saw_rh:
            saw_rh = True  # "O?": the Rh half of a code, explicitly unknown
        elif token in _ABO_WORDS and not saw_abo:
            abo, saw_abo = _ABO_WORDS[token], True
        elif token in _RH_WORDS and not saw_rh:
            rh, saw_rh = _RH_WORDS[token], True
        else:
            return None
    if not saw_abo and not (saw_rh_marker and rh is not None):
        return None
    if abo is None and rh is None:
        return BloodGroup(None, None)
    return BloodGroup(abo, rh)
