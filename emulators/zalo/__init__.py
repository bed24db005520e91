"""A local Zalo Bot Platform emulator (token bots, ``bot-api.zaloplatforms.com``) for tests.

Usage::

    async with ZaloEmulator() as emu:
        client = ZaloClient(emu.token, base_url=emu.url)
        lan = emu.user("5001", "Lan")
        await emu.send_text(lan, "xin chào")
        (reply,) = await emu.wait_for_messages(lan, 1)

Nothing leaves 127.0.0.1 (sendPhoto fetches the URL it is given, which tests serve locally).

Choices made where the public documentation (see /work/shared/ZALO.md) is silent:

- Envelope: every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
  "description": ...}`` with HTTP 200, except a wrong token (HTTP 401, error_code 401) and injected
  server trouble (HTTP 500).
- getUpdates with nothing to return within ``timeout``: ok:false, error_code 408, "Request timeout",
  which is what open-source pollers of the real API check for; ``emu.empty_poll = "empty_result"``
  answers ok:true with ``result: null`` instead (other pollers handle that too).
- getUpdates while a webhook is set: ok:false 409 (as Telegram; Zalo only says it does not work).
- sendMessage/sendPhoto/sendSticker/sendChatAction to an unknown chat: ok:false 400 "chat not found";
  to a user who blocked the bot: ok:false 403. ``reply_markup`` (or ``keyboard``/``buttons``) is
  refused with 400: Zalo has no buttons. Text and caption lengths are counted in code points.
- setWebhook's result is ``{url, updated_at}`` like getWebhookInfo; the url must be https (or
  http://127.0.0.1 for tests), the secret 8-256 characters. A failed webhook delivery is recorded
  and not retried. Unknown method: ok:false 404. Method names match case-insensitively.
"""

from emulators.zalo.emulator import BOT_NAME, DEFAULT_TOKEN, TINY_PNG, ZaloEmulator
from emulators.zalo.hooks import SENDING_METHODS, ZaloFaults, ZaloRateLimiter
from emulators.zalo.records import WebhookDelivery, ZaloApiError, ZaloCall, ZaloSent, ZaloUser
from emulators.zalo.server import SECRET_HEADER, WebhookBodyShape, ZaloHook
from emulators.zalo.state import EmptyPoll
from emulators.zalo.threaded import ThreadedZaloEmulator

__all__ = [
    "BOT_NAME",
    "DEFAULT_TOKEN",
    "SECRET_HEADER",
    "SENDING_METHODS",
    "TINY_PNG",
    "EmptyPoll",
    "ThreadedZaloEmulator",
    "WebhookBodyShape",
    "WebhookDelivery",
    "ZaloApiError",
    "ZaloCall",
    "ZaloEmulator",
    "ZaloFaults",
    "ZaloHook",
    "ZaloRateLimiter",
    "ZaloSent",
    "ZaloUser",
]
