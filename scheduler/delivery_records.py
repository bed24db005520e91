"""The delivery loop's side of the database: the due rows it claims (as `Job`s, detached from their
session), and every send's outcome, each written in its own transaction right after the send.

Apart from the loop (`scheduler.delivery`), which decides what to send when and what an error means;
here is only what gets written (`models.outbox_claims`), counted in the loop's `stats` and logged (under
the loop's logger name, `scheduler.delivery`, as before the split).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import metrics
from core.clock import Clock
from models import outbox, outbox_claims
from models.outbox import File
from models.tables import ChannelAccount, Outbox
from scheduler.sender import DeliveryError, RetryLater

_LOG = logging.getLogger("scheduler.delivery")


@dataclass(frozen=True)
class Job:
    """A claimed row, detached from its session: what to send where."""

    id: int
    account_id: int
    platform: str
    chat_id: str
    kind: str
    text: str
    choices: list[list[tuple[str, str]]]
    attempts: int
    edit_message_id: str | None = None
    file: File | None = None
    contact_button: str | None = None
    remove_keyboard: bool = False
    to_donor_id: int | None = None  # a push to this person, on the chat chosen at the claim

    @property
    def chat(self) -> tuple[str, str]:
        return (self.platform, self.chat_id)


class SentRecorder:
    """Group commit of successful sends: every send still waits until its `sent` is committed.

    Sends that finish while a commit is running, or within `min_interval` of the previous commit, share
    the next one, so at 1,000 msg/s the database sees at most 1/min_interval transactions per second
    instead of a thousand (on SQLite each commit is an fsync under the single write lock). When every
    chat still busy in the batch is waiting here (`busy`), the commit goes at once, so the end of a batch
    does not wait. A row is recorded or still `sending`, as before; a crash may now repeat the sends of
    the last `min_interval` (at 30 msg/s, less than one).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, min_interval: float = 0.02
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.min_interval = min_interval
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._last = 0.0  # monotonic start of the previous commit
        self._busy = 0  # chats whose deliveries are not finished (batches may overlap)
        self._hurry = asyncio.Event()

    def add_chats(self, chats: int) -> None:
        self._busy += chats

    def chat_done(self) -> None:
        self._busy -= 1
        self._check()

    def _check(self) -> None:
        if self._waiting and len(self._waiting) >= self._busy:
            self._hurry.set()

    async def record(self, outbox_id: int) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((outbox_id, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        self._check()
        await done

    async def _flush(self) -> None:
        while self._waiting:
            pause = self._last + self.min_interval - time.monotonic()
            if pause > 0 and len(self._waiting) < self._busy:
                self._hurry.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), pause)
            self._last = time.monotonic()
            group, self._waiting = self._waiting, []
            try:
                async with self.sessions() as session, session.begin():
                    if len(group) == 1:
                        await outbox_claims.mark_sent(session, group[0][0], now=self.clock.now())
                    else:  # one statement for the group (outbox_claims.mark_sent, many ids at once)
                        await session.execute(
                            update(Outbox)
                            .where(Outbox.id.in_([outbox_id for outbox_id, _ in group]))
                            .values(status="sent", sent_at=self.clock.now(), lease_until=None)
                            .execution_options(synchronize_session=False)
                        )
            except Exception as error:  # the rows stay `sending` and are claimed again after the lease
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)


