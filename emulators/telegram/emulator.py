"""The public face of the emulator: lifecycle, simulated users and assertions helpers.

A test starts one :class:`TelegramEmulator`, points python-telegram-bot at ``emu.base_url``,
injects what users do (``send_text``, ``press``, ``share_contact``...) and checks what the bot
sent (``messages``, ``wait_for_messages``, ``calls``). State lives on the instance only, so
several emulators can run side by side in one process.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal, Self

from emulators.telegram.methods import commands_key
from emulators.telegram.records import (
    ApiCall,
    CallbackAnswer,
    JSONDict,
    SentMessage,
    SimUser,
    StoredFile,
)
from emulators.telegram.server import ApiServer, CallHook
from emulators.telegram.state import EmulatorState, WebhookDelivery, file_api

DEFAULT_TOKEN = "123456789:TEST-emulator-token"

# Telegram recognises /command (Latin letters, digits, underscore, <= 32) and /command@botname.
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?=\s|$)")
# 1x1 transparent PNG, so a "photo from the user" is a real image if the bot inspects it.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4d800"
    "00000049454e44ae426082"
)

ChatRef = int | SimUser


def _utf16_len(text: str) -> int:
    """Entity offsets/lengths in the Bot API are counted in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _chat_id(chat: ChatRef) -> int:
    return chat.chat_id if isinstance(chat, SimUser) else chat


