"""Throughput benchmark: N people registering at once through the Bot API emulator, against real bots.

Run: .venv/bin/python bench/throughput.py [--people 200] [--only echo,sqlite,pg1,pg2] [--quick]

Each person does a whole registration — /start, I agree, name, birth date, sex, phone, blood group, ward,
"never donated", Confirm, "yes" to the reserve question, then one question in free text: 12 updates, half
of them button presses — waiting for the bot's answer to each before the next, as a person does. Everyone
starts at once. The emulator and the people live in this process; the bots are real subprocesses
(`python -m bot.cli run`), so they do not share an interpreter with the emulator:

  echo  a bare python-telegram-bot echo bot (bench/echo_bot.py, polling): the framework's own ceiling
        on this emulator and machine (the people wait for an echo instead of the bot's questions);
  sqlite  the bot on a SQLite file, polling;
  pg1   the bot on PostgreSQL, Telegram by webhook;
  pg2   two instances on one PostgreSQL database behind a round-robin proxy (in this process), by webhook.

Figures: updates/s (all updates over the wall time from the first /start to the last answer), and each
update's latency — from the emulator queueing it to the bot's first message in that chat after it — p50
and p95, in ms. The goals (issue 18): >= 0.5 x the echo bot's updates/s with p95 < 50 ms on one instance,
and two instances >= 1.6 x one. The last line holds the figures. On this 2-core machine the emulator, the
people, PostgreSQL and the bots share the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulators.telegram import SimUser, TelegramEmulator  # noqa: E402

SECRET = "bench-webhook-secret"
FIRST_USER = 930_000_000
ADMIN_URL = os.environ.get("DONORBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hoa",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Minh",
    "Nam",
    "Ngọc",
    "Phúc",
    "Quang",
    "Sơn",
    "Thảo",
    "Vy",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Quốc", "Thanh", "Hữu", "Xuân", "Gia"]


def name_of(n: int) -> str:
    """A different plausible name for each of the first 2,000 people (names take no digits)."""
    given, rest = GIVEN[n % len(GIVEN)], n // len(GIVEN)
    return f"Nguyễn {MIDDLE[rest % len(MIDDLE)]} {GIVEN[(rest // len(MIDDLE)) % len(GIVEN)]} {given}"


class Inbox:
    """One event per chat, set soon after the bot sends something there (an emulator hook sees the call
    before it is answered, so a waiter also re-checks every 50 ms)."""

    SENDS = frozenset({"sendmessage", "senddocument", "sendphoto", "editmessagetext"})

    def __init__(self) -> None:
        self.events: dict[int, asyncio.Event] = {}

    async def hook(self, call: Any) -> None:
        if call.method.lower() in self.SENDS:
            with contextlib.suppress(TypeError, ValueError):
                event = self.events.setdefault(int(call.params.get("chat_id")), asyncio.Event())
                asyncio.get_running_loop().call_later(0.001, event.set)

    async def wait(self, chat: int) -> None:
        event = self.events.setdefault(chat, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), 0.05)
        event.clear()


class Person:
    """One simulated person: sends an update, waits for the bot's next message in their chat."""

    def __init__(self, emu: TelegramEmulator, inbox: Inbox, n: int) -> None:
        self.emu = emu
        self.inbox = inbox
        self.user: SimUser = emu.user(FIRST_USER + n, f"Người {n}", language_code="vi")
        self.n = n
        self.latencies: list[float] = []

    async def _turn(self, action: Callable[[], Awaitable[Any]], needle: str | None) -> None:
        chat = self.user.chat_id
        seen = len(self.emu.messages(chat))
        started = time.monotonic()
        await action()

        def answered() -> bool:
            new = self.emu.messages(chat)[seen:]
            return bool(new) and (needle is None or any(needle in m.text for m in new))

        # Woken by a send to this chat (see `Inbox`), not by every API call: with the emulator's one
        # notifier, 200 waiters re-checked on each of thousands of calls made this process the bottleneck.
        deadline = started + 120
        while not answered():
            if time.monotonic() > deadline:
                raise AssertionError(f"person {self.n}: no answer with {needle!r}")
            await self.inbox.wait(chat)
        self.latencies.append(time.monotonic() - started)

    async def say(self, text: str, needle: str | None = None) -> None:
        await self._turn(lambda: self.emu.send_text(self.user, text), needle)

    async def press(self, label: str, needle: str | None = None) -> None:
        message = self.emu.last_keyboard_message(self.user.chat_id)
        await self._turn(lambda: self.emu.press(self.user, message, message.button(label)), needle)

    async def register(self) -> None:
        await self.say("/start", "Luật Bảo vệ dữ liệu cá nhân")
        await self.press("Đồng ý", "Họ và tên")
        await self.say(name_of(self.n), "Ngày sinh")
        await self.say("3/8/1995", "Giới tính")
        await self.press("Nam", "số điện thoại")
        await self.say(f"09{self.n + 10_000_000:08d}", "Nhóm máu")
        await self.press("O+", "phường/xã")
        await self.press("Nhị Chiểu", "đã từng hiến máu chưa")
        await self.press("Chưa từng hiến", "Xác nhận")
        await self.press("Xác nhận", "dự bị")
        await self.press("Có")
        await self.say("toi nang 50kg co hien mau duoc khong")

    async def echo(self) -> None:
        for n in range(12):
            await self.say(f"tin nhắn {n}")


