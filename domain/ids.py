"""Ids and small whole numbers read from what people type, from button data and from deep links.

`str.isdigit()` is true for '²', which `int()` refuses; `int()` itself accepts ' 1', '+1', '1_0' and
'٣' (Arabic-Indic three), and thousands of digits (slowly, then ValueError). Ids are INTEGER columns, and
PostgreSQL fails a whole query given 3000000000 for one. So every number the bot reads from outside goes
through `parse_int`: ASCII digits only (and a leading '-' where negatives make sense), range-checked
before any query sees it. Anything else is None, which callers answer with "not available" or "this
button has expired" — never with an apology.
"""

from __future__ import annotations

from typing import Final

MAX_ID: Final = 2**31 - 1
"""The largest value of an INTEGER primary key on PostgreSQL (SQLite stores up to 2**63 - 1)."""
MAX_BIG_ID: Final = 2**63 - 1
"""The largest value of a BIGINT primary key (audit log, outbox)."""


def parse_int(text: str | None, *, minimum: int, maximum: int) -> int | None:
    """`text` as a whole number in minimum..maximum, or None; only ASCII digits (and '-') are read."""
    if text is None:
        return None
    digits = text[1:] if text.startswith("-") and minimum < 0 else text
    widest = max(len(str(abs(minimum))), len(str(abs(maximum))))
    if not digits or len(digits) > widest or not (digits.isascii() and digits.isdecimal()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_id(text: str | None, *, maximum: int = MAX_ID) -> int | None:
    """A row id (1..2**31 - 1 unless the column is a BIGINT), or None."""
    return parse_int(text, minimum=1, maximum=maximum)


def parse_index(text: str | None, count: int) -> int | None:
    """A position 0..count-1 in a list shown as buttons (wards), or None."""
    return parse_int(text, minimum=0, maximum=count - 1) if count > 0 else None
