"""Zalo Bot Platform events (from getUpdates or a webhook POST) as typed values.

Pure and forgiving: the platform's shapes are documented loosely (two body shapes are seen in the
wild, new event names may appear), so anything unexpected becomes None rather than an exception
that would stop a poller or fail a webhook request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EVENT_NAMES = frozenset(
    {
        "message.text.received",
        "message.image.received",
        "message.sticker.received",
        "message.voice.received",
        "message.unsupported.received",
    }
)
"""The events we understand; `message.unsupported.received` is sent instead of the content for some
protected senders and deserves a polite answer, not an error."""


@dataclass(frozen=True)
class ZaloEvent:
    """One thing a person sent. Ids are strings on Zalo; in a private chat `chat_id == user_id`."""

    name: str
    message_id: str
    chat_id: str
    chat_type: str
    """`"PRIVATE"` or `"GROUP"` (groups are beta on Zalo)."""
    user_id: str
    display_name: str | None
    text: str | None
    """The text of a text event; None for images, stickers, voice and unsupported content."""
    date: datetime | None
    """When it was sent (Zalo sends milliseconds since the epoch), None if absent or unreadable."""

    @property
    def kind(self) -> str:
        """`"text"`, `"image"`, `"sticker"`, `"voice"` or `"unsupported"`."""
        return self.name.split(".")[1]

    @property
    def in_group(self) -> bool:
        return self.chat_type == "GROUP"


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text or None


def _date(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    try:
        millis = int(value)
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _guess_chat_type(chat_id: str, user_id: str) -> str:
    """Without a readable chat_type, a chat that is not the sender's own is taken for a group, so
    the bot errs towards asking nothing personal."""
    return "PRIVATE" if chat_id == user_id else "GROUP"


def _event_object(body: object) -> dict[str, Any] | None:
    """`{"ok": true, "result": {...}}` or the event itself at the top level."""
    if not isinstance(body, dict):
        return None
    if "event_name" in body or "message" in body:
        return body
    result = body.get("result")
    if body.get("ok") is True and isinstance(result, dict):
        return result
    return None


def _inferred_name(message: dict[str, Any]) -> str:
    """The event of a message that came without `event_name`: the getUpdates sample of the docs of
    December 2025 has none (and names the sender `first_name`), so the content says what it is."""
    if isinstance(message.get("text"), str):
        return "message.text.received"
    if message.get("photo") or message.get("photo_url"):
        return "message.image.received"
    if message.get("sticker"):
        return "message.sticker.received"
    if message.get("voice_url") or message.get("voice"):
        return "message.voice.received"
    return "message.unsupported.received"


def parse_update(body: object) -> ZaloEvent | None:
    """The event in a getUpdates result or a webhook body, or None for unknown or malformed ones."""
    event = _event_object(body)
    if event is None:
        return None
    message = event.get("message")
    if not isinstance(message, dict):
        return None
    name = event.get("event_name") if "event_name" in event else _inferred_name(message)
    if name not in EVENT_NAMES:
        return None
    sender, chat = message.get("from"), message.get("chat")
    if not isinstance(sender, dict) or not isinstance(chat, dict):
        return None
    message_id, user_id, chat_id = _id(message.get("message_id")), _id(sender.get("id")), _id(chat.get("id"))
    if message_id is None or user_id is None or chat_id is None:
        return None
    chat_type = chat.get("chat_type")
    text = message.get("text") if name == "message.text.received" else None
    display_name = sender.get("display_name", sender.get("first_name"))
    return ZaloEvent(
        name=name,
        message_id=message_id,
        chat_id=chat_id,
        chat_type=chat_type if chat_type in {"PRIVATE", "GROUP"} else _guess_chat_type(chat_id, user_id),
        user_id=user_id,
        display_name=display_name if isinstance(display_name, str) else None,
        text=text if isinstance(text, str) else None,
        date=_date(message.get("date")),
    )


__all__ = ["EVENT_NAMES", "ZaloEvent", "parse_update"]
