"""Optional :data:`~emulators.telegram.server.CallHook` s: Telegram's flood limits and faults.

Install with ``emu.add_hook(RateLimiter())`` / ``emu.add_hook(FaultInjector(server_error=0.1))``,
or ``emu.add_hook(FailCalls("sendDocument", {1}))`` to fail exactly the first sendDocument.
Both only look at the :class:`ApiCall` and raise :class:`ApiError` (or sleep), so they work the
same for tests and benchmarks and never touch emulator state.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Literal

from emulators.telegram.params import ApiError
from emulators.telegram.records import ApiCall

SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendsticker",
        "sendlocation",
        "sendcontact",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)
"""Lower-cased methods that deliver a message, i.e. the ones Telegram's flood limits count."""


def is_sending(call: ApiCall) -> bool:
    return call.method.lower() in SENDING_METHODS


class RateLimiter:
    """Telegram's broadcast limits as sliding windows: ~30 msg/s per bot, 1 msg/s per chat.

    Messages sent with ``allow_paid_broadcast`` (Telegram's paid broadcasts, 0.1 Star each) count
    against ``paid_per_bot`` (1,000 msg/s) instead of ``per_bot``; the per-chat limit still holds.

    A call over a limit is answered 429 "Too Many Requests: retry after N" with
    ``parameters.retry_after`` (PTB raises ``RetryAfter``) and does not count. ``clock`` is
    injectable so tests can step time instead of sleeping.
    """

    def __init__(
        self,
        per_bot: int = 30,
        per_chat: int = 1,
        paid_per_bot: int = 1000,
        window: float = 1.0,
        counts: Callable[[ApiCall], bool] = is_sending,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_bot, self.per_chat, self.paid_per_bot, self.window = per_bot, per_chat, paid_per_bot, window
        self.counts, self.clock = counts, clock
        self.rejected = 0
        self._bot: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._chats: dict[object, deque[float]] = {}

    async def __call__(self, call: ApiCall) -> None:
        if not self.counts(call):
            return
        now = self.clock()
        chat = self._chats.setdefault(call.params.get("chat_id"), deque())
        paid = call.params.get("allow_paid_broadcast") is True
        bot, bot_limit = (self._paid, self.paid_per_bot) if paid else (self._bot, self.per_bot)
        for stamps in (bot, chat):
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
        for stamps, limit in ((chat, self.per_chat), (bot, bot_limit)):
            if len(stamps) >= limit:
                self.rejected += 1
                retry_after = max(1, math.ceil(stamps[0] + self.window - now))
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
        bot.append(now)
        chat.append(now)


@dataclass
class FaultInjector:
    """Fail a share of calls the way Telegram does under trouble; seeded, so reproducible.

    Rates are probabilities per matching call and are tried in the order listed. A "timeout"
    stalls the call for ``timeout_delay`` seconds and then lets it execute, which is the real
    ambiguity a client faces: it gave up, but the message may still have been delivered.
    """

    server_error: float = 0.0
    """500 Internal Server Error (PTB: NetworkError)."""
    timeout: float = 0.0
    blocked: float = 0.0
    """403 Forbidden: bot was blocked by the user."""
    chat_not_found: float = 0.0
    """400 Bad Request: chat not found."""
    timeout_delay: float = 10.0
    applies_to: Callable[[ApiCall], bool] = is_sending
    seed: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    async def __call__(self, call: ApiCall) -> None:
        if not self.applies_to(call):
            return
        roll = self._rng.random()
        for kind, rate in (
            ("server_error", self.server_error),
            ("timeout", self.timeout),
            ("blocked", self.blocked),
            ("chat_not_found", self.chat_not_found),
        ):
            if roll < rate:
                self.injected[kind] += 1
                await self._inject(kind)
                return
            roll -= rate

    async def _inject(self, kind: str) -> None:
        if kind == "server_error":
            raise ApiError(500, "Internal Server Error")
        if kind == "timeout":
            await asyncio.sleep(self.timeout_delay)
        elif kind == "blocked":
            raise ApiError.forbidden("bot was blocked by the user")
        elif kind == "chat_not_found":
            raise ApiError.bad_request("chat not found")


@dataclass
class FailCalls:
    """Fails exactly the chosen calls of one method: the ``numbers``-th (1-based, counted from when
    the hook was added) calls of ``method`` (case-insensitive); every other call goes through.

    ``fault`` is ``"server_error"`` (500) or ``"timeout"``, which stalls the call ``timeout_delay``
    seconds and then lets it execute, as :class:`FaultInjector` does: the client gave up, the
    message is delivered late anyway.
    """

    method: str
    numbers: Collection[int] = (1,)
    fault: Literal["server_error", "timeout"] = "server_error"
    timeout_delay: float = 10.0
    seen: int = 0
    """Calls of ``method`` so far."""
    injected: int = 0

    async def __call__(self, call: ApiCall) -> None:
        if call.method.lower() != self.method.lower():
            return
        self.seen += 1
        if self.seen not in self.numbers:
            return
        self.injected += 1
        if self.fault == "timeout":
            await asyncio.sleep(self.timeout_delay)
        else:
            raise ApiError(500, "Internal Server Error")
