"""People's names, tidied for storage and display without assuming Vietnamese structure."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from domain import limits
from domain.text import nfc

MIN_LENGTH = 2
MAX_LENGTH = limits.FULL_NAME
MIN_LETTERS = 2

# Letters start a new capitalised part after these ("Jean-Pierre", "H'Hen Niê", "J. Nguyễn").
_PART_SEPARATORS = frozenset(" -'.")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})


def _title_case(name: str) -> str:
    """Upper-cases the first letter of each part and lower-cases the rest.

    str.title() is not used because it treats combining marks as word breaks; titlecase (not
    upper-case) of the first letter keeps "ß" → "Ss" stable when applied twice.
    """
    out: list[str] = []
    start_of_part = True
    for ch in name:
        if ch in _PART_SEPARATORS:
            out.append(ch)
            start_of_part = True
        elif start_of_part and unicodedata.category(ch).startswith("L"):
            out.append(ch.title())
            start_of_part = False
        else:
            out.append(ch.lower())
    return "".join(out)


def _allowed(name: str) -> bool:
    previous = " "
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("M"):
            # A combining mark has to sit on a letter (or on another mark).
            if unicodedata.category(previous)[0] not in "LM":
                return False
        elif not (category.startswith("L") or ch in _PART_SEPARATORS):
            return False
        previous = ch
    return True


class NameProblem(StrEnum):
    """Why a text is not taken as a name: each gets its own explanation."""

    TOO_SHORT = "too_short"  # fewer than MIN_LETTERS letters ("A")
    TOO_LONG = "too_long"  # more than MAX_LENGTH characters
    NOT_LETTERS = "not_letters"  # digits, emoji, symbols, a command


def name_problem(text: str) -> NameProblem | None:
    """What is wrong with `text` as a name, or None when `normalise_name` takes it."""
    if normalise_name(text) is not None:
        return None
    collapsed = " ".join(nfc(text.translate(_APOSTROPHES)).split())
    if not _allowed(collapsed):
        return NameProblem.NOT_LETTERS
    if len(collapsed) > MAX_LENGTH:
        return NameProblem.TOO_LONG
    return NameProblem.TOO_SHORT


def normalise_name(text: str) -> str | None:
    """NFC, single-spaced, title-cased name, or None if it is not plausibly a name.

    Letters of any script plus space, hyphen, apostrophe and dot are allowed; digits, emoji,
    other symbols and bot commands ("/start") are refused. One-word names are fine.
    """
    collapsed = " ".join(nfc(text.translate(_APOSTROPHES)).split())
    if not _allowed(collapsed):
        return None
    # Casing can itself produce an apostrophe ("ŉ" → "ʼN"), so tidy up once more after it.
    name = nfc(_title_case(collapsed).translate(_APOSTROPHES))
    if not _allowed(name) or not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return None
    letters = sum(unicodedata.category(ch).startswith("L") for ch in name)
    return name if letters >= MIN_LETTERS else None
