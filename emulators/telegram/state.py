"""Everything the emulated Telegram server knows about one bot, independent of HTTP.

Kept separate from the aiohttp layer so method handlers are plain functions over this state, and
so several emulators in one process never share anything (there is no module-level state).
All access happens on the emulator's event loop; nothing here is thread-safe by design.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from emulators.notify import Notifier
from emulators.telegram.markup import visible_text
from emulators.telegram.params import ApiError
from emulators.telegram.records import (
    ApiCall,
    CallbackAnswer,
    JSONDict,
    SentMessage,
    SimUser,
    StoredFile,
)

# Update types Telegram delivers when allowed_updates is unset/empty (it opts out of these).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(frozen=True)
class WebhookDelivery:
    url: str
    update_id: int
    status: int | None


@dataclass
class EmulatorState:
    """Bot identity, simulated users, the update queue and everything the bot sent."""

    bot_id: int
    bot_username: str
    bot_first_name: str
    users: dict[int, SimUser] = field(default_factory=dict)
    pending_updates: list[JSONDict] = field(default_factory=list)
    sent: dict[int, list[SentMessage]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    callback_queries: dict[str, JSONDict] = field(default_factory=dict)
    callback_answers: dict[str, CallbackAnswer] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)
    """Bot commands keyed by (canonical scope JSON, language_code)."""
    calls: list[ApiCall] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_max_connections: int = 40  # setWebhook's max_connections: updates POSTed at once
    webhook_deliveries: list[WebhookDelivery] = field(default_factory=list)
    """Every POST of an update to the webhook, in order, with the answer's status (None: no answer)."""
    allowed_updates: list[str] | None = None
    closing: bool = False
    poll_generation: int = 0
    updates_changed: Notifier = field(default_factory=Notifier)
    """Notified when an update is queued, a new getUpdates arrives, or the server closes."""
    activity: Notifier = field(default_factory=Notifier)
    """Notified when an API call arrives and when it is answered (messages, edits...)."""
    _next_update_id: int = 1
    _next_message_id: dict[int, int] = field(default_factory=dict)
    _next_file: int = 1
    _next_query: int = 1

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # --- ids -----------------------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        """Per-chat message ids shared by both directions, as in Telegram private chats."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def new_callback_query_id(self) -> str:
        query_id = str(4_000_000_000_000_000 + self._next_query)
        self._next_query += 1
        return query_id

    def store_file(self, content: bytes, filename: str | None, mime_type: str | None) -> StoredFile:
        number = self._next_file
        self._next_file += 1
        stored = StoredFile(
            file_id=f"EMU-FILE-{self.bot_id}-{number}",
            file_unique_id=f"EMUU{number}",
            filename=filename,
            mime_type=mime_type,
            content=content,
        )
        self.files[stored.file_id] = stored
        return stored

    # --- updates -------------------------------------------------------------------------

    def push_update(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queue an update of type ``kind`` and wake any long poll."""
        update: JSONDict = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.pending_updates.append(update)
        self.updates_changed.notify()
        return update

    def push_user_message(self, user: SimUser, fields: JSONDict) -> JSONDict:
        """Queue a ``message`` update from ``user``; this also 'starts' the chat for the bot."""
        user.started = True
        self.users.setdefault(user.id, user)
        message: JSONDict = {
            "message_id": self.next_message_id(user.chat_id),
            "from": user.to_api(),
            "chat": user.chat_api(),
            "date": int(time.time()),
            **fields,
        }
        return self.push_update("message", message)

    def confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep only the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending_updates = self.pending_updates[offset:]
        else:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]

    def deliverable(self, limit: int) -> list[JSONDict]:
        """Up to ``limit`` pending updates of allowed types; disallowed ones are dropped."""
        self.pending_updates = [u for u in self.pending_updates if self._allowed(u)]
        return self.pending_updates[:limit]

    def _allowed(self, update: JSONDict) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _OPT_IN_UPDATES

    # --- chats and messages --------------------------------------------------------------

    def writable_chat(self, chat_id: int) -> SimUser:
        """The user behind ``chat_id`` if the bot may write there, else the Telegram error."""
        user = self.users.get(chat_id)
        if user is None or not user.started:
            raise ApiError.bad_request("chat not found")
        if user.blocked:
            raise ApiError.forbidden("bot was blocked by the user")
        return user

    def record_sent(self, message: SentMessage) -> SentMessage:
        self.sent.setdefault(message.chat_id, []).append(message)
        return message

    def find_sent(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in self.sent.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def message_api(self, message: SentMessage) -> JSONDict:
        """The Bot API ``Message`` object for a bot message (what send/edit methods return)."""
        user = self.users[message.chat_id]
        data: JSONDict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": user.chat_api(),
            "date": message.date,
        }
        shown = visible_text(message.text, message.parse_mode) if message.text else None
        if message.kind == "text":
            data["text"] = shown
        elif shown is not None:
            data["caption"] = shown
        if message.file is not None:
            data.update(file_api(message.kind, message.file))
        if message.inline_keyboard:
            data["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        return data


def file_api(kind: str, stored: StoredFile) -> JSONDict:
    """The ``photo``/``document`` fields of a Message carrying ``stored``."""
    ids = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if kind == "photo":
        return {"photo": [{**ids, "width": 800, "height": 600, "file_size": stored.size}]}
    document: JSONDict = {**ids, "file_size": stored.size}
    if stored.filename:
        document["file_name"] = stored.filename
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return {"document": document}
