"""Quiet hours as configured: when a push due at some time may go out (domain/quiet.py: the arithmetic)."""

from __future__ import annotations

from datetime import datetime

from core.config import Settings
from domain.quiet import shift_out_of_quiet


def quiet_shift(when: datetime, settings: Settings) -> datetime:
    """`when`, or the end of the quiet hours it falls in (nothing but call-outs goes out at night)."""
    r = settings.reminders
    return shift_out_of_quiet(when, start=r.quiet_start, end=r.quiet_end, tz=settings.tz)
