"""Broadcast benchmark: one announcement drained by the real delivery loop into a rate-capped emulator.

Run: .venv/bin/python bench/broadcast.py [--quick] [--batch-size N]

Each scenario runs in a child process (so its peak RSS is its own) with a temp SQLite database, N donors
with one Telegram account each, one announcement to all of them (`models.announcements.create`), the Bot
API emulator enforcing Telegram's limits (`RateLimiter`: 30 msg/s per bot, 1,000 msg/s for paid
broadcasts, 1 msg/s per chat), and the real `DeliveryLoop` + `TelegramSender` on a PTB `Bot` with the
application's transport (`bot.channels.telegram.api_request`):

  (a) 10,000 recipients, paid broadcast (cap 1,000 msg/s; the sender sets `allow_paid_broadcast`, as with
      `[delivery] paid_broadcast = true`), loop rate 970 msg/s, the emulator in a process of its own, as
      Telegram is never in the bot's process;
  (b)  1,000 recipients at Telegram's real cap of 30 msg/s, loop rate 28 (config.toml's default), the
      emulator in its own process too;
  (a') as (a) with the emulator in the bot's process on its own thread, as in the tests: the emulator's
      aiohttp server, PTB's client and the loop then share one interpreter lock, so this measures the
      machine's single core more than the loop.

The loop rates stay a little under the caps (28 of 30, 970 of 1,000), and the loop's pacer never puts
more than `rate` sends in any 1.02 s: requests spaced evenly when sent can still arrive bunched (an event
loop busy for a few ms), and the margin is what keeps such bunches under Telegram's limit.

Figures per scenario: achieved msg/s (successful sends between the first and the last one, as the emulator
saw them), its share of the cap (goal >= 0.9), 429s received (goal 0), duplicates (chats that got the
announcement more than once; goal 0), missing recipients, and the bot process's peak RSS (with the
in-process emulator, that includes the emulator). `--quick` runs 2,000 and 200 recipients.
The last line holds the key figures.
"""

from __future__ import annotations

import argparse
import asyncio
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
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402

from bot.bootstrap import freeze_startup_objects  # noqa: E402
from bot.channels.telegram import api_request  # noqa: E402
from bot.channels.telegram_sender import TelegramSender  # noqa: E402
from core.config import DeliverySettings  # noqa: E402
from emulators.telegram import RateLimiter, TelegramEmulator, ThreadedTelegramEmulator  # noqa: E402
from models import announcements  # noqa: E402
from models.db import create_engine, session_factory, upgrade_database_async  # noqa: E402
from scheduler.delivery import DeliveryLoop  # noqa: E402
from tests.helpers import bulk_donors  # noqa: E402

FIRST_USER = 700_000_000
FREE_CAP, PAID_CAP = 30, 1000  # Telegram's messages per second per bot, without and with paid broadcasts
FAST_RATE = 970.0  # the loop's rate against the 1,000 msg/s cap
TEXT = (
    "Hội Chữ thập đỏ thị xã Kinh Môn trân trọng mời bạn tham gia ngày hội hiến máu Chủ nhật 29/11 "
    "tại Nhà văn hóa phường Tam Lưu, từ 7h đến 11h. Mỗi giọt máu cho đi, một cuộc đời ở lại!"
)


@dataclass
class Scenario:
    name: str
    recipients: int
    cap: int
    loop_rate: float
    batch_size: int
    emulator: str  # "thread": in the bot's process, own thread; "process": a process of its own
    timeout: float


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


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# --- the emulator, in the bot's process or in its own ---------------------------------------------------


def start_emulator(recipients: int) -> tuple[ThreadedTelegramEmulator, RateLimiter]:
    threaded = ThreadedTelegramEmulator().start()
    limiter = RateLimiter(per_bot=FREE_CAP, per_chat=1, paid_per_bot=PAID_CAP)

    def prepare() -> None:
        threaded.emulator.add_hook(limiter)
        for n in range(recipients):
            threaded.emulator.user(FIRST_USER + n, f"U{n}", started=True)

    threaded.call(prepare)
    return threaded, limiter


def stats_of(emu: TelegramEmulator, limiter: RateLimiter) -> Stats:
    """Runs on the emulator's loop."""
    calls = [c for c in emu.calls if c.method.lower() == "sendmessage"]
    sent = [c for c in calls if c.status == 200]
    per_chat = Counter(str(c.params.get("chat_id")) for c in sent)
    return Stats(
        sent=len(sent),
        seconds=(sent[-1].at - sent[0].at) if len(sent) > 1 else 0.0,
        r429=limiter.rejected,
        dups=sum(count - 1 for count in per_chat.values()),
        chats=len(per_chat),
        errors=sum(c.status not in (200, 429) for c in calls),
    )


class Emulator(Protocol):
    url: str
    token: str

    async def stats(self) -> Stats: ...

    async def close(self) -> None: ...


