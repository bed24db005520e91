"""A local Telegram Bot API emulator for driving the real python-telegram-bot stack in tests.

Usage::

    async with TelegramEmulator() as emu:
        app = (
            Application.builder()
            .token(emu.token)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .build()
        )
        user = emu.user(1001, "Lan")
        await emu.send_text(user, "/start")
        (reply,) = await emu.wait_for_messages(user, 1)

Nothing leaves 127.0.0.1. Rate limits and fault injection plug in as hooks
(:data:`CallHook`) that every API call passes through.
"""

from emulators.telegram.emulator import DEFAULT_TOKEN, TINY_PNG, TelegramEmulator
from emulators.telegram.faults import SENDING_METHODS, FailCalls, FaultInjector, RateLimiter
from emulators.telegram.params import ApiError, UploadedPart
from emulators.telegram.records import (
    ApiCall,
    CallbackAnswer,
    MessageVersion,
    SentMessage,
    SimUser,
    StoredFile,
)
from emulators.telegram.server import CallHook
from emulators.telegram.threaded import ThreadedTelegramEmulator

__all__ = [
    "DEFAULT_TOKEN",
    "SENDING_METHODS",
    "TINY_PNG",
    "ApiCall",
    "ApiError",
    "CallHook",
    "CallbackAnswer",
    "FailCalls",
    "FaultInjector",
    "MessageVersion",
    "RateLimiter",
    "SentMessage",
    "SimUser",
    "StoredFile",
    "TelegramEmulator",
    "ThreadedTelegramEmulator",
    "UploadedPart",
]
