"""Quiet hours: no pushes at night. Pure functions over aware datetimes.

The window is `[start, end)` in local wall-clock time: a push due exactly at `start` is inside (it
waits), one due exactly at `end` is outside (it goes). `start > end` means the window crosses midnight
(21:00–07:00); `start == end` means there are no quiet hours. A push due inside the window waits for its
end: the same night's end, which is the next day's `end` when the window crosses midnight and the push
is due before midnight.

Vietnam has no daylight saving time. For zones that do, a wall-clock `end` that does not exist (a gap)
becomes the first instant after the gap, and an ambiguous one (a fold) the earliest occurrence that is
not before the push's own time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["in_quiet_hours", "shift_out_of_quiet"]


def _inside(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def in_quiet_hours(when: datetime, *, start: time, end: time, tz: ZoneInfo) -> bool:
    """Whether `when` (aware) falls inside the quiet window, read on the local wall clock."""
    if when.tzinfo is None:
        raise ValueError("when must be an aware datetime")
    local = when.astimezone(tz).time().replace(tzinfo=None)
    return _inside(local, start, end)


def _at(day: date, at: time, tz: ZoneInfo, not_before: datetime) -> datetime:
    """`day` at wall-clock `at`: the earliest reading (fold 0 or 1) that is not before `not_before`."""
    candidates = sorted(
        datetime.combine(day, at, tzinfo=tz).replace(fold=fold).astimezone(UTC) for fold in (0, 1)
    )
    for candidate in candidates:
        if candidate >= not_before:
            return candidate
    return candidates[-1]


def shift_out_of_quiet(when: datetime, *, start: time, end: time, tz: ZoneInfo) -> datetime:
    """`when` unchanged if it is outside quiet hours, else the end of those quiet hours (in `when`'s zone).

    Never earlier than `when`; the result is outside the window (see the module doc for DST zones).
    """
    if not in_quiet_hours(when, start=start, end=end, tz=tz):
        return when
    local = when.astimezone(tz)
    day = local.date()
    if start > end and local.time().replace(tzinfo=None) >= start:
        day += timedelta(days=1)  # before midnight: wait for tomorrow morning
    shifted = _at(day, end, tz, when)
    return max(shifted, when).astimezone(when.tzinfo)
