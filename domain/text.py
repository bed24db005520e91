"""Diacritics-insensitive text folding for Vietnamese input typed with or without accents."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not "d" plus a combining mark, so NFD leaves them alone.
_EXTRA = str.maketrans("đĐ", "dd")
_D_WITH_STROKE = str.maketrans("đĐ", "dD")


def strip_diacritics(text: str) -> str:
    """Removes tone and vowel marks and maps đ to d, keeping letter case."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_WITH_STROKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, diacritics-free, single-spaced form used to compare what people type."""
    folded = strip_diacritics(unicodedata.normalize("NFC", text)).translate(_EXTRA).casefold()
    return _SPACES.sub(" ", folded).strip()


def nfc(text: str) -> str:
    """The NFC form, the one Vietnamese text is stored and compared in."""
    return unicodedata.normalize("NFC", text)
