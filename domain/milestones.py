"""Donation counts and the milestones of recognition: pure rules, no database.

A donor's count is what they gave before the bot (stated at registration or corrected by an organiser,
`donors.earlier_donations`) plus what the bot knows of (`models.honours.total_count`). Milestones are
the counts a committee congratulates (5, 10, 15, 20 … by `[recognition] milestones`); the honour list
(the "giấy khen" for people who gave "more than 15 times") is a threshold on the same count.

Reaching a milestone is a crossing: a donation that takes the count from 9 to 10 reaches 10; an
organiser's correction of the earlier count is not a donation, so it congratulates nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Final

from domain.text import fold

DEFAULT_MILESTONES: Final = (5, 10, 15, 20, 30, 40, 50, 75, 100)
DEFAULT_HONOUR_MORE_THAN: Final = 15
MAX_EARLIER_DONATIONS: Final = 500
"""More earlier donations than anyone could have given (apheresis every two weeks for 20 years is ~500):
a larger typed number is a typo, refused."""


def check_milestones(milestones: Sequence[int]) -> list[str]:
    """What is wrong with a list of milestones (each positive, strictly increasing), or nothing."""
    if not milestones:
        return ["needs at least one milestone"]
    if any(n < 1 for n in milestones):
        return ["milestones must be positive counts"]
    if any(b <= a for a, b in pairwise(milestones)):
        return ["milestones must be increasing, each once"]
    return []


def reached(count: int, milestones: Sequence[int]) -> tuple[int, ...]:
    """The milestones a count has reached, smallest first (10 donations reach 5 and 10)."""
    return tuple(n for n in milestones if n <= count)


def next_milestone(count: int, milestones: Sequence[int]) -> int | None:
    """The first milestone above the count, or None when all are reached."""
    return next((n for n in milestones if n > count), None)


def newly_reached(before: int, after: int, milestones: Sequence[int]) -> tuple[int, ...]:
    """The milestones crossed going from `before` to `after` donations (none when the count fell or
    stayed): the congratulations a new donation earns."""
    return tuple(n for n in milestones if before < n <= after)


def lost(before: int, after: int, milestones: Sequence[int]) -> tuple[int, ...]:
    """The milestones no longer reached after a count fell from `before` to `after` (a donation
    corrected to "deferred"): their congratulations, if still waiting, are withdrawn."""
    return tuple(n for n in milestones if after < n <= before)


def is_honoured(count: int, more_than: int) -> bool:
    """On the honour list: strictly more donations than the threshold ("hơn 15 lần": 16 and up)."""
    return count > more_than


# --- a count typed in chat: "3", "3 lần", "ba", "mười lăm lần" ----------------------------------------

_UNITS: Final = {
    "khong": 0,
    "mot": 1,  # also "mốt" in "hai mươi mốt": the same folded word
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,  # "hai mươi tư"
    "nam": 5,
    "lam": 5,  # "mười lăm"
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
_ENGLISH: Final = {
    "zero": 0,
    "none": 0,
    "once": 1,
    "one": 1,
    "twice": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_TEN: Final = "muoi"  # "mười" (10, 11–19) and "mươi" (20, 30 …) fold alike
# "tầm" (about) folds like "tám" (8): dropped only before digits
_BEFORE: Final = re.compile(r"^(?:(?:khoang|chung|da|duoc|hien|mau|about|around|roughly|tam(?=\s+\d))\s+)*")
_AFTER: Final = re.compile(r"(?:\s+(?:lan|roi|times?|x|nhe|a)|(?<=\d)x|[.!])*$")


def _words_number(words: list[str]) -> int | None:
    """A Vietnamese number below 100 written in words (folded), or one English word."""
    if len(words) == 1 and words[0] in _ENGLISH:
        return _ENGLISH[words[0]]
    if len(words) == 1:
        return 10 if words[0] == _TEN else _UNITS.get(words[0])
    if words[0] == _TEN and len(words) == 2 and words[1] in _UNITS and words[1] not in ("khong", "tu"):
        return 10 + _UNITS[words[1]]  # mười một … mười chín
    tens = _UNITS.get(words[0])
    if tens is None or tens < 2 or words[1] != _TEN or len(words) > 3:
        return None
    if len(words) == 2:
        return tens * 10  # hai mươi
    unit = _UNITS.get(words[2])
    return tens * 10 + unit if unit is not None and unit > 0 else None


def parse_count(text: str) -> int | None:
    """How many times, as a donor types it: "3", "3 lần", "ba", "ba lần", "mười lăm", "khoảng 20
    lần", "twice"; None when unreadable or above `MAX_EARLIER_DONATIONS`."""
    folded = " ".join(fold(text).split())
    core = _AFTER.sub("", _BEFORE.sub("", folded)).strip()
    if not core:
        return None
    if core.isascii() and core.isdigit():
        value: int | None = int(core) if len(core) <= 4 else None
    else:
        value = _words_number(core.split())
    if value is None or value > MAX_EARLIER_DONATIONS:
        return None
    return value
