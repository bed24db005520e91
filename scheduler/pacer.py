"""The send rate of the delivery loop (`scheduler.delivery`), one `Pacer` per platform.

Ours, not PTB's AIORateLimiter (which ignores the 1 msg/s per private chat, pauses every chat on one 429
and does not retry); the per-chat interval is kept by the loop itself.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    """One platform's limits: `rate` sends a second over all its chats, and `per_chat_interval`
    seconds at least between two sends to one chat."""

    rate: float
    per_chat_interval: float = 1.0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.per_chat_interval < 0:
            raise ValueError("a pace needs a positive rate and a per-chat interval of 0 or more")


class Pacer:
    """The bot-wide rate: sends evenly spaced 1/rate apart, and never more than `rate` (rounded up) in any
    `window`.

    The spacing follows an ideal schedule, so a send woken a little late (event-loop latency) does not push
    every later one back: a leaky bucket of capacity 1 (aiolimiter) lost a third of the rate to that at
    1,000 msg/s. After a stall (later than `catch_up`) the schedule restarts from now instead of bursting
    to catch up, and the sliding window, a little longer than Telegram's second, is the hard guarantee
    against 429s when sends bunch up. Its count is the rate rounded up: a platform's cap is a whole number
    of sends a second, so a rate under it rounded up is still within it, while rounded down a fractional
    rate lost the fraction and more (9.5 msg/s came out as 9 per 1.02 s, 8.8 msg/s). Callers are served
    in arrival order.
    """

    def __init__(self, rate: float, window: float = 1.02) -> None:
        self.interval = 1.0 / rate
        self.window = window
        self.limit = max(1, math.ceil(rate))
        self.catch_up = max(self.interval, 0.02)  # later than this is a stall: restart the schedule
        self._next = 0.0  # monotonic time of the next slot on the schedule
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._queued = 0  # callers inside `acquire`

    def backlog(self) -> float:
        """About how many seconds one more caller would wait: the callers ahead of it go first."""
        return max(0.0, self._next - time.monotonic()) + self._queued * self.interval

    async def acquire(self) -> None:
        self._queued += 1
        try:
            await self._acquire()
        finally:
            self._queued -= 1

    async def _acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._stamps and self._stamps[0] <= now - self.window:
                    self._stamps.popleft()
                at = self._next
                if len(self._stamps) >= self.limit:
                    at = max(at, self._stamps[0] + self.window)
                if at <= now:
                    break
                await asyncio.sleep(at - now)
            on_time = now - self._next <= self.catch_up
            self._next = (self._next if on_time else now) + self.interval
            self._stamps.append(now)
