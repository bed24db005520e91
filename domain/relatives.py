"""Facts about someone else: "vợ tôi đang mang thai, tôi có hiến được không".

The asker's wife is pregnant, not the asker; read as one sentence the message would give a
pregnant person's verdict to her husband. :func:`without_relatives` removes what is said about a
relative — from "vợ tôi" / "my wife" up to the next comma, or up to the asker speaking of
themselves again ("… tôi có hiến được không") — so that the request and the facts are read from
the rest. A message that is only about the relative ("vợ tôi đang mang thai có hiến máu được
không") leaves nothing: no personal facts, and the FAQ answers the general question.

"con" is a child only with "trai/gái" or "của": folded, "con tôi" is also "còn tôi" ("and me");
kin words that fold onto common words ("cô" = "có", "dì" = "đi", "bà" = "ba") are left out.
"""

from __future__ import annotations

import re

from domain.text import fold

__all__ = ["without_relatives"]

_KIN_VI = (
    r"vo|chong|me|bo|cha|ong|anh trai|chi gai|em gai|em trai|con trai|con gai|ban|ban than|"
    r"nguoi yeu|ban gai|ban trai|ba xa|ong xa|chau|chu|bac|thim"
)
_KIN_EN = (
    r"wife|husband|mother|mom|mum|father|dad|son|daughter|brother|sister|friend|partner|"
    r"girlfriend|boyfriend|child|kid|baby|grandmother|grandfather|aunt|uncle|cousin|colleague"
)
_RELATIVE = re.compile(
    rf"\b(?:(?:{_KIN_VI})(?: cua)? (?:toi|minh|em|anh|tui)|con cua (?:toi|minh|em|anh)|"
    rf"(?<!nursing )(?<!feeding )(?:my|our) (?:{_KIN_EN}))\b"  # "nursing my baby" is the asker
)
_SELF = frozenset({"toi", "minh", "em", "tui", "i"})
_AUX = frozenset({"can", "could", "may", "should", "do", "am", "will", "would", "and", "but", "so"})
_SHORT = {"e": "em", "a": "anh", "mk": "minh", "mik": "minh", "t": "toi"}
_CLAUSE = re.compile(r"([,;.!?\n]+)")


def _drop(clause: str) -> str:
    words = clause.split()
    folded = [_SHORT.get(w, w) for w in (re.sub(r"[^\w]", "", fold(w)) for w in words)]
    s = " ".join(folded)
    m = _RELATIVE.search(s)
    if m is None:
        return clause
    first = s[: m.start()].count(" ")
    after = s[: m.end()].count(" ") + 1
    for i in range(after + 1, len(words)):
        if folded[i] in _SELF:
            if folded[i] == "i" and folded[i - 1] in _AUX and i - 1 > after:
                i -= 1  # "my wife is pregnant can I donate": the question starts at "can"
            return " ".join(words[:first] + words[i:])
    return " ".join(words[:first])


_KIN_WORD = re.compile(rf"\b(?:{_KIN_VI}|{_KIN_EN}|con)\b")


def without_relatives(text: str) -> str:
    """``text`` without what it says about a relative (as typed, marks kept)."""
    if not _KIN_WORD.search(fold(text)):
        return text  # most messages name no relative: one fold instead of one per word
    parts = _CLAUSE.split(text)
    kept = [p if _CLAUSE.fullmatch(p) else _drop(p) for p in parts]
    out = "".join(kept)
    return out if out != text else text
