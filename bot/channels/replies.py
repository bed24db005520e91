"""The replies of a turn: sent at once, in order, retried a little, and otherwise handed to the outbox.

A channel adapter turns a turn's `Reply` objects into `Outgoing` messages (one platform call each) and
gives them to `ReplyCourier.deliver`, under the chat's lock. Each message is sent through the same
`scheduler.sender.Sender` the delivery loop uses for pushes, and its outcome decides:

- sent → the next one;
- flood control (429) → wait `retry_after` (at most `MAX_FLOOD_WAIT`) and try again, up to
  `FLOOD_RETRIES` times;
- 5xx, timeout, network error → try again after a short jittered pause, `REPLY_ATTEMPTS` tries in all;
- still not sent → this message and every one after it go into the outbox (kind `reply`, in order),
  and the delivery loop brings them with its own backoff (`delivery.max_attempts`), still in order
  (a row tried again holds back the chat's rows behind it); until they are out, the chat's next
  turns are queued behind them, due no sooner, so nothing overtakes;
- 400 (the message itself is wrong) → logged and skipped, the next ones still go;
- 403 (the person blocked the bot) → nothing more is sent, and the account is marked unreachable (its
  waiting pushes cancelled) until the person writes again.

A timeout is ambiguous: Telegram may have delivered the message and only its answer was late. We
take it as not sent and send again, so after a stall the person may see a reply twice but never
misses one (a sign-up confirmation, its calendar file, its QR code). The Bot API has no idempotency
key for sending that would let us do better.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import metrics
from core.clock import Clock
from models import accounts, outbox, outbox_claims
from models.outbox import Choices, File
from scheduler.sender import Permanent, RetryLater, Sender, Transient, Unreachable

log = logging.getLogger(__name__)

REPLY_ATTEMPTS = 3  # tries of one message against 5xx/timeouts before it goes to the outbox
BASE_PAUSE = 0.5  # seconds; the pause before try n is uniform in [0, BASE_PAUSE * 2^(n-1)]
FLOOD_RETRIES = 3
MAX_FLOOD_WAIT = 30.0  # a longer 429 is waited out by the delivery loop instead, lock released
KIND = "reply"


@dataclass(frozen=True)
class Outgoing:
    """One message of a reply, as one platform call: `Sender.send`'s arguments."""

    text: str
    choices: Choices = ()
    file: File | None = None
    contact_button: str | None = None
    remove_keyboard: bool = False
    edit_message_id: str | None = None  # replace this message (the pressed one) instead


