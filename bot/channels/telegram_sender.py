"""Delivers outbox rows on Telegram: a `scheduler.sender.Sender` around a PTB `telegram.Bot`.

Used for pushes by the delivery loop, and for the replies of a turn (`bot.channels.replies`), so both
render a message the same way: a text with inline buttons or a reply keyboard, or a file (a photo for
images) with the text as its caption. Telegram's errors become the delivery loop's outcomes
(`outcome`): 429 `RetryAfter` → `RetryLater`, 403 `Forbidden` (blocked) → `Unreachable`, 400 `BadRequest`
(chat not found, ...) → `Permanent`, timeouts, network errors and 5xx → `Transient`. No PTB rate
limiter: the loop paces sends itself (global and per chat).
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from domain.ids import MAX_BIG_ID, parse_int
from models.outbox import Choices, File
from scheduler.sender import DeliveryError, Permanent, RetryLater, Transient, Unreachable

MAX_MESSAGE = 4096
MAX_CAPTION = 1024


def retry_after_seconds(error: RetryAfter) -> float:
    """`RetryAfter.retry_after` is an int, or a timedelta with PTB_TIMEDELTA=true (PTB >= 22.2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: object = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    return 1.0


def keyboard(choices: Choices) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(label, callback_data=value) for label, value in row] for row in choices]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def markup(choices: Choices, contact_button: str | None = None, remove_keyboard: bool = False) -> Any:
    """Inline buttons; else a one-time "share my phone number" keyboard; else the removal of one."""
    if (inline := keyboard(choices)) is not None:
        return inline
    if contact_button:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(contact_button, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if remove_keyboard:
        return ReplyKeyboardRemove()
    return None


def outcome(error: TelegramError) -> DeliveryError:
    """What a Bot API error means for a message: wait, try again, give up on it, or on the chat."""
    if isinstance(error, RetryAfter):
        return RetryLater(retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return Unreachable(error.message)
    if isinstance(error, BadRequest | ChatMigrated):  # BadRequest is a NetworkError: decided first
        return Permanent(error.message)
    # TimedOut, NetworkError (5xx, transport), InvalidToken, anything else: worth trying again.
    return Transient(f"{type(error).__name__}: {error.message}")


class TelegramSender:
    """Sends one outbox row as one Bot API call (or edits a message); the caller owns the bot's lifecycle.

    `paid_broadcast` sends with `allow_paid_broadcast`: Telegram then allows up to 1,000 messages per
    second instead of 30, for 0.1 Star per message from the bot's balance (`[delivery] paid_broadcast`).
    """

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    async def send(
        self,
        *,
        chat_id: str,
        text: str,
        choices: Choices,
        edit_message_id: str | None = None,
        file: File | None = None,
        contact_button: str | None = None,
        remove_keyboard: bool = False,
    ) -> None:
        if not text.strip() and file is None:
            raise Permanent("empty text")
        limit = MAX_CAPTION if file is not None else MAX_MESSAGE
        if len(text) > limit:
            # Split parts could not be retried without repeating the ones already delivered.
            raise Permanent(f"text longer than {limit} characters")
        numeric = parse_int(chat_id, minimum=-MAX_BIG_ID, maximum=MAX_BIG_ID)
        target: int | str = chat_id if numeric is None else numeric
        keys = markup(choices, contact_button, remove_keyboard)
        paid = True if self.paid_broadcast else None
        try:
            if edit_message_id is not None:
                await self._edit(target, int(edit_message_id), text, choices)
            elif file is not None and file.is_image:
                await self.bot.send_photo(
                    target, file.content, caption=text or None, reply_markup=keys, allow_paid_broadcast=paid
                )
            elif file is not None:
                await self.bot.send_document(
                    target,
                    file.content,
                    filename=file.filename,
                    caption=text or None,
                    reply_markup=keys,
                    allow_paid_broadcast=paid,
                )
            else:
                await self.bot.send_message(target, text, reply_markup=keys, allow_paid_broadcast=paid)
        except TelegramError as error:
            raise outcome(error) from error

    async def _edit(self, target: int | str, message_id: int, text: str, choices: Choices) -> None:
        """Replaces an earlier message; an edit that changes nothing is a success, not an error."""
        try:
            await self.bot.edit_message_text(
                text, chat_id=target, message_id=message_id, reply_markup=keyboard(choices)
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