class TelegramEmulator:
    """A local Telegram Bot API for one bot, driven over HTTP by the real PTB stack."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "donorbot_test_bot",
        bot_first_name: str = "DonorBot (test)",
        host: str = "127.0.0.1",
    ) -> None:
        bot_id, sep, _ = token.partition(":")
        if not sep or not bot_id.isdigit():
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.state = EmulatorState(
            bot_id=int(bot_id), bot_username=bot_username, bot_first_name=bot_first_name
        )
        self._server = ApiServer(self.state, token, host)

    # --- lifecycle -----------------------------------------------------------------------

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
        """``http://127.0.0.1:<port>``; only valid after :meth:`start`."""
        return self._server.url

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        return self.state.bot_username

    @property
    def hooks(self) -> list[CallHook]:
        """Mutable list of hooks run before every method (see :data:`CallHook`)."""
        return self._server.hooks

    def add_hook(self, hook: CallHook) -> CallHook:
        self._server.hooks.append(hook)
        return hook

    # --- simulated users -----------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Người dùng",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        started: bool = False,
    ) -> SimUser:
        """Register (or fetch) a user; ``started=True`` lets the bot write first."""
        existing = self.state.users.get(user_id)
        if existing is not None:
            return existing
        user = SimUser(user_id, first_name, last_name, username, language_code, started)
        self.state.users[user_id] = user
        return user

    async def send_text(self, user: SimUser, text: str) -> JSONDict:
        """User types ``text``; a leading command gets the ``bot_command`` entity PTB needs."""
        fields: JSONDict = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}]
        return self.state.push_user_message(user, fields)

    async def press(self, user: SimUser, message: SentMessage, data: str, *, strict: bool = True) -> JSONDict:
        """User taps an inline button of a bot ``message``: a ``callback_query`` update.

        With ``strict`` (default) the button must currently be on the message, in the user's
        chat, as only then could a real user tap it.
        """
        if strict:
            current = [b.get("callback_data") for row in message.inline_keyboard for b in row]
            if message.chat_id != user.chat_id or message.deleted or data not in current:
                raise ValueError(
                    f"user {user.id} cannot press {data!r} on message {message.message_id} "
                    f"(chat {message.chat_id}, deleted={message.deleted}, buttons={current})"
                )
        query_id = self.state.new_callback_query_id()
        query: JSONDict = {
            "id": query_id,
            "from": user.to_api(),
            "message": self.state.message_api(message),
            "chat_instance": str(-abs(user.chat_id) - 1),
            "data": data,
        }
        self.state.callback_queries[query_id] = query
        return self.state.push_update("callback_query", query)

    async def share_contact(
        self,
        user: SimUser,
        phone_number: str,
        user_id: int | Literal["sender"] | None = "sender",
        first_name: str | None = None,
    ) -> JSONDict:
        """User sends a contact; ``user_id=None`` models someone else's contact card."""
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if user.last_name and first_name is None:
            contact["last_name"] = user.last_name
        owner = user.id if user_id == "sender" else user_id
        if owner is not None:
            contact["user_id"] = owner
        return self.state.push_user_message(user, {"contact": contact})

    async def send_sticker(self, user: SimUser, emoji: str = "👍") -> JSONDict:
        stored = self.state.store_file(b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp")
        sticker: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.state.push_user_message(user, {"sticker": sticker})

    async def send_photo(
        self, user: SimUser, content: bytes = TINY_PNG, caption: str | None = None
    ) -> JSONDict:
        """User sends a photo; the bytes are downloadable via getFile like on Telegram."""
        stored = self.state.store_file(content, None, "image/jpeg")
        fields = file_api("photo", stored)
        if caption is not None:
            fields["caption"] = caption
        return self.state.push_user_message(user, fields)

    async def send_message_fields(self, user: SimUser, fields: JSONDict) -> JSONDict:
        """Escape hatch: a user message with arbitrary extra Message fields (e.g. location)."""
        return self.state.push_user_message(user, dict(fields))

    async def push_update(self, kind: str, payload: JSONDict) -> JSONDict:
        """Escape hatch: queue any raw update type."""
        return self.state.push_update(kind, payload)

    # --- what the bot did ----------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every API request in arrival order, including failed ones."""
        return self.state.calls

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every POST of an update to the bot's webhook, in order, with the status it got."""
        return self.state.webhook_deliveries

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.state.calls if c.method.lower() == method.lower()]

    def messages(self, chat: ChatRef) -> list[SentMessage]:
        """Bot messages in ``chat`` in send order (edits update them in place)."""
        return list(self.state.sent.get(_chat_id(chat), []))

    def last_message(self, chat: ChatRef) -> SentMessage:
        sent = self.messages(chat)
        if not sent:
            raise AssertionError(f"bot sent nothing to chat {_chat_id(chat)}")
        return sent[-1]

    def last_keyboard_message(self, chat: ChatRef) -> SentMessage:
        """The latest message that (still) carries an inline keyboard."""
        for message in reversed(self.messages(chat)):
            if message.inline_keyboard and not message.deleted:
                return message
        raise AssertionError(f"no message with an inline keyboard in chat {_chat_id(chat)}")

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self.state.callback_answers.values())

    def answer_for(self, update: JSONDict) -> CallbackAnswer | None:
        """The bot's answer to the callback query in ``update`` (returned by :meth:`press`)."""
        return self.state.callback_answers.get(update["callback_query"]["id"])

    def commands(self, language_code: str = "", scope: JSONDict | None = None) -> list[JSONDict]:
        """Commands set for exactly this scope/language (no fallback, like getMyCommands)."""
        return list(self.state.commands.get(commands_key(scope, language_code), []))

    def file(self, file_id: str) -> StoredFile:
        return self.state.files[file_id]

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot through getUpdates' ``offset``."""
        return list(self.state.pending_updates)

    # A timeout argument (not asyncio.timeout) so a miss raises a descriptive AssertionError.
    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait for ``predicate`` (re-checked after every API call); AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        if not await self.state.activity.wait_until(predicate, deadline):
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    async def wait_for_messages(
        self,
        chat: ChatRef,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Return the chat's messages once there are at least ``count``.

        On timeout the AssertionError lists what did arrive and the failed calls, since "the bot
        got a 400" is the usual reason for a missing message.
        """
        chat_id = _chat_id(chat)
        start = time.monotonic()
        if await self.state.activity.wait_until(
            lambda: len(self.state.sent.get(chat_id, [])) >= count, start + timeout
        ):
            return self.messages(chat_id)
        arrived = [m.text for m in self.messages(chat_id)]
        failed = [
            f"{c.method} {c.status} {c.description}"
            for c in self.state.calls
            if not c.ok and c.at >= start - 60
        ]
        raise AssertionError(
            f"chat {chat_id}: expected >= {count} bot messages within {timeout}s, "
            f"got {len(arrived)}: {arrived}; failed calls: {failed}"
        )
