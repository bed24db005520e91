"""The composition root: builds the application from settings, and lets tests swap the pieces."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import metrics
from core.clock import Clock, SystemClock
from core.config import Settings
from core.i18n import Catalogs
from core.knowledge import Knowledge, load_knowledge
from handlers.registry import build_routes
from handlers.router import Dispatcher
from models.db import create_engine, is_sqlite, read_session_factory, session_factory, upgrade_database_async
from scheduler.delivery import DeliveryLoop
from scheduler.jobs import build_scheduler
from scheduler.leader import DELIVERY_LOCK, SCHEDULER_LOCK, Leadership, Role
from scheduler.pacer import Pace
from scheduler.sender import Sender

HANDOVER_SECONDS = 1.1  # a platform's rate window (1 s) and a margin: see `_serve`'s `send`


@dataclass
class Running:
    """What `serve` has running in this process, for /readyz and the metrics (bot/web/health)."""

    # leader: runs here; standby: another process does (scheduler/leader); stopped: nowhere, as far as
    # this process knows
    delivery: Role = Role.STOPPED
    scheduler: Role = Role.STOPPED
    web_only: bool = False  # `donorbot web`: neither runs here by design (another process runs the bot)

    def set(self, *, delivery: Role | None = None, scheduler: Role | None = None) -> None:
        if delivery is not None:
            self.delivery = delivery
            metrics.DELIVERY_RUNNING.set(int(delivery is Role.LEADER))
        if scheduler is not None:
            self.scheduler = scheduler
            metrics.SCHEDULER_RUNNING.set(int(scheduler is Role.LEADER))


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    catalogs: Catalogs
    clock: Clock
    knowledge: Knowledge
    dispatcher: Dispatcher
    running: Running = field(default_factory=Running)

    @functools.cached_property
    def reads(self) -> async_sessionmaker[AsyncSession]:
        """Sessions that only read, beside SQLite's one writer (`models.db.read_session_factory`)."""
        return read_session_factory(self.engine)

    async def prepare(self) -> None:
        """Upgrades the schema before the first update is handled."""
        await upgrade_database_async(self.settings.database.url)

    def delivery_loop(self, senders: Mapping[str, Sender]) -> DeliveryLoop:
        """The outbox drain for the channels given (one per process: see docs/ARCHITECTURE.md)."""
        limits, zalo = self.settings.delivery, self.settings.zalo
        return DeliveryLoop(
            self.sessions,
            senders,
            self.clock,
            batch_size=limits.batch_size,
            lease=timedelta(seconds=limits.lease_seconds),
            max_attempts=limits.max_attempts,
            # telegram, and the console, at the delivery defaults; zalo at its own
            rate=limits.rate_per_second,
            per_chat_interval=limits.per_chat_interval_seconds,
            paces={
                "telegram": Pace(limits.rate_per_second, limits.per_chat_interval_seconds),
                "zalo": Pace(zalo.rate_per_second, zalo.per_chat_interval_seconds),
            },
            prefer_channel=limits.prefer_channel,
        )

    async def close(self) -> None:
        await self.engine.dispose()


# Loggers that would write personal data or the bot token even when the app logs at DEBUG: aiosqlite and
# SQLAlchemy print statements with their parameters (phone numbers), python-telegram-bot prints request
# parameters (message texts), httpx/httpcore print request URLs (which contain the token).
LEAKY_LOGGERS = {
    "aiosqlite": logging.WARNING,
    "sqlalchemy.engine": logging.WARNING,
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
}


def quiet_leaky_loggers() -> None:
    for name, level in LEAKY_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def freeze_startup_objects() -> None:
    """Takes what start-up built (modules, catalogs, knowledge base, ORM mappers) out of the garbage
    collector's sight, so its full collections only walk what the running bot allocates.

    Without it each full collection walked every object of the libraries and paused the event loop
    for 75–100 ms; during a 1,000 msg/s broadcast (bench/broadcast.py) those pauses were the longest
    gaps between sends. Call once, after start-up and before serving.
    """
    gc.collect()
    gc.freeze()


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalogs: Catalogs | None = None,
    knowledge: Knowledge | None = None,
) -> App:
    """Wires the application; tests pass their own clock (and may share loaded knowledge)."""
    quiet_leaky_loggers()
    knowledge = knowledge or load_knowledge(settings)
    # hide_parameters: an SQL error must not print a phone number into the log.
    engine = create_engine(settings.database.url, sqlite_cache_mb=settings.database.sqlite_cache_mb)
    sessions = session_factory(engine)
    catalogs = catalogs or Catalogs()
    clock = clock or SystemClock()
    dispatcher = Dispatcher(
        sessions=sessions,
        settings=settings,
        catalogs=catalogs,
        clock=clock,
        routes=build_routes(),
        knowledge=knowledge,
    )
    return App(settings, engine, sessions, catalogs, clock, knowledge, dispatcher)


async def open_app(settings: Settings) -> App:
    """The app of `donorbot run` and `donorbot web`: the schema upgraded first, then the app built.

    In this order an unreachable database, a wrong URL or a role the server does not know is told at
    once, not after the FAQ indexes are built (about a second and a half).
    """
    await upgrade_database_async(settings.database.url)
    return build_app(settings)


