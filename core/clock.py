"""The clock every layer reads the time from: the system's in production, a fixed or stepped one in tests.

A protocol rather than `datetime.now` calls, so the dialogues, the planners and the delivery loop can be
run at any date (a campaign of 2020 in the tests, a benchmark in fast-forward).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
