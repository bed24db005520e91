"""Broadcast benchmark: one announcement drained by the real delivery loop into rate-capped emulators.

Run: .venv/bin/python bench/broadcast.py [--quick] [--batch-size N] [--only a,b,a',z,m]

Each scenario runs in a child process (so its peak RSS is its own) with a temp SQLite database, N donors,
one announcement to all of them, emulators enforcing the platforms' limits, and the real `DeliveryLoop`
with the real senders: `TelegramSender` on a PTB `Bot` with the application's transport
(`bot.channels.telegram.api_request`) against the Bot API emulator (`RateLimiter`: 30 msg/s per bot,
1,000 msg/s for paid broadcasts, 1 msg/s per chat), and `ZaloSender` on a `ZaloClient` against the Zalo
emulator (`ZaloRateLimiter`: Zalo publishes no limit, so the cap is config's `[zalo] rate_per_second`,
10 msg/s, and 1 msg/s per chat):

  (a) 10,000 recipients on Telegram, paid broadcast (cap 1,000 msg/s; the sender sets
      `allow_paid_broadcast`, as with `[delivery] paid_broadcast = true`), loop rate 970 msg/s, the
      emulator in a process of its own, as Telegram is never in the bot's process;
  (b)  1,000 recipients at Telegram's real cap of 30 msg/s, loop rate 28 (config.toml's default), the
      emulator in its own process too;
  (a') as (a) with the emulator in the bot's process on its own thread, as in the tests: the emulator's
      aiohttp server, PTB's client and the loop then share one interpreter lock, so this measures the
      machine's single core more than the loop;
  (z)    300 recipients on Zalo at the 10 msg/s cap, loop rate 9.5, the emulator in its own process;
  (m)    600 people, 40 % on Telegram only, 20 % on both, 40 % on Zalo only (in that order of
      registration: Telegram's rows are the oldest, so a plain claim would take them all first), one push
      each (`models.outbox.enqueue_for_donor`: one row per person, its chat chosen at the claim; of those
      on both, every other one last wrote from Zalo), both emulators in processes of their own, one loop
      pacing Telegram at 28 of 30 and Zalo at 9.5 of 10 at once, as `App.delivery_loop` does.

The loop rates stay a little under the caps, and each platform's pacer never puts more than its rate
(rounded up) sends in any 1.02 s: requests spaced evenly when sent can still arrive bunched (an event
loop busy for a few ms), and the margin is what keeps such bunches under the limit.

Figures per scenario: achieved msg/s (successful sends between the first and the last one, as the emulator
saw them), its share of the cap (goal >= 0.9), 429s received (goal 0), duplicates (chats that got the
announcement more than once; goal 0), missing recipients, and the bot process's peak RSS (with the
in-process emulator, that includes the emulator). For (m) they come per platform, plus: duplicates and
missing counted per person across both emulators (someone on both must get it on one of them only),
Zalo's rate while Telegram still had a backlog (a slow platform must not wait behind a fast one's rows),
how long after Telegram's first send Zalo's first came, and the combined rate while both were sending
(about the sum of the two rates when neither holds up the other).
`--quick` runs 2,000 / 200 / 100 / 200 recipients. The last line holds the key figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.bootstrap import App, freeze_startup_objects  # noqa: E402
from bot.channels.telegram import api_request  # noqa: E402
from bot.channels.telegram_sender import TelegramSender  # noqa: E402
from bot.channels.zalo import ZaloSender  # noqa: E402
from bot.channels.zalo_client import ZaloClient  # noqa: E402
from core.config import DeliverySettings, ZaloSettings  # noqa: E402
from emulators.telegram import RateLimiter, TelegramEmulator, ThreadedTelegramEmulator  # noqa: E402
from emulators.zalo import SENDING_METHODS, ThreadedZaloEmulator, ZaloEmulator, ZaloRateLimiter  # noqa: E402
from models import announcements, outbox  # noqa: E402
from models.db import create_engine, session_factory, upgrade_database_async  # noqa: E402
from models.tables import ChannelAccount  # noqa: E402
from scheduler.delivery import DeliveryLoop  # noqa: E402
from scheduler.pacer import Pace  # noqa: E402
from scheduler.sender import Sender  # noqa: E402
from tests.helpers import bulk_donors  # noqa: E402

FIRST_USER = 700_000_000
FIRST_ZALO = 5_000_000_000_000  # Zalo user ids (strings there): donor n's Zalo chat is FIRST_ZALO + n
FREE_CAP, PAID_CAP = 30, 1000  # Telegram's messages per second per bot, without and with paid broadcasts
FAST_RATE = 970.0  # the loop's rate against the 1,000 msg/s cap
ZALO_RATE = 9.5  # the loop's rate against the Zalo cap assumed here ([zalo] rate_per_second)
TEXT = (
    "Hội Chữ thập đỏ thị xã Kinh Môn trân trọng mời bạn tham gia ngày hội hiến máu Chủ nhật 29/11 "
    "tại Nhà văn hóa phường Tam Lưu, từ 7h đến 11h. Mỗi giọt máu cho đi, một cuộc đời ở lại!"
)


def zalo_cap() -> int:
    """Zalo publishes no limit: the emulator enforces config's `[zalo] rate_per_second` (10) as one."""
    return int(ZaloSettings().rate_per_second)


