"""Run an emulator on its own event loop in a daemon thread (both emulators use it).

For synchronous code and for scenarios where the bot runs in a subprocess: the emulator keeps serving
while the caller blocks. Everything touching emulator state must run on that loop, hence :meth:`run`
(coroutines) and :meth:`call` (plain functions).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

T = TypeVar("T")


class Served(Protocol):
    """What an emulator offers to be run in a thread."""

    @property
    def url(self) -> str: ...

    @property
    def token(self) -> str: ...

    async def start(self) -> Any: ...

    async def stop(self) -> None: ...


E = TypeVar("E", bound=Served)


class Threaded(Generic[E]):
    """``with Threaded(emulator, name="…") as t: ... t.url ... t.run(t.emulator.send_text(...))``."""

    def __init__(self, emulator: E, *, name: str) -> None:
        self.emulator = emulator
        self.name = name
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
        thread = threading.Thread(target=loop.run_forever, name=self.name, daemon=True)
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
