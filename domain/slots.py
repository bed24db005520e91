"""Time slots of a blood day and the short codes donors show at check-in.

A session (07:00–11:30, 250 places) is cut into slots (every 30 minutes) so donors arrive spread over the
morning instead of queueing at opening time. Capacity is spread over the slots; the check-in code is read
aloud or typed by a volunteer, so it avoids characters people confuse (0/O, 1/I/L).
"""

from __future__ import annotations

import bisect
import random
import re
from datetime import date, datetime, time, tzinfo

# 8 digits + 23 letters: no 0, 1, O, I or L, which look alike on a phone screen or on paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
_CODE_NOISE = re.compile(r"[\s\-_.]+")


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def slot_starts(*, start: time, end: time, slot_minutes: int) -> list[time]:
    """Start times of the slots between `start` and `end`; the last slot may be shorter than the others.

    Seconds are ignored: sessions are planned to the minute.
    """
    if slot_minutes <= 0:
        raise ValueError("slot_minutes must be positive")
    first, last = _minutes(start), _minutes(end)
    if last <= first:
        raise ValueError("end must be after start")
    return [time(m // 60, m % 60) for m in range(first, last, slot_minutes)]


def slot_end(start: time, *, slot_minutes: int, drive_day_end: time) -> time:
    """When the slot starting at `start` ends: `slot_minutes` later, the last one with the session."""
    minutes = min(_minutes(start) + slot_minutes, _minutes(drive_day_end))
    return time(minutes // 60, minutes % 60)


def has_ended(day: date, end: time, *, now: datetime, tz: tzinfo) -> bool:
    """Whether something on `day` until the wall-clock time `end` in the zone `tz` is over at `now`.

    Sessions and slots are planned in local time, so "today" alone is not enough: at 10:00 a session of
    07:00–09:00 has ended, and so has a 07:00 slot of one running until 11:00. A slot may be taken until it
    ends (someone nearby can still come), a session until its last slot ends.
    """
    return datetime.combine(day, end, tzinfo=tz) <= now


def slot_capacity(*, capacity: int, slots: int) -> list[int]:
    """Spreads a session's capacity over its slots as evenly as possible, earlier slots taking the remainder.

    10 over 3 gives [4, 3, 3]: donors prefer the early hours, before work, so those get the extra places.
    """
    if slots <= 0:
        raise ValueError("slots must be positive")
    if capacity < 0:
        raise ValueError("capacity must not be negative")
    base, extra = divmod(capacity, slots)
    return [base + 1 if i < extra else base for i in range(slots)]


def slot_index(starts: list[time], at: time) -> int:
    """Which slot a sign-up at `at` belongs to: the last slot starting at or before it (else the first).

    Sign-ups keep their start time when an organiser changes the hours, so one may fall between the new
    slot starts; counting it in the slot that contains it keeps the totals right.
    """
    if not starts:
        raise ValueError("no slots")
    return max(bisect.bisect_right(starts, at) - 1, 0)


def moved_slot(at: time, *, old_start: time, new_start: time, new_end: time, slot_minutes: int) -> time:
    """Where a sign-up goes when the session's hours change: the same distance after opening, snapped to a
    new slot and kept inside the new hours, so "the second slot" stays the second slot after a move."""
    starts = slot_starts(start=new_start, end=new_end, slot_minutes=slot_minutes)
    minutes = _minutes(at) - _minutes(old_start) + _minutes(new_start)
    minutes = min(max(minutes, _minutes(new_start)), _minutes(new_end) - 1)
    return starts[slot_index(starts, time(minutes // 60, minutes % 60))]


def new_code(rng: random.Random) -> str:
    """A 6-character check-in code such as "K7M2QX" (31⁶ ≈ 887 million possibilities)."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """The code as stored, from what a volunteer typed: "k7m 2qx" or "K7M-2QX" both give "K7M2QX"."""
    return _CODE_NOISE.sub("", text).upper()