class _Result(Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # rejected for good (400): the next messages still go
    BLOCKED = "blocked"  # 403: nothing more to this chat
    QUEUE = "queue"  # not sent: to the outbox, with everything after it


class ReplyCourier:
    """Delivers the replies of turns for one platform; `wake` tells the delivery loop rows are waiting."""

    def __init__(
        self,
        sender: Sender,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        platform: str,
        wake: Callable[[], None] = lambda: None,
        rng: random.Random | None = None,
    ) -> None:
        self.sender = sender
        self.sessions = sessions
        self.clock = clock
        self.platform = platform
        self.wake = wake
        self._rng = rng or random.Random()
        # Chats (user id → account id) with replies queued by this process, maybe not yet sent.
        self._queued: dict[str, int] = {}

    async def deliver(self, *, user_id: str, chat_id: str, messages: Sequence[Outgoing]) -> None:
        """Sends a turn's messages in order; what cannot go out now waits in the outbox, in order."""
        if not messages:
            return
        if (behind := await self._queued_until(user_id)) is not None:
            await self._queue(user_id, chat_id, messages, due_at=behind)
            return
        for index, message in enumerate(messages):
            result = await self._send(chat_id, message)
            if result is _Result.BLOCKED:
                await self._blocked(user_id)
                return
            if result is _Result.QUEUE:
                await self._queue(user_id, chat_id, messages[index:])
                return

    async def _send(self, chat_id: str, message: Outgoing) -> _Result:
        failures = floods = 0
        while True:
            try:
                await self.sender.send(
                    chat_id=chat_id,
                    text=message.text,
                    choices=message.choices,
                    edit_message_id=message.edit_message_id,
                    file=message.file,
                    contact_button=message.contact_button,
                    remove_keyboard=message.remove_keyboard,
                )
                return _Result.SENT
            except RetryLater as error:
                floods += 1
                metrics.RATE_LIMITED.labels(self.platform).inc()
                if floods > FLOOD_RETRIES or error.retry_after > MAX_FLOOD_WAIT:
                    return _Result.QUEUE
                await asyncio.sleep(error.retry_after)
            except Unreachable:
                log.info("reply to %s chat %s: the bot is blocked", self.platform, chat_id)
                return _Result.BLOCKED
            except Permanent as error:
                log.warning("reply to %s chat %s refused: %s", self.platform, chat_id, error)
                return _Result.SKIPPED
            except Exception as error:  # Transient (5xx, timeout, network), or a bug: a few tries
                failures += 1
                if not isinstance(error, Transient):
                    log.exception("reply to %s chat %s: unexpected error", self.platform, chat_id)
                if failures >= REPLY_ATTEMPTS:
                    log.warning(
                        "reply to %s chat %s failed %d times (%s): to the outbox",
                        self.platform,
                        chat_id,
                        failures,
                        error,
                    )
                    return _Result.QUEUE
                await asyncio.sleep(self._rng.uniform(0, BASE_PAUSE * 2 ** (failures - 1)))

    async def _blocked(self, user_id: str) -> None:
        """The person blocked the bot while it answered: the account is marked unreachable and what waits
        for it is cancelled, as the delivery loop does on a push (writing again unblocks it)."""
        try:
            async with self.sessions() as session, session.begin():
                account = await accounts.account_row(session, platform=self.platform, user_id=user_id)
                if account is not None:
                    await outbox_claims.mark_unreachable(session, account.id, now=self.clock.now())
        except Exception:
            log.exception("reply: could not mark a blocked %s account", self.platform)

    async def _queued_until(self, user_id: str) -> datetime | None:
        """When replies this process queued for the chat are due, if they still wait: then this turn's
        replies are queued too, due no sooner, so they come after them."""
        account_id = self._queued.get(user_id)
        if account_id is None:  # the usual case: no query at all
            return None
        try:
            async with self.sessions() as session:
                due = await outbox.waiting_until(session, account_id=account_id, kind=KIND)
        except Exception:
            log.exception("reply: could not look at the outbox for account %s", account_id)
            return self.clock.now()  # queue: the order is safe, and the delivery loop retries
        if due is None:
            del self._queued[user_id]
        return due

    async def _queue(
        self, user_id: str, chat_id: str, messages: Sequence[Outgoing], *, due_at: datetime | None = None
    ) -> None:
        now = self.clock.now()
        due = now if due_at is None else max(now, due_at)
        turn = uuid.uuid4().hex
        try:
            async with self.sessions() as session, session.begin():
                account_id = await accounts.ensure_account(
                    session, platform=self.platform, user_id=user_id, chat_id=chat_id, now=now
                )
                about = await accounts.donor_id_of(session, account_id)
                for number, message in enumerate(messages):
                    await outbox.enqueue(
                        session,
                        key=f"{KIND}:{account_id}:{turn}:{number}",
                        account_id=account_id,
                        kind=KIND,
                        text=message.text,
                        about_donor_id=about,  # erased with the donor if they /xoa meanwhile
                        choices=message.choices,
                        due_at=due,
                        edit_message_id=message.edit_message_id,
                        file=message.file,
                        contact_button=message.contact_button,
                        remove_keyboard=message.remove_keyboard,
                    )
        except Exception:  # the database is gone too: nothing left to keep them in
            log.exception("reply: %d message(s) to %s chat %s lost", len(messages), self.platform, chat_id)
            return
        self._queued[user_id] = account_id
        log.info("reply: %d message(s) to account %s wait in the outbox", len(messages), account_id)
        self.wake()