@dataclass
class Scenario:
    name: str
    recipients: int
    cap: int
    loop_rate: float
    batch_size: int
    emulator: str  # "thread": in the bot's process, own thread; "process": a process of its own
    timeout: float
    platform: str = "telegram"  # "telegram", "zalo", or "mixed" (both; `cap`/`loop_rate` Telegram's)


@dataclass
class Stats:
    """What the emulator saw: successful sends, the span between the first and the last, 429s, ..."""

    sent: int
    seconds: float
    r429: int
    dups: int
    chats: int
    errors: int


@dataclass
class Detail:
    """Each chat's count of successful sends, and when each arrived (`time.monotonic()`, one clock for
    every process of the machine): for counting per person across two emulators."""

    per_chat: dict[str, int]
    at: list[float]


@dataclass
class Result:
    name: str
    emulator: str
    recipients: int
    cap: int
    loop_rate: float
    batch_size: int
    seconds: float
    rate: float
    share: float
    r429: int
    dups: int
    missing: int
    other_errors: int
    rss_mb: float
    setup_seconds: float


@dataclass
class Side:
    """One platform's figures in the mixed scenario."""

    platform: str
    recipients: int  # people whose chat on this platform was chosen at the claim (as sent)
    sent: int
    seconds: float
    rate: float
    share: float
    r429: int
    other_errors: int


@dataclass
class MixedResult:
    name: str
    recipients: int  # people
    telegram_only: int
    zalo_only: int
    both: int
    batch_size: int
    telegram: Side
    zalo: Side
    busy_seconds: float  # while both platforms were sending (first to last send of the shorter one)
    zalo_lag: float  # seconds from Telegram's first send to Zalo's first
    zalo_rate_busy: float  # Zalo's rate while Telegram was still sending
    zalo_share_busy: float
    combined_rate: float  # both platforms' sends while both were sending
    expected_rate: float  # what the two shares promise together: tg_share x 30 + zalo_share x 10
    dups: int  # extra copies a person got, counted across both emulators
    missing: int
    rss_mb: float
    setup_seconds: float


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# --- the emulators, in the bot's process or in their own --------------------------------------------------


class Threaded(Protocol):
    @property
    def url(self) -> str: ...

    def call(self, func: Any, *args: Any) -> Any: ...

    def stop(self) -> None: ...


