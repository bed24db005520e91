"""Delivers outbox pushes on Telegram: a `scheduler.delivery.Sender` around a PTB `telegram.Bot`.

Telegram's errors become the delivery loop's outcomes: 429 `RetryAfter` → `RetryLater`, 403 `Forbidden`
(blocked) → `Unreachable`, 400 `BadRequest` (chat not found, ...) → `Permanent`, timeouts, network errors
and 5xx → `Transient`. No PTB rate limiter: the loop paces sends itself (global and per chat).
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from domain.ids import MAX_BIG_ID, parse_int
from models.outbox import Choices
from scheduler.delivery import Permanent, RetryLater, Transient, Unreachable

MAX_MESSAGE = 4096


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


class TelegramSender:
    """Sends one push as one text message with inline buttons; the caller owns the bot's lifecycle.

    `paid_broadcast` sends with `allow_paid_broadcast`: Telegram then allows up to 1,000 messages per
    second instead of 30, for 0.1 Star per message from the bot's balance (`[delivery] paid_broadcast`).
    """

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    async def send(
        self, *, chat_id: str, text: str, choices: Choices, edit_message_id: str | None = None
    ) -> None:
        if not text.strip():
            raise Permanent("empty text")
        if len(text) > MAX_MESSAGE:
            # Split parts could not be retried without repeating the ones already delivered.
            raise Permanent(f"text longer than {MAX_MESSAGE} characters")
        numeric = parse_int(chat_id, minimum=-MAX_BIG_ID, maximum=MAX_BIG_ID)
        target: int | str = chat_id if numeric is None else numeric
        try:
            if edit_message_id is not None:
                await self._edit(target, int(edit_message_id), text, choices)
            else:
                await self.bot.send_message(
                    target,
                    text,
                    reply_markup=keyboard(choices),
                    allow_paid_broadcast=True if self.paid_broadcast else None,
                )
        except RetryAfter as error:
            raise RetryLater(retry_after_seconds(error)) from error
        except Forbidden as error:
            raise Unreachable(error.message) from error
        except (BadRequest, ChatMigrated) as error:  # BadRequest before NetworkError: it is a subclass
            raise Permanent(error.message) from error
        except (TimedOut, NetworkError, InvalidToken) as error:
            raise Transient(f"{type(error).__name__}: {error.message}") from error
        except TelegramError as error:
            raise Transient(f"{type(error).__name__}: {error.message}") from error

    async def _edit(self, target: int | str, message_id: int, text: str, choices: Choices) -> None:
        """Replaces an earlier message; an edit that changes nothing is a success, not an error."""
        try:
            await self.bot.edit_message_text(
                text, chat_id=target, message_id=message_id, reply_markup=keyboard(choices)
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
