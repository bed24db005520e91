"""Run a :class:`ZaloEmulator` on its own event loop in a daemon thread, for benchmarks and for a
bot under test that runs in another process: the emulator keeps serving while the caller blocks.
Everything touching emulator state runs on that loop, hence :meth:`run` and :meth:`call`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from emulators.zalo.emulator import ZaloEmulator

T = TypeVar("T")


class ThreadedZaloEmulator:
    """``with ThreadedZaloEmulator() as t: ... t.url ... t.run(t.emulator.send_text(...))``."""

    def __init__(self, **kwargs: Any) -> None:
        self.emulator = ZaloEmulator(**kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.emulator.url

    @property
    def token(self) -> str:
        return self.emulator.token

    def start(self) -> Self:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="zalo-emulator", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        self.run(self.emulator.start())
        return self

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run ``coro`` on the emulator loop and block for its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("threaded emulator not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a plain function (e.g. ``emulator.messages``) on the emulator loop."""

        async def invoke() -> T:
            return func(*args, **kwargs)

        return self.run(invoke())

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            self.run(self.emulator.stop())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
            self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