class InProcess:
    def __init__(self, recipients: int) -> None:
        self._threaded, self._limiter = start_emulator(recipients)
        self.url, self.token = self._threaded.url, self._threaded.emulator.token

    async def stats(self) -> Stats:
        return self._threaded.call(stats_of, self._threaded.emulator, self._limiter)

    async def close(self) -> None:
        self._threaded.stop()


class OwnProcess:
    """`broadcast.py --serve-emulator`: prints its URL and token, then answers "stats" lines with JSON."""

    def __init__(self, child: asyncio.subprocess.Process, url: str, token: str) -> None:
        self._child, self.url, self.token = child, url, token

    @classmethod
    async def start(cls, recipients: int) -> OwnProcess:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve-emulator",
            json.dumps({"recipients": recipients}),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
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

    async def close(self) -> None:
        await self._ask("quit")
        await self._child.wait()


def serve_emulator(options: dict[str, int]) -> None:
    threaded, limiter = start_emulator(options["recipients"])
    # The emulator stands in for Telegram's servers: its own garbage-collector pauses (a full
    # collection over the simulated users took ~100 ms) are no part of what is measured.
    freeze_startup_objects()
    sys.stdout.write(json.dumps([threaded.url, threaded.emulator.token]) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip() == "stats":
            answer: object = asdict(threaded.call(stats_of, threaded.emulator, limiter))
        else:
            answer = "bye"
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if answer == "bye":
            break
    threaded.stop()


# --- one scenario -----------------------------------------------------------------------------------------


async def seed(url: str, recipients: int) -> int:
    """N donors with one Telegram account each, and one announcement to all of them; its id."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    try:
        async with sessions() as session, session.begin():
            await bulk_donors(session, recipients, first_user=FIRST_USER, now=now)
        async with sessions() as session, session.begin():
            created = await announcements.create(
                session, text=TEXT, audience=announcements.Audience(), actor="bench", now=now
            )
        assert created.queued == recipients
        return created.id
    finally:
        await engine.dispose()


async def run_scenario(spec: Scenario) -> Result:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="donorbot-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await seed(url, spec.recipients)
        emu: Emulator = (
            await OwnProcess.start(spec.recipients)
            if spec.emulator == "process"
            else InProcess(spec.recipients)
        )
        engine = create_engine(url)
        bot = Bot(
            emu.token, base_url=f"{emu.url}/bot", base_file_url=f"{emu.url}/file/bot", request=api_request()
        )
        loop = DeliveryLoop(
            session_factory(engine),
            {"telegram": TelegramSender(bot, paid_broadcast=spec.cap > FREE_CAP)},
            SystemClock(),
            rate=spec.loop_rate,
            batch_size=spec.batch_size,
            per_chat_interval=1.0,
        )
        freeze_startup_objects()  # as `donorbot run` does before serving
        setup_seconds = time.monotonic() - started
        stop = asyncio.Event()
        try:
            async with bot:
                task = asyncio.create_task(loop.run(stop))
                deadline = time.monotonic() + spec.timeout
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    if (await emu.stats()).sent >= spec.recipients:
                        break
                stop.set()
                await asyncio.wait_for(task, 30)
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


def child(spec: Scenario) -> Result:
    """Runs one scenario in a fresh interpreter, so the peak RSS is that scenario's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--scenario", json.dumps(asdict(spec))],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return Result(**json.loads(done.stdout.strip().splitlines()[-1]))


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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 and 200 recipients")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DeliverySettings().batch_size,
        help="the loop's batch_size (default: config.toml's default)",
    )
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--serve-emulator", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator(json.loads(args.serve_emulator))
        return 0
    if args.scenario:
        result = asyncio.run(run_scenario(Scenario(**json.loads(args.scenario))))
        sys.stdout.write(json.dumps(asdict(result)) + "\n")
        return 0
    big, small = (2_000, 200) if args.quick else (10_000, 1_000)
    real_rate = DeliverySettings().rate_per_second
    specs = [
        Scenario("(a) paid broadcast", big, PAID_CAP, FAST_RATE, args.batch_size, "process", 120),
        Scenario("(b) real cap", small, FREE_CAP, real_rate, args.batch_size, "process", 120),
        Scenario(
            "(a') paid broadcast, emulator in-process",
            big,
            PAID_CAP,
            FAST_RATE,
            args.batch_size,
            "thread",
            120,
        ),
    ]
    results = []
    for spec in specs:
        result = child(spec)
        report(result)
        results.append(result)
    print(
        "broadcast "
        + " | ".join(
            f"cap={r.cap}{' emulator=in-process' if r.emulator == 'thread' else ''} "
            f"rate={r.rate:.1f} "
            f"share={r.share:.2f} r429={r.r429} dups={r.dups} missing={r.missing} rss_mb={r.rss_mb:.0f}"
            for r in results
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
