"""A message folded for matching, still linked character by character to what was typed.

People write Vietnamese with or without diacritics and in chat shorthand, so the fact extractor
(:mod:`domain.facts` and its helpers :mod:`domain.facts_dates`, :mod:`domain.facts_profile`)
matches on folded text (:func:`domain.text.fold`). But wherever the person *did* type a mark it
has to agree with the word looked for: "xam" may be "xăm" (tattoo) while "xám" (grey) is not;
"cân" is a weight unit while "cần" (need) is not. :class:`TypedText` keeps the typed and the
folded text the same length so that every match can be checked with :func:`compatible`; it also
knows the clauses of the message, since a negation or a date only counts inside its own clause.
These two are public because all three extractor modules match through them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from domain.text import fold, nfc

__all__ = ["TypedText", "compatible"]

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
_QUALITY = frozenset("\u0306\u0302\u031b")  # ă, â/ê/ô, ơ/ư


def _marks(ch: str) -> tuple[str, str]:
    """(vowel-quality marks or 'đ', tone marks) of one character."""
    low = ch.lower()
    if low == "đ":
        return "đ", ""
    parts = unicodedata.normalize("NFD", low)[1:]
    return "".join(m for m in parts if m in _QUALITY), "".join(m for m in parts if m in _TONES)


def compatible(typed: str, written: str) -> bool:
    """Whether ``typed`` may be ``written``: every mark the person typed must be there.

    Both fold to the same letters. Vowel-quality marks (ă â ê ô ơ ư đ) are compared letter by
    letter, tone marks syllable by syllable (so "thuý" and "thúy" agree).
    """
    t_letters = [(i, c) for i, c in enumerate(typed) if c.isalnum()]
    w_letters = [c for c in nfc(written).lower() if c.isalnum()]
    if len(t_letters) != len(w_letters):
        return True  # cannot align (unusual separators): the fold already matched
    syllable_tones: dict[int, tuple[set[str], set[str]]] = {}
    word = 0
    previous = -1
    for (pos, t_ch), w_ch in zip(t_letters, w_letters, strict=True):
        if previous >= 0 and pos != previous + 1:
            word += 1
        previous = pos
        t_quality, t_tone = _marks(t_ch)
        w_quality, w_tone = _marks(w_ch)
        if t_quality and t_quality != w_quality:
            return False
        typed_tones, written_tones = syllable_tones.setdefault(word, (set(), set()))
        typed_tones.update(t_tone)
        written_tones.update(w_tone)
    return all(not t or t == w for t, w in syllable_tones.values())


_CLAUSE_BREAK = re.compile(r"[;!?\n()\[\]]|[.,](?!\d)|(?<!\d)[.,]|\s-\s")
_CONJUNCTIONS = ("nhưng", "vì", "khi", "và", "hoặc", "but", "because", "since", "when", "while")


class TypedText:
    """The message in NFC (``orig``) and folded (``folded``), of the same length."""

    def __init__(self, text: str) -> None:
        orig = "".join(c for c in nfc(text) if not unicodedata.combining(c))
        chars: list[str] = []
        for c in orig:
            if c.isspace():
                chars.append(" ")
                continue
            f = fold(c)
            if len(f) != 1:
                f = c.lower() if len(c.lower()) == 1 else "?"
            chars.append(f)
        self.orig = orig
        self.folded = "".join(chars)
        breaks = {0, len(orig)}
        for m in _CLAUSE_BREAK.finditer(self.folded):
            breaks.update((m.start(), m.end()))
        for s, e, _ in self.find(_CONJUNCTIONS):
            breaks.update((s, e))
        self.breaks = sorted(breaks)

    def typed(self, start: int, end: int) -> str:
        return self.orig[start:end]

    def clause(self, pos: int) -> tuple[int, int]:
        start = max(b for b in self.breaks if b <= pos)
        end = min((b for b in self.breaks if b > pos), default=len(self.orig))
        return start, end

    def find(
        self, phrases: Iterable[str], start: int = 0, end: int | None = None
    ) -> list[tuple[int, int, str]]:
        """Matches of written phrases (folded, word-bounded, marks compatible) in [start, end)."""
        stop = len(self.folded) if end is None else end
        out: list[tuple[int, int, str]] = []
        for phrase in phrases:
            for m in _phrase_re(phrase).finditer(self.folded, start, stop):
                if compatible(self.orig[m.start() : m.end()], phrase):
                    out.append((m.start(), m.end(), phrase))
        return out

    def window_before(self, pos: int, words: int) -> int:
        """Start of the ``words`` words before ``pos``, not crossing the clause start."""
        clause_start, _ = self.clause(pos)
        starts = [m.start() for m in re.finditer(r"[^\s]+", self.folded[clause_start:pos])]
        if not starts:
            return pos
        return clause_start + starts[max(0, len(starts) - words)]

    def has_before(self, pos: int, phrases: Sequence[str], words: int = 100) -> bool:
        return bool(self.find(phrases, self.window_before(pos, words), pos))

    def has_in_clause(self, pos: int, phrases: Sequence[str]) -> bool:
        start, end = self.clause(pos)
        return bool(self.find(phrases, start, end))


@lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    tokens = [re.escape(t) for t in re.split(r"[\s\-]+", fold(phrase)) if t]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(tokens) + r"(?![\w+])")
