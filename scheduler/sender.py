"""What a channel implements to deliver pushes (`Sender`), and the errors by which it says how a send
failed. The delivery loop (`scheduler.delivery`) decides from the error what becomes of the row.

Its own module so that a channel (`bot.channels.telegram_sender`, the Zalo channel next) depends on
this small contract only, not on the loop.
"""

from __future__ import annotations

from typing import Protocol

from models.outbox import Choices, File


class DeliveryError(Exception):
    """A send did not happen; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (HTTP 429) for `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"flood control: retry after {retry_after:g}s")
        self.retry_after = max(0.0, float(retry_after))


class Transient(DeliveryError):
    """5xx, timeout, network trouble: worth trying again later."""


class Unreachable(DeliveryError):
    """The person blocked the bot (HTTP 403): no more pushes to this account."""


class Permanent(DeliveryError):
    """The request itself is wrong (HTTP 400, e.g. chat not found): retrying cannot help."""


class Sender(Protocol):
    """One platform's way of delivering a push; raises `DeliveryError` subclasses."""

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
        """Sends `text` (the caption of `file`, if given) with inline `choices`, or else a reply
        keyboard with a share-my-phone `contact_button`, or `remove_keyboard`; or edits a message."""
        ...
