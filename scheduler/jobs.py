"""Periodic jobs on APScheduler 3's AsyncIOScheduler: plan pushes into the outbox, send the call-outs'
next waves, forget old dialogues.

The jobs only queue; the delivery loop (scheduler/delivery.py) sends. Queueing is idempotent (outbox keys,
call-out recipients are rows) and restart-safe, so the jobs live in the default in-memory job store:
APScheduler 3 job stores must not be shared by several processes, and nothing is lost when a process
stops, because the next run (here or on another instance) plans the same rows again and the keys drop
the duplicates. Job arguments are the app reference only: no personal data in the scheduler.

The jobs need only a few parts of the application (:class:`JobApp`); the composition root
(`bot.bootstrap.App`) provides them, and the scheduler never imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.config import Settings
from core.i18n import Catalogs
from core.knowledge import Knowledge
from models import accounts, clubs, conversations, invites, links, outbox
from scheduler.planner import PLANNERS
from services.callouts import waves

_LOG = logging.getLogger(__name__)

PLAN_JOB = "plan"
EXPIRE_JOB = "expire_conversations"
CALLOUT_JOB = "callout_waves"


class Waker(Protocol):
    """Holds the delivery loop's wake-up while the loop runs (the dispatcher does)."""

    @property
    def on_pushed(self) -> Callable[[], None] | None: ...


class JobApp(Protocol):
    """What the jobs use of the application (`bot.bootstrap.App` has it all)."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def catalogs(self) -> Catalogs: ...
    @property
    def knowledge(self) -> Knowledge: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def dispatcher(self) -> Waker: ...


def _wake(app: JobApp) -> None:
    """Wakes the delivery loop for rows just queued (nothing to wake when no loop runs, as in tests)."""
    if app.dispatcher.on_pushed is not None:
        app.dispatcher.on_pushed()


async def run_planners_once(app: JobApp) -> int:
    """Runs every planner, each in its own transaction, and wakes the delivery loop if anything is new.

    One planner failing (a bug, the database gone) does not stop the others; the first error is raised
    after all have run, so the scheduler logs it and a test sees it. Returns how many rows were new.
    """
    created = 0
    failure: Exception | None = None
    for name, planner in PLANNERS:
        try:
            async with app.sessions() as session, session.begin():
                new = await planner(
                    session,
                    catalogs=app.catalogs,
                    settings=app.settings,
                    rules=app.knowledge.rules,
                    now=app.clock.now(),
                )
        except Exception as error:
            _LOG.exception("planning %s failed", name)
            failure = failure or error
            continue
        if new:
            _LOG.info("planned %s new %s push(es)", new, name)
        created += new
    if created:
        _wake(app)
    if failure is not None:
        raise failure
    return created


async def expire_conversations(app: JobApp) -> int:
    """Deletes dialogues left unfinished longer than `[bot] conversation_ttl_hours` (their answers are
    personal data), blanks the texts of pushes finished that long ago and forgets wrong birth dates
    and wrong invite and club codes once they can no longer lock anyone out; returns the dialogues."""
    now = app.clock.now()
    before = now - timedelta(hours=app.settings.bot.conversation_ttl_hours)
    lock = timedelta(hours=app.settings.registration.link_lock_hours)
    async with app.sessions() as session, session.begin():
        deleted = await conversations.expire(session, before=before)
        blanked = await outbox.forget_texts(session, before=before)
        await links.forget_failures(session, before=now - 2 * lock)
        await invites.forget_failures(session, before=now - invites.RETENTION)
        await clubs.forget_failures(session, before=now - clubs.RETENTION)  # wrong club join codes
        await accounts.forget_bare_accounts(session, before=before)
    if deleted or blanked:
        _LOG.info("forgot %s unfinished dialogue(s) and %s delivered push text(s)", deleted, blanked)
    return deleted


async def advance_callouts(app: JobApp) -> int:
    """Queues the next wave of every unfilled call-out whose interval has passed; expires the call-outs
    whose deadline passed. Returns how many donors the new waves message."""
    async with app.sessions() as session, session.begin():
        sent = await waves.advance(
            session,
            catalogs=app.catalogs,
            settings=app.settings,
            rules=app.knowledge.rules,
            now=app.clock.now(),
        )
    if sent:
        _wake(app)
    return sent


def build_scheduler(app: JobApp) -> AsyncIOScheduler:
    """The scheduler with its three jobs, not started (`start()` needs the running event loop).

    Every job: `coalesce=True`, because runs missed while the loop was busy or the machine slept are worth
    one catch-up run, not a burst (every run plans from the current state, so one run catches up on
    everything); `max_instances=1`, because a slow run (a big ward invitation) must not overlap the next
    one (they would only race for the same keys); `misfire_grace_time` of one interval, because a run
    later than that is as good as the next regular one. The first planning run comes one interval after
    the start: rows planned before a restart are still in the outbox, and the planners catch up on
    anything whose time passed meanwhile (see scheduler/planner.py).
    """
    every = timedelta(minutes=app.settings.reminders.plan_every_minutes)
    scheduler = AsyncIOScheduler(timezone=UTC)  # default executor (asyncio) and in-memory job store

    def every_interval(
        job: Callable[[JobApp], Awaitable[object]], interval: timedelta, job_id: str, name: str
    ) -> None:
        seconds = int(interval.total_seconds())
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            args=[app],
            id=job_id,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
            replace_existing=True,
        )

    every_interval(run_planners_once, every, PLAN_JOB, "plan reminders, invitations, nudges and follow-ups")
    every_interval(expire_conversations, timedelta(hours=1), EXPIRE_JOB, "forget unfinished dialogues")
    # Call-out waves are minutes apart and urgent: checked every minute; the same reasoning for
    # coalesce / max_instances / misfire_grace_time as above (a wave is sent once: recipients are rows).
    every_interval(advance_callouts, timedelta(minutes=1), CALLOUT_JOB, "next call-out waves")
    return scheduler


__all__ = [
    "CALLOUT_JOB",
    "EXPIRE_JOB",
    "PLAN_JOB",
    "JobApp",
    "advance_callouts",
    "build_scheduler",
    "expire_conversations",
    "run_planners_once",
]
