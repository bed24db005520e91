"""Several processes on one PostgreSQL database: exactly one runs the scheduler, and when it dies (SIGKILL)
another takes over within the lease."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.leader import Leadership, Role

pytestmark = pytest.mark.postgres
POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
LEASE = 3.0  # seconds: a tick of one second
ROOT = Path(__file__).resolve().parents[2]


class Seat:
    """One process's part in the election, as serve wires it: start/stop count the scheduler's runs."""

    def __init__(self, url: str) -> None:
        self.started = self.stopped = 0
        self.stop = asyncio.Event()
        self.leadership = Leadership(url, lease_seconds=LEASE, start=self._start, stop=self._stop)
        self.task: asyncio.Task[None] | None = None

    def _start(self) -> None:
        self.started += 1

    def _stop(self) -> None:
        self.stopped += 1

    def begin(self) -> Seat:
        self.task = asyncio.create_task(self.leadership.run(self.stop))
        return self

    async def end(self) -> None:
        self.stop.set()
        assert self.task is not None
        await self.task

    @property
    def leads(self) -> bool:
        return self.leadership.role is Role.LEADER


async def until(condition: Callable[[], bool], within: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@POSTGRES
async def test_one_leads_and_the_other_takes_over_when_it_stops(database_url: str) -> None:
    first = Seat(database_url).begin()
    await until(lambda: first.leads, LEASE)
    second = Seat(database_url).begin()
    await asyncio.sleep(LEASE)  # three of its tries
    assert second.leadership.role is Role.STANDBY and second.started == 0, "two leaders"
    await first.end()
    assert first.stopped == 1 and first.leadership.role is Role.STOPPED
    await until(lambda: second.leads, LEASE)
    assert second.started == 1
    await second.end()
    assert second.stopped == 1


@POSTGRES
async def test_a_killed_leader_is_replaced_within_the_lease(database_url: str) -> None:
    script = (
        "import asyncio, sys\n"
        "from scheduler.leader import Leadership\n"
        "async def main():\n"
        "    stop = asyncio.Event()\n"
        f"    lead = Leadership(sys.argv[1], lease_seconds={LEASE},"
        " start=lambda: print('LEADER', flush=True), stop=lambda: None)\n"
        "    await lead.run(stop)\n"
        "asyncio.run(main())\n"
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        database_url,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line.strip() == b"LEADER"
        standby = Seat(database_url).begin()
        await asyncio.sleep(LEASE / 2)
        assert standby.leadership.role is Role.STANDBY
        child.send_signal(signal.SIGKILL)
        await child.wait()
        took = await until(lambda: standby.leads, LEASE)
        assert standby.started == 1
        assert took < LEASE, f"takeover after SIGKILL took {took:.2f} s"
        await standby.end()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


@POSTGRES
async def test_a_leader_that_loses_its_connection_stops_its_scheduler(database_url: str) -> None:
    """The server ends the lock's connection (a failover, an administrator): the leader stops planning at
    once, and leads again once it has the lock back."""
    import asyncpg
    from sqlalchemy.engine import make_url

    seat = Seat(database_url).begin()
    await until(lambda: seat.leads, LEASE)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert ended == 1
    finally:
        await admin.close()
    await until(lambda: seat.stopped == 1, LEASE)
    await until(lambda: seat.started == 2, LEASE * 2)
    await seat.end()
