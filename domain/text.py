"""Text as people type it: cleaned of invisible characters, and folded for comparisons with or without
Vietnamese diacritics."""

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
    folded = strip_diacritics(unicodedata.normalize("NFC", text).casefold()).translate(_EXTRA).casefold()
    return _SPACES.sub(" ", folded).strip()


def nfc(text: str) -> str:
    """The NFC form, the one Vietnamese text is stored and compared in."""
    return unicodedata.normalize("NFC", text)


_ZWJ = "\u200d"
_LINE_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_KEPT_CONTROLS = frozenset("\n\t")
_EMOJI_TAILS = frozenset("\ufe0f") | {chr(c) for c in range(0x1F3FB, 0x1F400)}  # VS16, skin tones


def _drops(ch: str) -> bool:
    """Control (Cc), format (Cf: bidi controls, zero-width characters, BOM) or lone surrogate (Cs)."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch not in _KEPT_CONTROLS


def _emoji_before(out: list[str]) -> bool:
    for ch in reversed(out):
        if ch not in _EMOJI_TAILS:
            return unicodedata.category(ch) == "So"
    return False


def clean_input(text: str) -> str:
    """What a person typed, without the characters that only cause trouble; NFC.

    Removed: control characters (NUL fails a whole statement on PostgreSQL; ESC, BEL, DEL, C1), format
    characters — the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, which can make
    a name read backwards to an organiser), LRM/RLM, zero-width space/non-joiner/joiner, word joiner, BOM,
    soft hyphen, tag characters — and lone surrogates. Kept: newlines (CR, CRLF, NEL and the Unicode line
    and paragraph separators become "\\n") and tabs, for texts of several lines such as announcements.

    A zero-width joiner is kept when it joins two emoji (👩‍⚕️ health worker, 👨‍👩‍👧 family): there it is
    part of the character people see, and dropping it would show two or three separate pictures. An
    emoji is approximated by the Unicode category So (other symbol), which holds the emoji blocks, with
    a variation selector or skin tone modifier allowed before the joiner. Vietnamese and English never
    need a joiner or non-joiner anywhere else, so both are dropped elsewhere.
    """
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == _ZWJ:
            after = text[i + 1] if i + 1 < len(text) else ""
            if _emoji_before(out) and after and unicodedata.category(after) == "So":
                out.append(ch)
        elif not _drops(ch):
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))
