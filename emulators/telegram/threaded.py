"""A :class:`TelegramEmulator` on its own event loop in a daemon thread (`emulators.threaded`)."""

from __future__ import annotations

from typing import Any

from emulators.telegram.emulator import TelegramEmulator
from emulators.threaded import Threaded


class ThreadedTelegramEmulator(Threaded[TelegramEmulator]):
    """``with ThreadedTelegramEmulator() as t: ... t.url ... t.run(t.emulator.send_text(...))``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(TelegramEmulator(**kwargs), name="telegram-emulator")