def start_emulator(platform: str, recipients: int) -> tuple[Threaded, str, Any]:
    """The emulator (on its own thread) with its rate cap and `recipients` users; with its token and
    limiter."""
    if platform == "zalo":
        zalo = ThreadedZaloEmulator().start()
        zalo_limiter = ZaloRateLimiter(per_second=zalo_cap(), per_chat_per_second=1)

        def prepare_zalo() -> None:
            zalo.emulator.add_hook(zalo_limiter)
            for n in range(recipients):
                zalo.emulator.user(str(FIRST_ZALO + n), f"U{n}")

        zalo.call(prepare_zalo)
        return zalo, zalo.token, zalo_limiter
    threaded = ThreadedTelegramEmulator().start()
    limiter = RateLimiter(per_bot=FREE_CAP, per_chat=1, paid_per_bot=PAID_CAP)

    def prepare() -> None:
        threaded.emulator.add_hook(limiter)
        for n in range(recipients):
            threaded.emulator.user(FIRST_USER + n, f"U{n}", started=True)

    threaded.call(prepare)
    return threaded, threaded.emulator.token, limiter


def _sends(emu: TelegramEmulator | ZaloEmulator) -> tuple[list[Any], list[Any]]:
    """(every send call, the successful ones), each with `at` and `params`; runs on the emulator's loop."""
    if isinstance(emu, ZaloEmulator):
        zalo_calls = [c for c in emu.calls if c.method.lower() in SENDING_METHODS]
        return zalo_calls, [c for c in zalo_calls if c.ok]
    calls = [c for c in emu.calls if c.method.lower() == "sendmessage"]
    return calls, [c for c in calls if c.status == 200]


def stats_of(emu: TelegramEmulator | ZaloEmulator, limiter: RateLimiter | ZaloRateLimiter) -> Stats:
    """Runs on the emulator's loop."""
    calls, sent = _sends(emu)
    per_chat = Counter(str(c.params.get("chat_id")) for c in sent)
    if isinstance(emu, ZaloEmulator):
        errors = sum(not c.ok and c.error_code != 429 for c in calls)
    else:
        errors = sum(c.status not in (200, 429) for c in calls)
    return Stats(
        sent=len(sent),
        seconds=(sent[-1].at - sent[0].at) if len(sent) > 1 else 0.0,
        r429=limiter.rejected,
        dups=sum(count - 1 for count in per_chat.values()),
        chats=len(per_chat),
        errors=errors,
    )


def detail_of(emu: TelegramEmulator | ZaloEmulator) -> Detail:
    """Runs on the emulator's loop."""
    _, sent = _sends(emu)
    return Detail(dict(Counter(str(c.params.get("chat_id")) for c in sent)), [c.at for c in sent])


class Emulator(Protocol):
    url: str
    token: str

    async def stats(self) -> Stats: ...

    async def detail(self) -> Detail: ...

    async def close(self) -> None: ...


class InProcess:
    def __init__(self, platform: str, recipients: int) -> None:
        self._threaded, self.token, self._limiter = start_emulator(platform, recipients)
        self.url = self._threaded.url
        self._emu = cast(Any, self._threaded).emulator

    async def stats(self) -> Stats:
        return cast(Stats, self._threaded.call(stats_of, self._emu, self._limiter))

    async def detail(self) -> Detail:
        return cast(Detail, self._threaded.call(detail_of, self._emu))

    async def close(self) -> None:
        self._threaded.stop()


class OwnProcess:
    """`broadcast.py --serve-emulator`: prints its URL and token, then answers "stats" and "detail" lines
    with JSON."""

    def __init__(self, child: asyncio.subprocess.Process, url: str, token: str) -> None:
        self._child, self.url, self.token = child, url, token

    @classmethod
    async def start(cls, platform: str, recipients: int) -> OwnProcess:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve-emulator",
            json.dumps({"platform": platform, "recipients": recipients}),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,  # "detail" is one long line
        )
        assert child.stdout is not None
        url, token = json.loads(await child.stdout.readline())
        return cls(child, url, token)

    async def _ask(self, line: str) -> Any:
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        self._child.stdin.write(line.encode() + b"\n")
        await self._child.stdin.drain()
        return json.loads(await self._child.stdout.readline())

    async def stats(self) -> Stats:
        return Stats(**await self._ask("stats"))

    async def detail(self) -> Detail:
        return Detail(**await self._ask("detail"))

    async def close(self) -> None:
        await self._ask("quit")
        await self._child.wait()


