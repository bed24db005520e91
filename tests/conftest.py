"""Shared fixtures. Factories live in tests/helpers.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers import BotHarness, FixedClock, running_bot


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def bot(tmp_path: Path, clock: FixedClock) -> AsyncIterator[BotHarness]:
    """The real PTB application polling the local Bot API emulator, on a fresh SQLite file."""
    async with running_bot(tmp_path, clock) as harness:
        yield harness
