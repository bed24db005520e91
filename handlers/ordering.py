"""One chat's updates in order, different chats at once: the same guarantee on every channel.

A channel adapter runs each update's turn inside `PerChat.turn(platform, chat_id)`: turns of one chat
wait for each other in arrival order (asyncio locks are fair), turns of other chats run concurrently up
to `limit` at a time. A fast double tap or two typed lines can therefore never race one dialogue. Idle
chats are forgotten, so the map holds only chats with a turn running or waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class PerChat:
    """Serialises turns per chat and bounds how many chats run at once."""

    def __init__(self, limit: int = 64) -> None:
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._waiting: dict[tuple[str, str], int] = {}
        self._slots = asyncio.Semaphore(limit)

    @contextlib.asynccontextmanager
    async def turn(self, platform: str, chat_id: str) -> AsyncIterator[None]:
        key = (platform, chat_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                yield
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle chats so the map does not grow forever
                del self._waiting[key]
                del self._locks[key]

    @property
    def chats(self) -> int:
        """Chats with a turn running or waiting."""
        return len(self._locks)
