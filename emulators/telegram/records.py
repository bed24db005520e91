"""Typed records of what the bot did and what simulated users are.

Tests assert on these small dataclasses rather than on raw Bot API dicts so that a typo in a
field name is a mypy/AttributeError instead of a silently passing ``dict.get`` check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


@dataclass
class SimUser:
    """A simulated Telegram user; in a private chat the chat id equals the user id.

    ``started`` mirrors Telegram's rule that a bot may only write to users who have
    contacted it first; ``blocked`` makes every send answer 403 like a user who blocked the bot.
    """

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"
    started: bool = False
    blocked: bool = False

    @property
    def chat_id(self) -> int:
        return self.id

    def to_api(self) -> JSONDict:
        """The Bot API ``User`` object."""
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> JSONDict:
        """The Bot API ``Chat`` object of this user's private chat with the bot."""
        data: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class StoredFile:
    """A file the emulator holds: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    filename: str | None
    mime_type: str | None
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class MessageVersion:
    """One earlier state of an edited message (kept so tests can assert on edit history)."""

    text: str | None
    reply_markup: JSONDict | None
    date: int


@dataclass
class SentMessage:
    """A message the bot sent to a chat, as the user would currently see it."""

    message_id: int
    chat_id: int
    date: int
    kind: str
    """``"text"``, ``"document"`` or ``"photo"``."""
    text: str | None
    """Message text, or the caption of a document/photo; raw, i.e. still with HTML tags."""
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    file: StoredFile | None = None
    history: list[MessageVersion] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        """Rows of inline buttons, empty if the message has no inline keyboard."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def reply_keyboard(self) -> list[list[JSONDict]]:
        """Rows of reply-keyboard buttons (each a dict with ``text``, maybe ``request_contact``)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("keyboard")
        if not isinstance(rows, list):
            return []
        return [[{"text": b} if isinstance(b, str) else b for b in row] for row in rows]

    @property
    def removes_keyboard(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    def button_labels(self) -> list[str]:
        return [str(b.get("text", "")) for row in self.inline_keyboard for b in row]

    def find_button(self, label: str) -> JSONDict:
        """The inline button whose label is ``label``, or uniquely contains it.

        Exact matches win so that "Có" does not clash with "Không có"; an ambiguous or missing
        label raises with the available labels, which is what a failing test needs to show.
        """
        buttons = [b for row in self.inline_keyboard for b in row]
        exact = [b for b in buttons if b.get("text") == label]
        if len(exact) == 1:
            return exact[0]
        partial = [b for b in buttons if label in str(b.get("text", ""))]
        if len(partial) == 1:
            return partial[0]
        problem = "ambiguous" if (exact or partial) else "not found"
        raise LookupError(
            f"button {label!r} {problem} in message {self.message_id}; labels: {self.button_labels()}"
        )

    def button(self, label: str) -> str:
        """``callback_data`` of the inline button labelled (or uniquely containing) ``label``."""
        data = self.find_button(label).get("callback_data")
        if not isinstance(data, str):
            raise LookupError(f"button {label!r} has no callback_data (url/web_app button?)")
        return data


@dataclass
class ApiCall:
    """One Bot API request as the emulator saw it, after parameter decoding."""

    method: str
    params: JSONDict
    at: float
    """``time.monotonic()`` when the request arrived."""
    status: int = 200
    description: str | None = None
    """Error description for failed calls."""
    done_at: float | None = None
    """``time.monotonic()`` when the answer was ready (None while a long poll is pending)."""

    @property
    def duration(self) -> float | None:
        return None if self.done_at is None else self.done_at - self.at

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class CallbackAnswer:
    """A bot's ``answerCallbackQuery`` for a simulated button press."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
