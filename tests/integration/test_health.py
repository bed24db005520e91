"""/readyz and /metrics asked over HTTP of the app's server: ready only with the database answering, the
delivery loop and the scheduler running and the outbox backlog under its limit; turns and outcomes counted,
with no personal data in any label."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.bootstrap import App, build_app
from bot.web import health
from bot.web.server import WebServer
from handlers.messages import Incoming, InputKind
from models import outbox
from models.tables import ChannelAccount
from scheduler.leader import Role
from tests.helpers import FixedClock, make_settings, shared_knowledge


@asynccontextmanager
async def app_serving(tmp_path: Path, **web: Any) -> AsyncIterator[tuple[App, aiohttp.ClientSession]]:
    settings = make_settings(tmp_path, web={"port": 0, **web})
    app = build_app(settings, clock=FixedClock(), knowledge=shared_knowledge())
    await app.prepare()
    server = WebServer(settings, clock=app.clock)
    health.mount(server, app)
    await server.start()
    try:
        async with aiohttp.ClientSession(server.base_url) as client:
            yield app, client
    finally:
        await server.stop()
        await app.close()


async def readyz(client: aiohttp.ClientSession) -> tuple[int, list[str]]:
    async with client.get("/readyz") as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.status, (await response.text()).splitlines()


async def test_not_ready_until_delivery_and_scheduler_run(tmp_path: Path) -> None:
    async with app_serving(tmp_path) as (app, client):
        status, lines = await readyz(client)
        assert status == 503
        assert lines == [
            "not ready",
            "database ok ok",
            "delivery FAIL stopped",
            "scheduler FAIL stopped",
            "outbox_backlog ok 0 due (limit 10000)",
        ]
        app.running.set(delivery=Role.LEADER, scheduler=Role.LEADER)
        status, lines = await readyz(client)
        assert status == 200 and lines[0] == "ready"
        app.running.set(delivery=Role.STOPPED, scheduler=Role.STOPPED)


async def test_a_backlog_over_the_limit_is_not_ready(tmp_path: Path) -> None:
    async with app_serving(tmp_path, ready_max_backlog=2) as (app, client):
        app.running.set(delivery=Role.LEADER, scheduler=Role.LEADER)
        now = app.clock.now()
        async with app.sessions() as session, session.begin():
            account = ChannelAccount(platform="telegram", user_id="501", chat_id="501", created_at=now)
            session.add(account)
            await session.flush()
            for n in range(3):  # due an hour ago, not sent: backlog
                await outbox.enqueue(
                    session,
                    account_id=account.id,
                    kind="reminder",
                    text=f"r{n}",
                    key=f"k{n}",
                    about_donor_id=None,
                    due_at=now - timedelta(hours=1),
                )
            await outbox.enqueue(  # tomorrow's reminder is planned, not late
                session,
                account_id=account.id,
                kind="reminder",
                text="later",
                key="later",
                about_donor_id=None,
                due_at=now + timedelta(days=1),
            )
        status, lines = await readyz(client)
        assert status == 503 and "outbox_backlog FAIL 3 due (limit 2)" in lines
        async with client.get("/metrics") as response:
            page = await response.text()
        assert 'donorbot_outbox_backlog{kind="reminder"} 3.0' in page
        app.running.set(delivery=Role.STOPPED, scheduler=Role.STOPPED)


async def test_an_unreachable_database_is_not_ready(tmp_path: Path) -> None:
    refused = "postgresql+asyncpg://postgres@127.0.0.1:1/none"  # nothing listens on port 1
    settings = make_settings(tmp_path, database_url=refused, web={"port": 0})
    app = build_app(settings, clock=FixedClock(), knowledge=shared_knowledge())
    app.running.set(delivery=Role.LEADER, scheduler=Role.LEADER)
    server = WebServer(settings, clock=app.clock)
    health.mount(server, app)
    await server.start()
    try:
        async with aiohttp.ClientSession(server.base_url) as client:
            status, lines = await readyz(client)
            assert status == 503 and lines[1].startswith("database FAIL ")
            assert not any(line.startswith("outbox_backlog") for line in lines)
            async with client.get("/metrics") as response:  # the counters are still there
                assert response.status == 200
                assert "donorbot_updates_total" in await response.text()
    finally:
        await server.stop()
        await app.close()
        app.running.set(delivery=Role.STOPPED, scheduler=Role.STOPPED)


async def test_turns_are_counted_by_channel_without_personal_labels(tmp_path: Path) -> None:
    async with app_serving(tmp_path) as (app, client):

        async def sample(page: str, name: str) -> float:
            for line in page.splitlines():
                key, _, value = line.rpartition(" ")
                if key == name:
                    return float(value)
            return 0.0

        async def page() -> str:
            async with client.get("/metrics") as response:
                return await response.text()

        ok = 'donorbot_updates_total{channel="console",outcome="ok"}'
        turns = 'donorbot_turn_seconds_count{channel="console"}'
        before = await page()
        for text in ("/start", "Nguyễn Văn An 0912345678"):
            await app.dispatcher.handle(
                Incoming(
                    platform="console",
                    user_id="u-0912345678",
                    chat_id="c-0912345678",
                    kind=InputKind.TEXT,
                    text=text,
                )
            )
        after = await page()
        assert await sample(after, ok) == await sample(before, ok) + 2
        assert await sample(after, turns) == await sample(before, turns) + 2
        assert "0912345678" not in after and "Nguyễn" not in after, "no id or text in a label"


class TcpRelay:
    """A TCP forwarder to PostgreSQL that can be cut (every connection dropped, the port refused) and
    restored on the same port: the database going away and coming back, as the app sees it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._pipes |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._pipes:
            writer.transport.abort()
        self._pipes.clear()
        await self._server.wait_closed()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_readyz_follows_the_database_going_away_and_coming_back(
    tmp_path: Path, database_url: str
) -> None:
    url = make_url(database_url)
    relay = TcpRelay((url.host or "127.0.0.1", url.port or 5432))
    await relay.start()
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    settings = make_settings(tmp_path, database_url=relayed, web={"port": 0})
    app = build_app(settings, clock=FixedClock(), knowledge=shared_knowledge())
    app.running.set(delivery=Role.LEADER, scheduler=Role.LEADER)
    server = WebServer(settings, clock=app.clock)
    health.mount(server, app)
    await server.start()
    try:
        async with aiohttp.ClientSession(server.base_url) as client:
            assert (await readyz(client))[0] == 200
            await relay.cut()  # PostgreSQL stops, as far as the app can tell
            status, lines = await readyz(client)
            assert status == 503 and lines[1].startswith("database FAIL"), lines
            await relay.start()  # and comes back on the same address
            status, lines = await readyz(client)
            assert status == 200, lines
    finally:
        await server.stop()
        await relay.cut()
        await app.close()
        app.running.set(delivery=Role.STOPPED, scheduler=Role.STOPPED)