class Channel(Protocol):
    """One platform's adapter, as the composition root drives it (bot/channels/telegram, console).

    An adapter turns its platform's input into turns of the dispatcher and renders their replies; it
    never starts the machinery every channel shares (the delivery loop, the scheduler): `serve` does.
    """

    platform: str

    async def open(self) -> Sender:
        """Connects (logs in) and returns the sender the delivery loop uses for this platform's pushes."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Handles input until `stop` is set, or until the channel ends (the console's end of input)."""
        ...

    async def close(self) -> None:
        """Releases what `open` took; called once, after the delivery loop has stopped."""
        ...


class Server(Protocol):
    """The process's one HTTP server (bot/web `WebServer`), as `serve` starts and stops it."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def serve(
    app: App, channels: Sequence[Channel], *, stop: asyncio.Event, web: Server | None = None
) -> None:
    """Runs the channels with one delivery loop and one scheduler until `stop` is set or a channel ends.

    Used by `donorbot run` and by the end-to-end tests. The delivery loop sends each platform's pushes
    through its channel's sender, so every channel gets its reminders, call-outs and notices; the
    scheduler plans them. Pushes start before the channels take input, and stop after them. The HTTP
    server (`web`: the Zalo webhook, media, /healthz), when something needs it, starts before the
    channels open (a webhook set at `open` must find it listening) and stops after they close.
    """
    if web is not None:
        await web.start()
    try:
        await _serve(app, channels, stop=stop)
    finally:
        if web is not None:
            await web.stop()


def _elect(
    app: App,
    key: int,
    start: Callable[[], None],
    stop: Callable[[], None],
    on_change: Callable[[Role], None],
    until: asyncio.Event,
) -> asyncio.Task[None] | None:
    """Runs `start` in the one process that holds `key` (scheduler/leader) until `until` is set.

    On SQLite, which serves one process, at once and without an election (None: no task to wait for)."""
    if is_sqlite(app.settings.database.url):
        start()
        on_change(Role.LEADER)
        return None
    leadership = Leadership(
        app.settings.database.url,
        lease_seconds=app.settings.scheduler.leader_lease_seconds,
        start=start,
        stop=stop,
        on_change=on_change,
        key=key,
    )
    return asyncio.create_task(leadership.run(until))


async def _serve(app: App, channels: Sequence[Channel], *, stop: asyncio.Event) -> None:
    opened: list[Channel] = []
    try:
        senders: dict[str, Sender] = {}
        for channel in channels:
            senders[channel.platform] = await channel.open()
            opened.append(channel)
        sending: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

        # Elected (PostgreSQL), a new sender waits out one rate window first: the one it replaces may have
        # died a moment ago with its last second of sends still counted by the platform, and the two
        # together must not go over the bot's rate (nor repeat an unrecorded send to a chat within 1 s).
        handover = 0.0 if is_sqlite(app.settings.database.url) else HANDOVER_SECONDS

        async def drain(loop: DeliveryLoop, done: asyncio.Event, before: list[asyncio.Task[None]]) -> None:
            # Leading again after a lost lock connection: the loop of the last term may still be
            # finishing its batch; two loops in one process would each pace to the full rate.
            await asyncio.gather(*before, return_exceptions=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), handover)
            if not done.is_set():
                await loop.run(done)

        def send() -> None:  # drains the outbox through the channels' senders
            loop = app.delivery_loop(senders)
            done = asyncio.Event()
            earlier = [t for _, t in sending if not t.done()]
            work = drain(loop, done, earlier) if handover else loop.run(done)
            sending.append((done, asyncio.create_task(work)))
            app.dispatcher.on_pushed = loop.wake

        def stop_sending() -> None:
            app.dispatcher.on_pushed = None
            for done, _ in sending:
                done.set()

        schedulers: list[AsyncIOScheduler] = []

        def plan() -> None:  # plans reminders into the outbox; the delivery loop sends them
            scheduler = build_scheduler(app)
            scheduler.start()
            schedulers.append(scheduler)

        def stop_planning() -> None:
            while schedulers:  # a planning run cut short is rolled back and simply runs again
                schedulers.pop().shutdown(wait=False)

        elections = [
            _elect(app, DELIVERY_LOCK, send, stop_sending, lambda role: app.running.set(delivery=role), stop),
            _elect(
                app, SCHEDULER_LOCK, plan, stop_planning, lambda role: app.running.set(scheduler=role), stop
            ),
        ]
        try:
            runs = [asyncio.create_task(channel.run(stop)) for channel in channels]
            await asyncio.wait(runs, return_when=asyncio.FIRST_COMPLETED)
            stop.set()  # one channel ended (the console's input did, or one failed): the others stop too
            for outcome in await asyncio.gather(*runs, return_exceptions=True):
                if isinstance(outcome, BaseException):
                    raise outcome
        finally:
            stop.set()
            for election in elections:
                if election is not None:
                    await election  # steps down and releases the lock
            stop_planning()
            stop_sending()
            app.running.set(delivery=Role.STOPPED, scheduler=Role.STOPPED)
            for _, task in sending:
                await task
    finally:
        for channel in reversed(opened):
            await channel.close()
