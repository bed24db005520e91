"""Optional :data:`~emulators.zalo.server.ZaloHook` s: a rate cap and injected faults.

Zalo publishes no rate limits, so :class:`ZaloRateLimiter` takes its figures from the test; what it
answers over the cap (``ok: false``, error_code 429, "too many requests") is our best guess of the
platform's shape, and the client treats an HTTP 429 the same way.
Install with ``emu.add_hook(ZaloRateLimiter(per_second=5))`` or ``faults = emu.add_hook(ZaloFaults())``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Literal

from emulators.zalo.records import JSONDict, ZaloApiError, ZaloCall

SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "sendsticker"})
"""Lower-cased methods that deliver a message: the ones the rate cap counts."""


def is_sending(call: ZaloCall) -> bool:
    return call.method.lower() in SENDING_METHODS


class ZaloRateLimiter:
    """Sliding one-second windows: at most ``per_second`` sends per bot and ``per_chat_per_second``
    per chat. A call over a cap answers ok:false 429 "too many requests", is counted in ``rejected``
    and does not use up the window. ``advertise_retry_after`` adds ``parameters.retry_after`` and a
    ``Retry-After`` header, which Zalo is not known to send; ``http_status=429`` answers with that
    status instead of 200. ``clock`` is injectable so tests can step time."""

    def __init__(
        self,
        per_second: int = 30,
        per_chat_per_second: int = 1,
        *,
        http_status: int = 200,
        advertise_retry_after: bool = False,
        counts: Callable[[ZaloCall], bool] = is_sending,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second, self.per_chat_per_second = per_second, per_chat_per_second
        self.http_status, self.advertise_retry_after = http_status, advertise_retry_after
        self.counts, self.clock = counts, clock
        self.rejected = 0
        self._bot: deque[float] = deque()
        self._chats: dict[str, deque[float]] = {}

    async def __call__(self, call: ZaloCall) -> None:
        if not self.counts(call):
            return
        now = self.clock()
        chat = self._chats.setdefault(str(call.params.get("chat_id")), deque())
        for stamps in (self._bot, chat):
            while stamps and stamps[0] <= now - 1.0:
                stamps.popleft()
        for stamps, limit in ((chat, self.per_chat_per_second), (self._bot, self.per_second)):
            if len(stamps) >= limit:
                self.rejected += 1
                wait = max(1, math.ceil(stamps[0] + 1.0 - now))
                parameters: JSONDict | None = None
                headers: dict[str, str] | None = None
                if self.advertise_retry_after:
                    parameters, headers = {"retry_after": wait}, {"Retry-After": str(wait)}
                raise ZaloApiError(
                    429,
                    "too many requests",
                    http_status=self.http_status,
                    parameters=parameters,
                    headers=headers,
                )
        self._bot.append(now)
        chat.append(now)


FaultKind = Literal["server_error", "hang", "error"]


@dataclass
class _Fault:
    methods: frozenset[str]
    remaining: int
    kind: FaultKind
    error: ZaloApiError | None = None
    seconds: float = 0.0


@dataclass
class ZaloFaults:
    """The next N calls of the given methods fail; armed faults are used up in the order added.

    - :meth:`server_error`: HTTP 500 with an ok:false body;
    - :meth:`hang`: the call stalls ``seconds`` (longer than the client's timeout), then runs anyway,
      the real ambiguity a client faces (it gave up, the message may still be delivered);
    - :meth:`error`: ok:false with a given error_code (and optionally an HTTP status, headers...).
    """

    injected: list[tuple[str, str]] = field(default_factory=list)
    """(method, kind) of every fault injected, in order."""
    _armed: list[_Fault] = field(default_factory=list)

    def server_error(self, *methods: str, times: int = 1) -> ZaloFaults:
        error = ZaloApiError(500, "internal server error", http_status=500)
        return self._arm(methods, times, "server_error", error=error)

    def hang(self, *methods: str, times: int = 1, seconds: float = 30.0) -> ZaloFaults:
        return self._arm(methods, times, "hang", seconds=seconds)

    def error(
        self,
        *methods: str,
        error_code: int,
        description: str = "injected error",
        times: int = 1,
        http_status: int = 200,
        parameters: JSONDict | None = None,
        headers: dict[str, str] | None = None,
    ) -> ZaloFaults:
        error = ZaloApiError(
            error_code, description, http_status=http_status, parameters=parameters, headers=headers
        )
        return self._arm(methods, times, "error", error=error)

    @property
    def pending(self) -> int:
        """Faults armed and not yet injected."""
        return sum(fault.remaining for fault in self._armed)

    def _arm(
        self,
        methods: Collection[str],
        times: int,
        kind: FaultKind,
        *,
        error: ZaloApiError | None = None,
        seconds: float = 0.0,
    ) -> ZaloFaults:
        if not methods:
            raise ValueError("name at least one method")
        names = frozenset(method.lower() for method in methods)
        self._armed.append(_Fault(names, times, kind, error, seconds))
        return self

    async def __call__(self, call: ZaloCall) -> None:
        method = call.method.lower()
        fault = next((f for f in self._armed if method in f.methods and f.remaining > 0), None)
        if fault is None:
            return
        fault.remaining -= 1
        self._armed = [f for f in self._armed if f.remaining > 0]
        self.injected.append((call.method, fault.kind))
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
            return
        assert fault.error is not None
        raise fault.error
