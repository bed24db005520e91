"""Invite codes that make a chat account an organiser without anyone knowing its platform id.

`donorbot organiser invite` prints a code such as "K7M2-QX9P"; the person sends it to the bot on any
channel, once. The alphabet has no 0/O or 1/I (read aloud or copied from paper, they are confused), so
eight characters give 32⁸ ≈ 1.1 × 10¹² codes. Every code has a digit and a letter, so a word typed on its
own ("hienmau2" has both, "nguyenvan" has no digit) is rarely taken for one.

Only a hash is stored. The hash is scrypt with a fixed salt, not a bare SHA-256: it must be the same for
the same code (the typed code is looked up by it), and a stolen database should not give a pending code
back in minutes (2⁴⁰ SHA-256 hashes are a few minutes of one GPU; scrypt makes that months).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

ALPHABET: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""32 characters: digits without 0 and 1, capital letters without O and I."""
LENGTH: Final = 8
GROUP: Final = 4

MAX_FAILURES: Final = 5
"""Wrong codes a chat may send within `FAILURE_WINDOW_HOURS` before it is locked out."""
FAILURE_WINDOW_HOURS: Final = 1
LOCK_HOURS: Final = 1
"""How long after the last of those wrong codes the chat stays locked (a right code is refused too)."""

DEFAULT_HOURS: Final = 24
MAX_HOURS: Final = 168

_SALT: Final = b"donorbot invite code v1"
_SHAPE_ANY: Final = re.compile(rf"[0-9A-Z]{{{GROUP}}}-[0-9A-Z]{{{LENGTH - GROUP}}}")
_SHAPE_BARE: Final = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


def _valid(code: str) -> bool:
    return any(c.isdigit() for c in code) and any(c.isalpha() for c in code)


def new_code() -> str:
    """A fresh code as stored and hashed ("K7M2QX9P"), from the system's secure random source."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if _valid(code):
            return code


def shown(code: str) -> str:
    """The code as printed: "K7M2QX9P" → "K7M2-QX9P"."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def normalise(text: str) -> str:
    """What was typed after /nhanma, as compared: spaces and dashes out, upper case ("k7m2 qx9p")."""
    return re.sub(r"[\s\-–—_.]+", "", text).upper()


def typed_code(text: str, *, in_dialogue: bool) -> str | None:
    """The code a whole message is, or None: "K7M2-QX9P" or "k7m2-qx9p" anywhere (no answer of a
    dialogue looks like that; a check-in code has six characters), "K7M2QX9P" only outside a dialogue
    (there it could be an answer). A dashed code with a 0, O, 1 or I is still a code — a wrong one."""
    text = text.strip().upper()
    if len(text) > LENGTH + 1:
        return None
    if _SHAPE_ANY.fullmatch(text) and _valid(text):
        return text.replace("-", "")
    if not in_dialogue and _SHAPE_BARE.fullmatch(text) and _valid(text):
        return text
    return None


def code_hash(code: str) -> str:
    """The stored form of a normalised code (64 hex characters); the same code gives the same hash."""
    digest = hashlib.scrypt(code.encode("ascii", "replace"), salt=_SALT, n=2**14, r=8, p=1, dklen=32)
    return digest.hex()


def lock_window(now: datetime) -> datetime:
    """The earliest wrong code that can still count towards a lock at `now` (what to read, and no more)."""
    return now - timedelta(hours=FAILURE_WINDOW_HOURS + LOCK_HOURS)


def locked_until(failures: Sequence[datetime], now: datetime) -> datetime | None:
    """Until when a chat may not send codes, or None: `MAX_FAILURES` wrong codes (at `failures`, oldest
    first) within `FAILURE_WINDOW_HOURS` lock it until `LOCK_HOURS` after the last of them. The rule of
    invite codes and of clubs' join codes alike."""
    window, lock = timedelta(hours=FAILURE_WINDOW_HOURS), timedelta(hours=LOCK_HOURS)
    until: datetime | None = None
    for first, latest in zip(failures, failures[MAX_FAILURES - 1 :], strict=False):
        if latest - first <= window and latest + lock > now:
            until = max(until or latest + lock, latest + lock)
    return until
