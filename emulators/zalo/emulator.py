"""The public face of the Zalo emulator: lifecycle, simulated users, and what tests assert on.

A test starts one :class:`ZaloEmulator`, points the Zalo client at ``emu.url`` with ``emu.token``,
injects what users do (``send_text``, ``send_image``...) and checks what the bot sent
(``messages``, ``texts``, ``wait_for_messages``, ``calls``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from emulators.zalo.records import JSONDict, WebhookDelivery, ZaloCall, ZaloSent, ZaloUser
from emulators.zalo.server import WebhookBodyShape, ZaloHook, ZaloServer
from emulators.zalo.state import EmptyPoll, ZaloState

DEFAULT_TOKEN = "1234567890123456789:TEST-zalo-emulator-secret"
BOT_NAME = "Bot Hiến Máu"
# 1x1 transparent PNG: what a user's image event points at, and a handy sendPhoto body for tests.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4d800"
    "00000049454e44ae426082"
)

ChatRef = str | int | ZaloUser
H = TypeVar("H", bound=ZaloHook)


def _chat_id(chat: ChatRef) -> str:
    return chat.chat_id if isinstance(chat, ZaloUser) else str(chat)


class ZaloEmulator:
    """A local Zalo Bot Platform for one bot, spoken to over HTTP like the real one."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_name: str = BOT_NAME, host: str = "127.0.0.1"):
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id or not secret:
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.state = ZaloState(bot_id=bot_id, bot_name=bot_name)
        self._server = ZaloServer(self.state, token, host)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> Self:
        await self._server.start()
        return self

    async def stop(self) -> None:
        await self._server.stop()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; the client appends ``/bot<token>/<method>``."""
        return self._server.url

    @property
    def bot_id(self) -> str:
        return self.state.bot_id

    @property
    def bot_name(self) -> str:
        return self.state.bot_name

    # --- behaviour switches -------------------------------------------------------------------

    @property
    def empty_poll(self) -> EmptyPoll:
        """``"timeout_error"`` (default): ok:false 408 "Request timeout", as public pollers report;
        ``"empty_result"``: ok:true with ``result: null``, which some pollers also handle."""
        return self.state.empty_poll

    @empty_poll.setter
    def empty_poll(self, value: EmptyPoll) -> None:
        self.state.empty_poll = value

    @property
    def webhook_body_shape(self) -> WebhookBodyShape:
        """``"result"`` (default): ``{"ok": true, "result": event}``; ``"top"``: the event itself."""
        return self._server.webhook_body_shape

    @webhook_body_shape.setter
    def webhook_body_shape(self, value: WebhookBodyShape) -> None:
        self._server.webhook_body_shape = value

    def duplicate_every(self, n: int) -> None:
        """Every ``n``-th event getUpdates returns comes back once more on the next call (0: off)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        self.state.duplicate_every = n

    @property
    def hooks(self) -> list[ZaloHook]:
        return self._server.hooks

    def add_hook(self, hook: H) -> H:
        self._server.hooks.append(hook)
        return hook

    # --- simulated users ----------------------------------------------------------------------

    def user(self, user_id: str | int, name: str = "Lan") -> ZaloUser:
        """Create (or fetch) a user; the bot may write to it from then on, as a follower."""
        key = str(user_id)
        existing = self.state.users.get(key)
        if existing is not None:
            return existing
        user = ZaloUser(key, name)
        self.state.users[key] = user
        return user

    def block(self, user: ZaloUser) -> None:
        """The user blocks the bot: every send to them answers ok:false 403."""
        user.blocked = True

    def unblock(self, user: ZaloUser) -> None:
        user.blocked = False

    def _event(self, user: ZaloUser, name: str, group: str | None, **fields: object) -> JSONDict:
        self.state.users.setdefault(user.id, user)
        if group is not None:
            self.state.groups.add(group)
        chat = {"id": group, "chat_type": "GROUP"} if group else {"id": user.id, "chat_type": "PRIVATE"}
        message: JSONDict = {
            "message_id": self.state.new_message_id(),
            "date": int(time.time() * 1000),
            **fields,
            "from": user.to_api(),
            "chat": chat,
        }
        return self.state.push_event({"event_name": f"message.{name}.received", "message": message})

    def _media_url(self, content: bytes, suffix: str, mime_type: str) -> str:
        name = f"{len(self.state.media) + 1}.{suffix}"
        self.state.media[name] = (content, mime_type)
        return f"{self.url}/media/{name}"

    async def send_text(self, user: ZaloUser, text: str, *, group: str | None = None) -> JSONDict:
        return self._event(user, "text", group, text=text)

    async def send_image(
        self, user: ZaloUser, *, caption: str | None = None, group: str | None = None
    ) -> JSONDict:
        url = self._media_url(TINY_PNG, "png", "image/png")
        fields: dict[str, object] = {"photo_url": url}
        if caption is not None:
            fields["caption"] = caption
        return self._event(user, "image", group, **fields)

    async def send_sticker(self, user: ZaloUser, *, group: str | None = None) -> JSONDict:
        return self._event(user, "sticker", group, sticker="emu-sticker-1")

    async def send_voice(self, user: ZaloUser, *, group: str | None = None) -> JSONDict:
        url = self._media_url(b"\xff\xf1\x50\x80", "aac", "audio/aac")
        return self._event(user, "voice", group, voice_url=url)

    async def send_unsupported(self, user: ZaloUser, *, group: str | None = None) -> JSONDict:
        """What Zalo sends instead of the content for some protected senders: no content at all."""
        return self._event(user, "unsupported", group)

    def push_event(self, event: JSONDict) -> JSONDict:
        """Escape hatch: queue any raw event (a future event name, a malformed body...)."""
        return self.state.push_event(event)

    @property
    def pending_events(self) -> list[JSONDict]:
        return [queued.event for queued in self.state.pending]

    # --- what the bot did ---------------------------------------------------------------------

    @property
    def calls(self) -> list[ZaloCall]:
        """Every API request in arrival order, failed and rejected ones included."""
        return self.state.calls

    def calls_to(self, method: str) -> list[ZaloCall]:
        return [c for c in self.state.calls if c.method.lower() == method.lower()]

    def messages(self, chat_id: ChatRef) -> list[ZaloSent]:
        return list(self.state.sent.get(_chat_id(chat_id), []))

    def texts(self, chat_id: ChatRef) -> list[str]:
        """What the person reads, message by message: texts, and captions of photos."""
        return [m.shown_text for m in self.messages(chat_id) if m.shown_text is not None]

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return self._server.webhook_deliveries

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        what: str = "condition",
        timeout: float = 10.0,  # noqa: ASYNC109 - a miss raises a descriptive AssertionError
    ) -> None:
        """Wait for ``predicate`` (re-checked after every API call and delivery)."""
        if not await self.state.activity.wait_until(predicate, time.monotonic() + timeout):
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    async def wait_for_messages(
        self,
        chat_id: ChatRef,
        n: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[ZaloSent]:
        """The chat's messages once there are at least ``n``; on timeout the error lists what did
        arrive and the failed calls, the usual reason for a missing message."""
        key = _chat_id(chat_id)
        start = time.monotonic()
        if await self.state.activity.wait_until(
            lambda: len(self.state.sent.get(key, [])) >= n, start + timeout
        ):
            return self.messages(key)
        failed = [
            f"{c.method} {c.http_status}/{c.error_code} {c.description}"
            for c in self.state.calls
            if not c.ok and c.at >= start - 60
        ]
        raise AssertionError(
            f"chat {key}: expected >= {n} bot messages within {timeout}s, "
            f"got {self.texts(key)}; failed calls: {failed}"
        )
