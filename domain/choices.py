"""Picking one of a few known answers from free text, for platforms or people without buttons."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from domain.text import fold

# Below this length partial/token matching (WRatio) is noise: "mal" would match "female"
# better than "male", so short input is compared as a whole string only.
_SHORT = 5
_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


def _key(text: str) -> str:
    return _EDGE_PUNCTUATION.sub("", fold(text))


def _score(text: str, phrase: str) -> float:
    if min(len(text), len(phrase)) < _SHORT:
        return float(fuzz.ratio(text, phrase))
    return float(fuzz.WRatio(text, phrase))


def match_option(text: str, options: Mapping[str, Sequence[str]], *, cutoff: int = 85) -> str | None:
    """The key of the option whose phrase `text` names, or None if none or several fit.

    Comparison is diacritics- and case-insensitive; an exact phrase wins outright, otherwise
    the best fuzzy score at or above `cutoff` (0–100) wins unless another option ties it.
    """
    typed = _key(text)
    if not typed:
        return None
    exact = {key for key, phrases in options.items() if any(_key(p) == typed for p in phrases)}
    if exact:
        return exact.pop() if len(exact) == 1 else None
    best: dict[str, float] = {}
    for key, phrases in options.items():
        scores = [_score(typed, _key(phrase)) for phrase in phrases if _key(phrase)]
        if scores:
            best[key] = max(scores)
    if not best:
        return None
    top = max(best.values())
    winners = [key for key, score in best.items() if score == top]
    if top < cutoff or len(winners) != 1:
        return None
    return winners[0]


_YES = frozenset(
    {
        "co",
        "c",
        "ok",
        "oke",
        "okay",
        "okie",
        "dong y",
        "yes",
        "y",
        "yeah",
        "yep",
        "sure",
        "u",  # "ừ"
        "uh",
        "uhm",
        "um",
        "uk",
        "vang",
        "da",
        "da vang",
        "da co",
        "vang co",
        "co chu",
        "duoc",
        "dc",
        "roi",  # "rồi", "already": yes to "have you ...?"
        "co roi",
        "👍",
    }
)
_NO = frozenset(
    {
        "khong",
        "ko",
        "k",
        "kh",
        "khg",
        "kg",
        "hong",
        "hok",
        "khum",
        "hem",
        "no",
        "n",
        "nope",
        "thoi",
        "khong dong y",
        "ko dong y",
        "k dong y",
        "khong co",
        "ko co",
        "chua",  # "chưa", "not yet": no to "have you ...?"
        "👎",
    }
)
# Politeness that changes nothing: "dạ không ạ", "có nhé", "ok bạn".
_TRAILING = frozenset({"a", "nhe", "nha", "ha", "ban", "oi", "please"})
_REPEATS = re.compile(r"(\w)\1+")
_NOT_WORD = re.compile(r"[^\w\s👍👎]")


def parse_yes_no(text: str) -> bool | None:
    """True for a yes ("có", "ok", "vâng", "ừ"…), False for a no ("không", "ko", "thôi"…)."""
    words = _REPEATS.sub(r"\1", _NOT_WORD.sub(" ", fold(text))).split()
    while len(words) > 1 and words[-1] in _TRAILING:
        words.pop()
    if len(words) > 1 and words[0] == "da":
        words.pop(0)  # "dạ" before an answer is politeness; alone it means yes
    phrase = " ".join(words)
    if phrase in _YES:
        return True
    if phrase in _NO:
        return False
    return None


# A call-out's own answers, typed in the words of its choices ("✅ Tôi đến được", "❌ Lần này không
# được"): on Zalo they are numbered lines, and people type what they read.
_CAN_COME = frozenset({"toi den duoc", "den duoc", "toi di duoc", "di duoc", "toi se den", "i can come"})
_CANNOT_COME = frozenset(
    {"lan nay khong duoc", "khong den duoc", "toi khong den duoc", "khong di duoc", "not this time"}
)


def parse_callout_answer(text: str) -> bool | None:
    """A clear answer to a call-out: a yes or no, or its choices' words ("tôi đến được")."""
    if (answer := parse_yes_no(text)) is not None:
        return answer
    phrase = " ".join(_NOT_WORD.sub(" ", fold(text)).split())
    if phrase in _CAN_COME:
        return True
    if phrase in _CANNOT_COME:
        return False
    return None


_NUMBER = re.compile(r"(?:(?:chon|so|option|#) ?)?\(?(\d{1,3})[.)]?")


def number_choice(text: str, count: int) -> int | None:
    """Zero-based index for a 1-based menu number ("2", "số 2", "2." → 1), None outside 1..count."""
    match = _NUMBER.fullmatch(fold(text))
    if not match:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= count else None