class DeliveryRecords:
    """Claims the loop's batches and records their outcomes; `stats` counts them (the loop's counter)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        stats: Counter[str],
        *,
        prefer_channel: str = "last_used",
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.stats = stats
        self.prefer_channel = prefer_channel
        self._recorder = SentRecorder(sessions, clock)

    async def claim(
        self,
        *,
        limit: int,
        lease: timedelta,
        platforms: Collection[str],
        expire_first: bool,
        still_sending: Collection[int],
        queued_on: Collection[str] | None = None,
    ) -> list[Job]:
        """Claims up to `limit` due rows (`models.outbox_claims.claim`) and reads where each goes: a push to
        a person goes to the chat `prefer_channel` picks among theirs on `platforms`, or fails when they
        have none (`models.outbox_claims.route`)."""
        async with self.sessions() as session, session.begin():
            rows = await outbox_claims.claim(
                session,
                now=self.clock.now(),
                limit=limit,
                lease=lease,
                platforms=platforms,
                expire_first=expire_first,
                still_sending=still_sending,
                queued_on=queued_on,
            )
            if not rows:
                return []
            rows, no_chat, accounts = await outbox_claims.route(
                session, rows, platforms=platforms, prefer=self.prefer_channel
            )
            if no_chat:
                self.stats["no_chat"] += len(no_chat)
                _LOG.info("outbox: %s push(es) to people without a reachable chat failed", len(no_chat))
            if not rows:
                return []
            if unread := {row.account_id for row in rows} - accounts.keys():  # rows to one chat
                accounts |= {
                    account_id: (platform, chat_id)
                    for account_id, platform, chat_id in (
                        await session.execute(
                            select(ChannelAccount.id, ChannelAccount.platform, ChannelAccount.chat_id).where(
                                ChannelAccount.id.in_(unread)
                            )
                        )
                    ).tuples()
                }
            jobs = [
                Job(
                    id=row.id,
                    account_id=row.account_id,
                    platform=accounts[row.account_id][0],
                    chat_id=accounts[row.account_id][1],
                    kind=row.kind,
                    text=str(row.payload.get("text", "")),
                    choices=outbox.choices_of(row.payload),
                    attempts=row.attempts,
                    edit_message_id=row.payload.get("edit"),
                    file=outbox.file_of(row.payload),
                    contact_button=row.payload.get("contact_button"),
                    remove_keyboard=bool(row.payload.get("remove_keyboard")),
                    to_donor_id=row.to_donor_id,
                )
                for row in rows
            ]
        return jobs

    def chats_started(self, chats: int) -> None:
        """`chats` more chats have sends under way (a successful send waits for the group commit)."""
        self._recorder.add_chats(chats)

    def chat_done(self) -> None:
        self._recorder.chat_done()

    async def sent(self, job: Job) -> None:
        await self._recorder.record(job.id)
        self.stats["sent"] += 1
        metrics.OUTBOX_OUTCOMES.labels(job.kind, "sent").inc()
        _LOG.debug("outbox %s: sent (%s, attempt %s)", job.id, job.kind, job.attempts)

    async def retry_later(self, job: Job, error: RetryLater) -> None:
        due = self.clock.now() + timedelta(seconds=error.retry_after)
        async with self.sessions() as session, session.begin():
            await outbox_claims.mark_retry(session, job.id, due_at=due, error=str(error), count_attempt=False)
        self.stats["rate_limited"] += 1
        metrics.OUTBOX_OUTCOMES.labels(job.kind, "rate_limited").inc()
        metrics.RATE_LIMITED.labels(job.platform).inc()
        _LOG.info("outbox %s: 429, retry after %ss", job.id, error.retry_after)

    async def retry(self, job: Job, message: str, *, after: float) -> None:
        """Back to pending in `after` seconds (the loop's backoff), the attempt counted."""
        due = self.clock.now() + timedelta(seconds=after)
        async with self.sessions() as session, session.begin():
            await outbox_claims.mark_retry(session, job.id, due_at=due, error=message)
        self.stats["retried"] += 1
        metrics.OUTBOX_OUTCOMES.labels(job.kind, "retried").inc()
        _LOG.info("outbox %s: attempt %s failed (%s), retrying", job.id, job.attempts, message)

    async def failed(self, job: Job, message: str, stat: str) -> None:
        async with self.sessions() as session, session.begin():
            await outbox_claims.mark_failed(session, job.id, error=message)
        self.stats[stat] += 1
        metrics.OUTBOX_OUTCOMES.labels(job.kind, "failed").inc()
        _LOG.warning("outbox %s: failed after %s attempt(s): %s", job.id, job.attempts, message)

    async def unreachable(
        self, job: Job, error: DeliveryError, *, platforms: Collection[str] | None = None
    ) -> bool:
        """The account is marked unreachable and its waiting rows cancelled. A push to a person goes back
        to `pending` at once for another of their chats on `platforms`, if they have one (True); anything
        else fails."""
        message = f"unreachable: {error}"
        now = self.clock.now()
        moved_to = None
        async with self.sessions() as session, session.begin():
            if job.to_donor_id is None:
                await outbox_claims.mark_failed(session, job.id, error=message)
                cancelled = await outbox_claims.mark_unreachable(session, job.account_id, now=now)
            else:  # marked first, so the person's other chats are all that is left to choose from
                cancelled = await outbox_claims.mark_unreachable(session, job.account_id, now=now)
                moved_to = await outbox_claims.reroute(
                    session,
                    job.id,
                    donor_id=job.to_donor_id,
                    now=now,
                    error=message,
                    platforms=platforms,
                    prefer=self.prefer_channel,
                )
                if moved_to is None:
                    await outbox_claims.mark_failed(session, job.id, error=message)
        self.stats["unreachable"] += 1
        metrics.OUTBOX_OUTCOMES.labels(job.kind, "unreachable").inc()
        if moved_to is not None:
            self.stats["rerouted"] += 1
            _LOG.info("outbox %s: account %s unreachable, to account %s", job.id, job.account_id, moved_to)
        else:
            _LOG.info(
                "outbox %s: account %s unreachable, %s row(s) cancelled", job.id, job.account_id, cancelled
            )
        return moved_to is not None

    async def release(self, jobs: list[Job], wait: float) -> None:
        """Gives rows back untried, due in `wait` seconds (their chat must wait, or the loop stops)."""
        due = self.clock.now() + timedelta(seconds=wait)
        async with self.sessions() as session, session.begin():
            for job in jobs:
                await outbox_claims.release(session, job.id, due_at=due)
        self.stats["released"] += len(jobs)