def serve_emulator(options: dict[str, Any]) -> None:
    threaded, token, limiter = start_emulator(options.get("platform", "telegram"), options["recipients"])
    emu = cast(Any, threaded).emulator
    # The emulator stands in for Telegram's (or Zalo's) servers: its own garbage-collector pauses (a full
    # collection over the simulated users took ~100 ms) are no part of what is measured.
    freeze_startup_objects()
    sys.stdout.write(json.dumps([threaded.url, token]) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip() == "stats":
            answer: object = asdict(threaded.call(stats_of, emu, limiter))
        elif line.strip() == "detail":
            answer = asdict(threaded.call(detail_of, emu))
        else:
            answer = "bye"
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if answer == "bye":
            break
    threaded.stop()


# --- one scenario -----------------------------------------------------------------------------------------


async def seed(url: str, recipients: int, platform: str = "telegram") -> int:
    """N donors with one account each on `platform`, and one announcement to all of them; its id."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    first = FIRST_ZALO if platform == "zalo" else FIRST_USER
    try:
        async with sessions() as session, session.begin():
            await bulk_donors(session, recipients, first_user=first, now=now, platform=platform)
        async with sessions() as session, session.begin():
            created = await announcements.create(
                session, text=TEXT, audience=announcements.Audience(), actor="bench", now=now
            )
        assert created.queued == recipients
        return created.id
    finally:
        await engine.dispose()


def mix_of(n: int, people: int) -> str:
    """Donor n's chats in the mixed scenario: 40 % Telegram only, 20 % both, 40 % Zalo only, in that order
    of registration (Telegram came first, so its rows are the oldest and a claim takes them first)."""
    return "telegram" if n < people * 0.4 else "both" if n < people * 0.6 else "zalo"


async def seed_mixed(url: str, recipients: int) -> None:
    """N donors on Telegram, Zalo or both (`mix_of`), donor n's chats FIRST_USER + n and FIRST_ZALO + n; of
    those on both, every other one last wrote from Zalo (so half of them get it there, half on Telegram);
    one push to each person (`outbox.enqueue_for_donor`: one row, the chat chosen at the claim)."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    table = ChannelAccount.__table__
    try:
        async with sessions() as session, session.begin():
            await bulk_donors(session, recipients, first_user=FIRST_USER, now=now)
            accounts = (
                await session.execute(select(table.c.id, table.c.donor_id).order_by(table.c.id))
            ).all()
            moves, extra = [], []
            for n, (account_id, donor_id) in enumerate(accounts):
                zalo_id = str(FIRST_ZALO + n)
                if mix_of(n, recipients) == "zalo":
                    moves.append(
                        {"id": account_id, "platform": "zalo", "user_id": zalo_id, "chat_id": zalo_id}
                    )
                elif mix_of(n, recipients) == "both":
                    seen = now if (n // 5) % 2 else None
                    row = {"platform": "zalo", "user_id": zalo_id, "chat_id": zalo_id, "donor_id": donor_id}
                    extra.append({**row, "created_at": now, "last_seen_at": seen})
            await session.execute(update(ChannelAccount), moves)
            await session.execute(insert(ChannelAccount), extra)
            donor_ids = [donor_id for _, donor_id in accounts]
        async with sessions() as session, session.begin():
            for donor_id in donor_ids:
                queued = await outbox.enqueue_for_donor(
                    session,
                    donor_id=donor_id,
                    key="bench-mixed",
                    kind=announcements.KIND,
                    text=TEXT,
                    due_at=now,
                    batch="bench-mixed",
                )
                assert queued == 1
    finally:
        await engine.dispose()


class NoApp:
    """`ZaloSender` reads its `App` only for numbered choices and catalogs, which an announcement has not."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the bench's ZaloSender has no app ({name})")


async def start_emulator_for(spec: Scenario, platform: str, recipients: int) -> Emulator:
    if spec.emulator == "process":
        return await OwnProcess.start(platform, recipients)
    return InProcess(platform, recipients)


async def senders_for(
    stack: contextlib.AsyncExitStack, emulators: dict[str, Emulator], paid: bool
) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    for platform, emu in emulators.items():
        if platform == "zalo":
            client = ZaloClient(emu.token, base_url=emu.url)
            stack.push_async_callback(client.close)
            senders[platform] = ZaloSender(client, cast(App, NoApp()), None)
        else:
            bot = Bot(
                emu.token,
                base_url=f"{emu.url}/bot",
                base_file_url=f"{emu.url}/file/bot",
                request=api_request(),
            )
            await stack.enter_async_context(bot)
            senders[platform] = TelegramSender(bot, paid_broadcast=paid)
    return senders


async def drain(loop: DeliveryLoop, emulators: dict[str, Emulator], recipients: int, limit: float) -> None:
    """Runs the loop until the emulators saw `recipients` sends (or `limit` seconds), then stops it."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        if sum([(await emu.stats()).sent for emu in emulators.values()]) >= recipients:
            break
    stop.set()
    await asyncio.wait_for(task, 30)


async def run_scenario(spec: Scenario) -> Result:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="donorbot-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await seed(url, spec.recipients, spec.platform)
        emu = await start_emulator_for(spec, spec.platform, spec.recipients)
        engine = create_engine(url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                emulators = {spec.platform: emu}
                senders = await senders_for(stack, emulators, paid=spec.cap > FREE_CAP)
                loop = DeliveryLoop(
                    session_factory(engine),
                    senders,
                    SystemClock(),
                    rate=spec.loop_rate,
                    batch_size=spec.batch_size,
                    per_chat_interval=1.0,
                )
                freeze_startup_objects()  # as `donorbot run` does before serving
                setup_seconds = time.monotonic() - started
                await drain(loop, emulators, spec.recipients, spec.timeout)
            seen = await emu.stats()
        finally:
            await engine.dispose()
            await emu.close()
    rate = (seen.sent - 1) / seen.seconds if seen.seconds > 0 else 0.0
    return Result(
        name=spec.name,
        emulator=spec.emulator,
        recipients=spec.recipients,
        cap=spec.cap,
        loop_rate=spec.loop_rate,
        batch_size=spec.batch_size,
        seconds=round(seen.seconds, 2),
        rate=round(rate, 1),
        share=round(rate / spec.cap, 3),
        r429=seen.r429,
        dups=seen.dups,
        missing=spec.recipients - seen.chats,
        other_errors=seen.errors,
        rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        setup_seconds=round(setup_seconds, 2),
    )


def side(platform: str, stats: Stats, detail: Detail, cap: int) -> Side:
    rate = (stats.sent - 1) / stats.seconds if stats.seconds > 0 else 0.0
    return Side(
        platform=platform,
        recipients=len(detail.per_chat),
        sent=stats.sent,
        seconds=round(stats.seconds, 2),
        rate=round(rate, 1),
        share=round(rate / cap, 3),
        r429=stats.r429,
        other_errors=stats.errors,
    )


async def run_mixed(spec: Scenario) -> MixedResult:
    """Both platforms at once from one loop, each at its own pace, as `App.delivery_loop` builds it."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="donorbot-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await seed_mixed(url, spec.recipients)
        emulators = {
            "telegram": await start_emulator_for(spec, "telegram", spec.recipients),
            "zalo": await start_emulator_for(spec, "zalo", spec.recipients),
        }
        engine = create_engine(url)
        try:
            async with contextlib.AsyncExitStack() as stack:
                senders = await senders_for(stack, emulators, paid=False)
                loop = DeliveryLoop(
                    session_factory(engine),
                    senders,
                    SystemClock(),
                    rate=spec.loop_rate,
                    batch_size=spec.batch_size,
                    per_chat_interval=1.0,
                    paces={"telegram": Pace(spec.loop_rate, 1.0), "zalo": Pace(ZALO_RATE, 1.0)},
                )
                freeze_startup_objects()
                setup_seconds = time.monotonic() - started
                await drain(loop, emulators, spec.recipients, spec.timeout)
            stats = {platform: await emu.stats() for platform, emu in emulators.items()}
            details = {platform: await emu.detail() for platform, emu in emulators.items()}
        finally:
            await engine.dispose()
            for emu in emulators.values():
                await emu.close()
    tg, zalo = details["telegram"], details["zalo"]
    per_person = Counter[int]()
    for chat, count in tg.per_chat.items():
        per_person[int(chat) - FIRST_USER] += count
    for chat, count in zalo.per_chat.items():
        per_person[int(chat) - FIRST_ZALO] += count
    # While both were sending: from the later first send to the earlier last one.
    begin, end = max(tg.at[0], zalo.at[0]), min(tg.at[-1], zalo.at[-1])
    busy = max(end - begin, 0.0)
    in_busy = sum(begin <= at <= end for at in tg.at + zalo.at)
    zalo_busy = [at for at in zalo.at if tg.at[0] <= at <= tg.at[-1]]
    zalo_window = tg.at[-1] - max(tg.at[0], zalo.at[0])
    zalo_rate_busy = (len(zalo_busy) - 1) / zalo_window if zalo_window > 0 and zalo_busy else 0.0
    sides = side("telegram", stats["telegram"], tg, FREE_CAP), side("zalo", stats["zalo"], zalo, zalo_cap())
    mixes = Counter(mix_of(n, spec.recipients) for n in range(spec.recipients))
    return MixedResult(
        name=spec.name,
        recipients=spec.recipients,
        telegram_only=mixes["telegram"],
        zalo_only=mixes["zalo"],
        both=mixes["both"],
        batch_size=spec.batch_size,
        telegram=sides[0],
        zalo=sides[1],
        busy_seconds=round(busy, 2),
        zalo_lag=round(zalo.at[0] - tg.at[0], 2),
        zalo_rate_busy=round(zalo_rate_busy, 1),
        zalo_share_busy=round(zalo_rate_busy / zalo_cap(), 3),
        combined_rate=round((in_busy - 1) / busy, 1) if busy > 0 else 0.0,
        expected_rate=round(sides[0].rate + sides[1].rate, 1),
        dups=sum(count - 1 for count in per_person.values() if count > 1),
        missing=sum(1 for n in range(spec.recipients) if per_person[n] == 0),
        rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        setup_seconds=round(setup_seconds, 2),
    )


def child(spec: Scenario) -> Result | MixedResult:
    """Runs one scenario in a fresh interpreter, so the peak RSS is that scenario's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--scenario", json.dumps(asdict(spec))],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    fields = json.loads(done.stdout.strip().splitlines()[-1])
    if spec.platform == "mixed":
        return MixedResult(
            **{
                **fields,
                "telegram": Side(**fields["telegram"]),
                "zalo": Side(**fields["zalo"]),
            }
        )
    return Result(**fields)


def report(result: Result) -> None:
    print(
        f"{result.name}: {result.recipients} recipients, cap {result.cap}/s, "
        f"loop rate {result.loop_rate:g}/s, batch {result.batch_size}, emulator {result.emulator}"
    )
    print(
        f"  achieved {result.rate:.1f} msg/s over {result.seconds:.1f} s = {result.share:.0%} of the cap "
        f"(goal >= 90%)"
    )
    print(f"  429s {result.r429} (goal 0), duplicates {result.dups} (goal 0), missing {result.missing}")
    print(
        f"  other errors {result.other_errors}, peak RSS {result.rss_mb:.0f} MB, "
        f"setup {result.setup_seconds} s"
    )


def report_mixed(result: MixedResult) -> None:
    print(
        f"{result.name}: {result.recipients} people ({result.telegram_only} Telegram only, "
        f"{result.zalo_only} Zalo only, {result.both} both), batch {result.batch_size}, "
        "both emulators in processes"
    )
    for one, cap, rate in ((result.telegram, FREE_CAP, "28"), (result.zalo, zalo_cap(), f"{ZALO_RATE:g}")):
        print(
            f"  {one.platform}: {one.recipients} people, cap {cap}/s, loop rate {rate}/s: "
            f"{one.rate:.1f} msg/s over {one.seconds:.1f} s = {one.share:.0%} of the cap, 429s {one.r429}, "
            f"other errors {one.other_errors}"
        )
    print(
        f"  zalo while Telegram was sending: {result.zalo_rate_busy:.1f} msg/s = {result.zalo_share_busy:.0%}"
        f" of its cap; its first send {result.zalo_lag:.2f} s after Telegram's first"
    )
    print(
        f"  both sending for {result.busy_seconds:.1f} s: {result.combined_rate:.1f} msg/s together "
        f"(the two rates add up to {result.expected_rate:.1f})"
    )
    print(
        f"  duplicates {result.dups} (people who got it more than once, across both; goal 0), "
        f"missing {result.missing}, peak RSS {result.rss_mb:.0f} MB, setup {result.setup_seconds} s"
    )


def key_figures(results: list[Result | MixedResult]) -> str:
    """The last line: the Telegram scenarios as before, then Zalo's and the mixed one's."""
    telegram = [r for r in results if isinstance(r, Result) and not r.name.startswith("(z")]
    parts = [
        f"cap={r.cap}{' emulator=in-process' if r.emulator == 'thread' else ''} "
        f"rate={r.rate:.1f} "
        f"share={r.share:.2f} r429={r.r429} dups={r.dups} missing={r.missing} rss_mb={r.rss_mb:.0f}"
        for r in telegram
    ]
    for r in results:
        if isinstance(r, Result) and r.name.startswith("(z"):
            parts.append(
                f"zalo_cap={r.cap} zalo_rate={r.rate:.1f} zalo_share={r.share:.2f} zalo_r429={r.r429} "
                f"zalo_dups={r.dups} zalo_missing={r.missing}"
            )
        elif isinstance(r, MixedResult):
            parts.append(
                f"mixed_tg_share={r.telegram.share:.2f} mixed_zalo_share={r.zalo.share:.2f} "
                f"mixed_zalo_share_busy={r.zalo_share_busy:.2f} mixed_rate={r.combined_rate:.1f} "
                f"mixed_expected={r.expected_rate:.1f} mixed_r429={r.telegram.r429 + r.zalo.r429} "
                f"mixed_dups={r.dups} mixed_missing={r.missing}"
            )
    return "broadcast " + " | ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 / 200 / 100 / 200 recipients")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DeliverySettings().batch_size,
        help="the loop's batch_size (default: config.toml's default)",
    )
    parser.add_argument(
        "--only", default="a,b,a',z,m", help="the scenarios to run, comma-separated (default: all)"
    )
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--serve-emulator", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator(json.loads(args.serve_emulator))
        return 0
    if args.scenario:
        spec = Scenario(**json.loads(args.scenario))
        outcome: Result | MixedResult = (
            asyncio.run(run_mixed(spec)) if spec.platform == "mixed" else asyncio.run(run_scenario(spec))
        )
        sys.stdout.write(json.dumps(asdict(outcome)) + "\n")
        return 0
    big, small, zalo, mixed = (2_000, 200, 100, 200) if args.quick else (10_000, 1_000, 300, 600)
    real_rate = DeliverySettings().rate_per_second
    specs = {
        "a": Scenario("(a) paid broadcast", big, PAID_CAP, FAST_RATE, args.batch_size, "process", 120),
        "b": Scenario("(b) real cap", small, FREE_CAP, real_rate, args.batch_size, "process", 120),
        "a'": Scenario(
            "(a') paid broadcast, emulator in-process",
            big,
            PAID_CAP,
            FAST_RATE,
            args.batch_size,
            "thread",
            120,
        ),
        "z": Scenario(
            "(z) Zalo", zalo, zalo_cap(), ZALO_RATE, args.batch_size, "process", 120, platform="zalo"
        ),
        "m": Scenario(
            "(m) mixed", mixed, FREE_CAP, real_rate, args.batch_size, "process", 150, platform="mixed"
        ),
    }
    chosen = [name.strip() for name in args.only.split(",")]
    unknown = [name for name in chosen if name not in specs]
    if unknown:
        parser.error(f"unknown scenarios {unknown}: choose among {list(specs)}")
    results: list[Result | MixedResult] = []
    for name in chosen:
        result = child(specs[name])
        if isinstance(result, MixedResult):
            report_mixed(result)
        else:
            report(result)
        results.append(result)
    print(key_figures(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
