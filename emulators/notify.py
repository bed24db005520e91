"""The emulators' wake-everyone signal, shared by the Telegram and the Zalo emulator."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable


class Notifier:
    """A wake-everyone signal: waiters re-check their own condition after each notify().

    Simpler than a Condition (no lock, notify() is sync so injectors need not await) and
    race-free on one event loop because a waiter grabs the current event before yielding.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, deadline: float) -> None:
        """Return on the next notify() or at ``deadline`` (``time.monotonic()``), if sooner."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(deadline - time.monotonic(), 0.0))

    async def wait_until(self, predicate: Callable[[], bool], deadline: float) -> bool:
        """Wait until ``predicate()`` holds; False if ``deadline`` passed first."""
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            await self.wait(deadline)
        return True
