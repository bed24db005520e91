"""A :class:`ZaloEmulator` on its own event loop in a daemon thread (`emulators.threaded`), for
benchmarks and for a bot under test that runs in another process."""

from __future__ import annotations

from typing import Any

from emulators.threaded import Threaded
from emulators.zalo.emulator import ZaloEmulator


class ThreadedZaloEmulator(Threaded[ZaloEmulator]):
    """``with ThreadedZaloEmulator() as t: ... t.url ... t.run(t.emulator.send_text(...))``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ZaloEmulator(**kwargs), name="zalo-emulator")
