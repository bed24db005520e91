"""The delivery loop: drains the outbox within the platforms' rate limits and records every outcome.

One batch at a time: claim the most urgent due rows (call-outs before reminders before announcements),
send them concurrently across chats, and commit each row's outcome right after its send (successful sends
that finish together share one commit), so a crash loses at most the messages in flight (their lease
expires and they are claimed again: delivery is at least once, and exactly once unless a process dies
between a send and its commit).

Pacing is ours, not PTB's AIORateLimiter (which ignores the 1 msg/s per private chat, pauses every chat on
one 429 and does not retry): a pacer per platform (evenly spaced, no burst, and never more than its `rate`
sends in any window a little longer than a second) for the bot-wide rate and a per-chat "next allowed"
time, each platform with its own `Pace`: Zalo's slower rate or a 429 never slows Telegram's sends. A
chat that would have to wait longer than one interval gives its rows back (pending, due when the chat is
free) instead of holding up the batch.

Outcomes:
- success → `sent`;
- `RetryLater` (429) → pending again at now + retry_after; not counted as an attempt, other chats go on;
- `Transient` (5xx, timeout, network) → pending again after exponential backoff with full jitter, until
  `max_attempts`, then `failed` with the error kept;
- `Unreachable` (403, the person blocked the bot) → `failed`, the account is marked unreachable and its
  other waiting rows are cancelled; a push to a person (`to_donor_id`, one row whichever chat it reaches,
  its chat chosen at the claim) goes back to `pending` at once for another chat of theirs if they have one
  with a sender here (not counted as an attempt), and so does one whose chat was not found;
- `Permanent` (400: chat not found, ...) → `failed`, no retry.

The parts: `scheduler.sender` (the `Sender` a channel implements and its errors), `scheduler.pacer`
(the bot-wide rate), `scheduler.delivery_records` (claiming, and writing each outcome); this module
drives them.

A turn's replies that could not go out in the turn wait here too (kind `reply`, `bot.channels.replies`);
they keep their order: when one must be tried again, the chat's rows behind it in the batch wait too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from scheduler.delivery_records import DeliveryRecords, Job
from scheduler.pacer import Pace, Pacer
from scheduler.sender import (
    Permanent,
    RetryLater,
    Sender,
    Transient,
    Unreachable,
)

_LOG = logging.getLogger(__name__)

CHAT_NOT_FOUND = "chat not found"
"""In a `Permanent` error (Telegram's 400 "Chat not found"): for a push to a person, like a block."""


class DeliveryLoop:
    """Drains the outbox. `run_once` handles one batch; `run` loops until `stop` is set.

    Only one `run_once` or `run` at a time per loop object (the pacing lives here); several processes
    may each run a loop against one PostgreSQL database (claims use SKIP LOCKED).

    Inside `run` batches overlap so the sends never stop between them: the next batch is claimed while
    the last `claim_ahead` rows of this one (100 ms of sends, at most half a batch) wait for the pacer,
    and it starts as soon as every row of this one has been through the pacer, while the last sends
    and their commit are still under way. A chat with rows in both batches waits for its earlier ones,
    so order and the per-chat interval hold. At 1,000 msg/s the claim and the wait for a batch's last
    answer and commit otherwise cost a quarter of the time. The price: a call-out enqueued while the
    last `claim_ahead` rows of a batch are paced waits for one more batch.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        batch_size: int = 20,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 6,
        base_backoff: float = 2.0,
        max_backoff: float = 600.0,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        paces: Mapping[str, Pace] | None = None,
        prefer_channel: str = "last_used",
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1 or max_attempts < 1 or rate <= 0 or per_chat_interval < 0:
            raise ValueError("batch_size, max_attempts and rate must be positive")
        self.sessions = sessions
        self.senders = dict(senders)
        self.clock = clock
        self.batch_size = batch_size
        # Each platform its own pace (`rate`/`per_chat_interval` for those without one): a 429 or a slow
        # platform never holds up the other's sends.
        default = Pace(rate, per_chat_interval)
        self.paces = {platform: (paces or {}).get(platform, default) for platform in self.senders}
        total = sum(pace.rate for pace in self.paces.values()) or rate
        # At least a tenth of a second of sends per claim, so at high rates the per-batch overhead (the
        # claim, waiting for the batch's last send) stays small; a call-out still waits at most one batch.
        self.claim_size = max(batch_size, math.ceil(total / 10))
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self.stats: Counter[str] = Counter()
        self._rng = rng or random.Random()
        self._limiters = {platform: Pacer(pace.rate) for platform, pace in self.paces.items()}
        # With several platforms one batch must not wait for the slowest: a row whose platform's pacer is
        # booked further ahead than `park` (one claim's worth of all sends) lets the next batch start
        # while it waits there, one booked further than `hold` is given back for the slot booked for it
        # (`_booked_wait`), and a full claim is topped up for a platform short of its share
        # (`_claim_for_room`). With one platform nothing of this applies: the loop is as it was.
        self._mixed = len(self._limiters) > 1
        self.hold = 2 * self.claim_size / total
        self._booked: dict[str, float] = {}  # platform → monotonic time of the next slot given out
        self._next_at: dict[tuple[str, str], float] = {}  # chat → monotonic time it may get the next one
        self._wake = asyncio.Event()
        self._records = DeliveryRecords(sessions, clock, self.stats, prefer_channel=prefer_channel)
        self.claim_ahead = max(1, min(math.ceil(total * 0.1), self.claim_size // 2))
        self.park = self.claim_size / total
        self._ahead: asyncio.Task[list[Job]] | None = None  # the next batch, claimed ahead (in `run`)
        self._looping = False
        self._unpaced = 0  # rows of the newest batch not yet through their pacer
        self._all_paced = asyncio.Event()
        self._chat_tasks: dict[tuple[str, str], asyncio.Task[None]] = {}  # each chat's latest delivery
        self._expired_at = -math.inf  # monotonic time of the last expiry sweep
        self._in_flight: set[int] = set()  # claimed by this loop, outcome not yet recorded
        self._more_due = False

    # --- driving -------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now (a handler just enqueued something urgent)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, idle_sleep: float = 0.5) -> None:
        """Sends batch after batch; when nothing is due, sleeps `idle_sleep` or until `wake()`/`stop`."""
        relay = asyncio.create_task(self._relay(stop))
        batches: set[asyncio.Task[None]] = set()
        self._looping = True
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    started = await self._start_batch()
                except Exception:
                    _LOG.exception("outbox: claiming a batch failed")
                    started = None
                if started is None:
                    if not stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), idle_sleep)
                    continue
                batch, _ = started
                batches.add(batch)
                batch.add_done_callback(batches.discard)
                paced = asyncio.create_task(self._all_paced.wait())
                await asyncio.wait({batch, paced}, return_when=asyncio.FIRST_COMPLETED)
                paced.cancel()
        finally:
            self._looping = False
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            await asyncio.gather(*batches, return_exceptions=True)
            await self._give_back_ahead()

    async def _give_back_ahead(self) -> None:
        """Rows claimed ahead for a batch that will not run (stopping) go back to `pending` at once."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        try:
            jobs = await ahead
        except Exception:  # nothing was claimed
            return
        if jobs:
            await self._records.release(jobs, 0.0)
            self._in_flight.difference_update(job.id for job in jobs)

    async def _relay(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def run_once(self) -> int:
        """Claims one batch and sends it concurrently across chats; returns how many rows it had."""
        started = await self._start_batch()
        if started is None:
            return 0
        batch, rows = started
        await batch
        return rows

    async def _start_batch(self) -> tuple[asyncio.Task[None], int] | None:
        """Claims a batch (or takes the one claimed ahead) and starts sending it: the task and its row
        count, or None when nothing is due."""
        ahead, self._ahead = self._ahead, None
        jobs = await ahead if ahead is not None else []
        if not jobs:  # an empty claim ahead may predate a row whose wake() came since: look again
            jobs = await self._claim()
        if not jobs:
            return None
        self._unpaced = len(jobs)
        self._more_due = len(jobs) >= self.claim_size  # a part batch means the outbox ran dry
        self._all_paced.clear()
        mono = time.monotonic()
        self._next_at = {chat: at for chat, at in self._next_at.items() if at > mono}
        by_chat: dict[tuple[str, str], list[Job]] = {}
        for job in jobs:
            by_chat.setdefault(job.chat, []).append(job)
        self._records.chats_started(len(by_chat))
        chats = []
        for chat, chat_jobs in by_chat.items():
            task = asyncio.create_task(self._deliver_chat(chat, chat_jobs, self._chat_tasks.get(chat)))
            self._chat_tasks[chat] = task
            task.add_done_callback(partial(self._chat_finished, chat))
            chats.append(task)
        return asyncio.create_task(self._finish_batch(chats)), len(jobs)

    def _chat_finished(self, chat: tuple[str, str], task: asyncio.Task[None]) -> None:
        if self._chat_tasks.get(chat) is task:
            del self._chat_tasks[chat]

    async def _finish_batch(self, chats: list[asyncio.Task[None]]) -> None:
        for result in await asyncio.gather(*chats, return_exceptions=True):
            if isinstance(result, Exception):
                # Typically the database went away while recording: the rows stay `sending` and are
                # claimed again when their lease expires.
                _LOG.error("outbox: recording an outcome failed: %s", type(result).__name__)

    def _paced(self, count: int = 1) -> None:
        """`count` rows of the newest batch are through the pacer (or will never be)."""
        self._unpaced -= count
        if self._looping and self._more_due and self._ahead is None and self._unpaced <= self.claim_ahead:
            self._ahead = asyncio.create_task(self._claim())
        if self._unpaced <= 0:
            self._all_paced.set()

    async def _claim(self) -> list[Job]:
        mono = time.monotonic()
        sweep = mono - self._expired_at >= 1.0  # expiry needs no more than a sweep a second
        if sweep:
            self._expired_at = mono
        jobs = await self._records.claim(
            limit=self.claim_size,
            lease=self.lease,
            platforms=list(self.senders),
            expire_first=sweep,
            still_sending=self._in_flight,
        )
        self._in_flight.update(job.id for job in jobs)  # after the commit: they are ours now
        if self._mixed and len(jobs) == self.claim_size:
            jobs += await self._claim_for_room(jobs)
        return jobs

    async def _claim_for_room(self, jobs: list[Job]) -> list[Job]:
        """Rows for the platforms a full claim gave less than their share of a batch (by rate) while
        their pacer has room: without it a slower platform's rows, given back for later, would wait
        behind all of a faster one's (the claim takes the oldest rows first)."""
        more: list[Job] = []
        total = sum(pace.rate for pace in self.paces.values())
        for platform, limiter in self._limiters.items():
            share = math.ceil(self.claim_size * self.paces[platform].rate / total)
            queued = limiter.backlog() * self.paces[platform].rate
            room = share - sum(1 for job in jobs if job.platform == platform) - math.floor(queued)
            if room < 1:
                continue
            extra = await self._records.claim(
                limit=room,
                lease=self.lease,
                platforms=list(self.senders),
                expire_first=False,
                still_sending=self._in_flight,
                queued_on=[platform],
            )
            self._in_flight.update(job.id for job in extra)
            more += extra
        return more

    # --- one chat --------------------------------------------------------------------------------

    async def _deliver_chat(
        self, chat: tuple[str, str], jobs: list[Job], after: asyncio.Task[None] | None
    ) -> None:
        try:
            if after is not None:  # the chat's rows of the previous batch go first
                await asyncio.wait({after})
            await self._deliver_chat_jobs(chat, jobs)
        finally:
            self._in_flight.difference_update(job.id for job in jobs)
            self._records.chat_done()

    def interval(self, platform: str) -> float:
        """The least time between two sends to one chat of `platform`."""
        pace = self.paces.get(platform)
        return self.per_chat_interval if pace is None else pace.per_chat_interval

    async def _deliver_chat_jobs(self, chat: tuple[str, str], jobs: list[Job]) -> None:
        """Sends one chat's rows in order, at most one per its platform's `per_chat_interval`."""
        interval = self.interval(chat[0])
        for index, job in enumerate(jobs):
            wait = self._next_at.get(chat, 0.0) - time.monotonic()
            if wait > interval:
                # Waiting here would hold up the whole batch (and the call-outs in the next one).
                self._paced(len(jobs) - index)
                await self._records.release(jobs[index:], wait)
                return
            if wait > 0:
                await asyncio.sleep(wait)
            if self._mixed:
                later = self._booked_wait(chat[0], len(jobs) - index)
                if later is not None:  # its platform is busy: the chat's rows wait their turn there
                    self._paced(len(jobs) - index)
                    await self._records.release(jobs[index:], later)
                    return
            outcome = await self._deliver(chat, job)
            if outcome is False:
                self._paced(len(jobs) - index - 1)
                # Unreachable: the account's other rows were cancelled, but pushes to a person go back to
                # be claimed for another chat of theirs.
                routed = [later_job for later_job in jobs[index + 1 :] if later_job.to_donor_id is not None]
                if routed:
                    await self._records.release(routed, 0.0)
                return
            if outcome is not True and index + 1 < len(jobs):
                # A reply to be tried again: the chat's rows behind it wait as long, so they
                # cannot overtake it (a turn's .ics before its QR code).
                self._paced(len(jobs) - index - 1)
                await self._records.release(jobs[index + 1 :], outcome)
                return

    def _booked_wait(self, platform: str, rows: int) -> float | None:
        """None when a row may queue in its platform's pacer now; else the seconds until the slots booked
        for it and the `rows` - 1 behind it in its chat (spread at the platform's rate, so rows given back
        come back when their platform has room, not all at once)."""
        limiter = self._limiters[platform]
        backlog = limiter.backlog()
        if backlog <= self.hold:
            return None
        mono = time.monotonic()
        at = max(mono + backlog, self._booked.get(platform, 0.0))
        self._booked[platform] = at + rows * limiter.interval
        return at - mono

    async def _deliver(self, chat: tuple[str, str], job: Job) -> bool | float:
        """Sends one row and records the outcome; False when the chat must get nothing more, and for
        a reply that will be tried again the seconds until then (its chat's later rows wait too)."""
        limiter = self._limiters[job.platform]
        if self._mixed and limiter.backlog() > self.park:
            # Its platform is the slow one: its place in the pacer is enough, the next batch may start.
            self._paced()
            await limiter.acquire()
        else:
            await limiter.acquire()
            self._paced()
        interval = self.interval(job.platform)
        try:
            await self.senders[job.platform].send(
                chat_id=job.chat_id,
                text=job.text,
                choices=job.choices,
                edit_message_id=job.edit_message_id,
                file=job.file,
                contact_button=job.contact_button,
                remove_keyboard=job.remove_keyboard,
            )
        except RetryLater as error:
            self._pace(chat, error.retry_after)
            await self._records.retry_later(job, error)
            if job.kind == "reply":
                return error.retry_after
        except Unreachable as error:
            self._pace(chat, interval)
            await self._records.unreachable(job, error, platforms=list(self.senders))
            return False
        except Permanent as error:
            self._pace(chat, interval)
            if job.to_donor_id is not None and CHAT_NOT_FOUND in str(error).lower():
                # The chat is gone for good: like a block, the person's other chat gets it.
                await self._records.unreachable(job, error, platforms=list(self.senders))
                return False
            await self._records.failed(job, f"permanent: {error}", "failed")
        except Transient as error:
            self._pace(chat, interval)
            retry_in = await self._transient(job, f"transient: {error}")
            if job.kind == "reply" and retry_in is not None:
                return retry_in
        except Exception as error:  # a bug or an unmapped error: bounded by max_attempts like a 5xx
            self._pace(chat, interval)
            _LOG.exception("outbox %s: unexpected error from the %s sender", job.id, job.platform)
            retry_in = await self._transient(job, f"unexpected: {type(error).__name__}")
            if job.kind == "reply" and retry_in is not None:
                return retry_in
        else:
            self._pace(chat, interval)
            await self._records.sent(job)
        return True

    def _pace(self, chat: tuple[str, str], seconds: float) -> None:
        """Counted from the end of the call, so the next one arrives at least `seconds` later."""
        at = time.monotonic() + seconds
        self._next_at[chat] = max(self._next_at.get(chat, 0.0), at)

    def backoff(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1))
        return self._rng.uniform(0, ceiling)

    # --- outcomes ------------------------------------------------------------------------------

    async def _transient(self, job: Job, message: str) -> float | None:
        """Back to pending after a backoff (returned, in seconds), or failed after `max_attempts`."""
        if job.attempts >= self.max_attempts:
            await self._records.failed(job, message, "gave_up")
            return None
        backoff = self.backoff(job.attempts)
        await self._records.retry(job, message, after=backoff)
        return backoff