@asynccontextmanager
async def round_robin(upstreams: list[str]) -> AsyncIterator[str]:
    """A reverse proxy that sends each request to the next upstream in turn (nginx's default)."""
    turn = itertools.cycle(upstreams)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def forward(request: web.Request) -> web.Response:
            headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
            headers["Content-Type"] = "application/json"
            async with http.post(
                next(turn) + request.path, data=await request.read(), headers=headers
            ) as answer:
                return web.Response(status=answer.status, body=await answer.read())

        proxy = web.Application()
        proxy.router.add_post("/{tail:.*}", forward)
        runner = web.AppRunner(proxy, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}"
        finally:
            await runner.cleanup()


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    import asyncpg

    name = f"donorbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def start(argv: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=sink
        )


async def stop(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            process.terminate()
    for process in processes:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 20)
        if process.returncode is None:
            process.kill()
            await process.wait()


def bot_config(
    tmp: Path, n: int, emu: TelegramEmulator, url: str, *, webhook: bool, port: int, public: str = ""
) -> Path:
    data = tmp / f"bot{n}"
    data.mkdir(exist_ok=True)
    lines = [
        f'[bot]\ndata_dir = "{data}"',
        f'[database]\nurl = "{url}"',
        f'[telegram]\napi_base_url = "{emu.url}"\npoll_timeout = 1'
        + ('\nmode = "webhook"' if webhook else ""),
        f'[web]\nport = {port}\npublic_url = "{public or f"http://127.0.0.1:{port}"}"\nenabled = true',
    ]
    config = tmp / f"config{n}.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def port_of(config: Path) -> int:
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.startswith("port = "):
            return int(line.split("=")[1])
    raise ValueError(config)


async def ready(port: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"the bot on port {port} did not become ready")


async def scenario(name: str, people: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DONORBOT_", "TELEGRAM_", "ZALO_"))}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        log = tmp / "bots.log"
        async with TelegramEmulator() as emu, contextlib.AsyncExitStack() as stack:
            env["TELEGRAM_BOT_TOKEN"] = emu.token
            env["TELEGRAM_WEBHOOK_SECRET"] = SECRET
            bots: list[asyncio.subprocess.Process] = []
            python = [sys.executable]
            if name == "echo":
                bots.append(await start([*python, "bench/echo_bot.py", emu.url], env, log))
                await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=60, what="polling")
            else:
                if name == "sqlite":
                    url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
                else:
                    url = await stack.enter_async_context(postgres_database())
                webhook = name != "sqlite"
                instances = 2 if name == "pg2" else 1
                ports = [free_port() for _ in range(instances)]
                public = ""
                if instances > 1:
                    upstreams = [f"http://127.0.0.1:{port}" for port in ports]
                    public = await stack.enter_async_context(round_robin(upstreams))
                configs = [
                    bot_config(tmp, n, emu, url, webhook=webhook, port=port, public=public)
                    for n, port in enumerate(ports)
                ]
                for config in configs:
                    bots.append(
                        await start([*python, "-m", "bot.cli", "--config", str(config), "run"], env, log)
                    )
                    await ready(port_of(config))
            try:
                inbox = Inbox()
                emu.add_hook(inbox.hook)
                crowd = [Person(emu, inbox, n) for n in range(people)]
                started = time.monotonic()
                await asyncio.gather(*(p.echo() if name == "echo" else p.register() for p in crowd))
                wall = time.monotonic() - started
            except BaseException:
                sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-3000:])
                raise
            finally:
                await stop(bots)
    latencies = sorted(x for p in crowd for x in p.latencies)
    updates = len(latencies)
    return {
        "updates": updates,
        "ups": updates / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (updates - 1))] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--only", default="echo,sqlite,pg1,pg2")
    parser.add_argument("--quick", action="store_true", help="50 people")
    args = parser.parse_args()
    people = 50 if args.quick else args.people
    figures: dict[str, dict[str, float]] = {}
    for name in args.only.split(","):
        figures[name] = found = asyncio.run(scenario(name, people))
        print(
            f"{name}: {found['updates']:.0f} updates, {found['ups']:.1f}/s, "
            f"p50 {found['p50_ms']:.1f} ms, p95 {found['p95_ms']:.1f} ms",
            flush=True,
        )
    parts = [f"people={people}"]
    for name, found in figures.items():
        parts += [
            f"{name}_ups={found['ups']:.1f}",
            f"{name}_p50_ms={found['p50_ms']:.1f}",
            f"{name}_p95_ms={found['p95_ms']:.1f}",
        ]
    if "echo" in figures:
        for name in ("sqlite", "pg1"):
            if name in figures:
                parts.append(f"{name}_vs_echo={figures[name]['ups'] / figures['echo']['ups']:.2f}")
    if "pg1" in figures and "pg2" in figures:
        parts.append(f"pg2_vs_pg1={figures['pg2']['ups'] / figures['pg1']['ups']:.2f}")
    print("throughput " + " ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
