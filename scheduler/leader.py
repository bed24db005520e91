"""Which process runs the scheduler (and which drains the outbox) when several share one PostgreSQL database:
one leader each, the others wait.

The planners are idempotent (outbox keys), so two schedulers would not send anything twice, but they would
do every planning run twice and race for the same rows. APScheduler 3's job stores must not be shared
between processes, so the election is the database's, not APScheduler's: the leader holds a session-level
**advisory lock** (`pg_try_advisory_lock`) on a connection of its own, opened outside the pool.

- A standby tries the lock every `lease / 3` seconds and, once it has it, starts its scheduler.
- The leader pings its lock connection at the same pace; if the ping fails or takes longer than a tick, it
  stops its scheduler at once (it can no longer tell whether it still holds the lock) and becomes a standby.
- When the leader dies, its connection closes and PostgreSQL releases the lock: on a crash or SIGKILL the
  kernel closes the socket at once, and on a machine that vanished the TCP keepalives set on the lock
  connection (`lease / 3` idle, then 3 probes) end it within the lease. The next standby's try takes it.

SQLite serves one process (see README, Deployment): `bootstrap.serve` starts the scheduler there without an
election.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from models.db import create_engine, is_sqlite, loggable

_LOG = logging.getLogger(__name__)

# The two things one process of the bot does for all (64-bit keys no other app is likely to use): run the
# scheduler, and drain the outbox — one sender keeps the platforms' bot-wide rate (30 msg/s on Telegram)
# whatever the number of instances; the others' turns queue pushes for it (it polls the outbox twice a
# second when idle).
SCHEDULER_LOCK = 0x646F6E6F72626F74
DELIVERY_LOCK = 0x646F6E6F72626F75


class Role(StrEnum):
    LEADER = "leader"
    STANDBY = "standby"
    STOPPED = "stopped"


class Leadership:
    """Runs `start` when this process becomes the leader and `stop` when it stops being one."""

    def __init__(
        self,
        url: str,
        *,
        lease_seconds: float,
        start: Callable[[], None],
        stop: Callable[[], None],
        on_change: Callable[[Role], None] = lambda role: None,
        key: int = SCHEDULER_LOCK,
    ) -> None:
        self.url = url
        self.tick = lease_seconds / 3
        self._start, self._stop, self._on_change = start, stop, on_change
        self.key = key
        self.role = Role.STOPPED
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Takes part in the election until `stop` is set; ends as `STOPPED`, the lock released."""
        if is_sqlite(self.url):
            raise ValueError("SQLite serves one process: it needs no election")
        self._set(Role.STANDBY)
        try:
            self._engine = create_engine(self.url, poolclass=NullPool)
            while not stop.is_set():
                if self.role is Role.LEADER:
                    await self._keep()
                else:
                    await self._try()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.tick)
        finally:
            self._resign()
            await self._close()
            if self._engine is not None:
                await self._engine.dispose()
                self._engine = None
            self._set(Role.STOPPED)

    def _set(self, role: Role) -> None:
        self.role = role
        self._on_change(role)

    def _lead(self) -> None:
        self._set(Role.LEADER)
        _LOG.info("scheduler: this process leads")
        self._start()

    def _resign(self) -> None:
        if self.role is Role.LEADER:
            self._stop()
            self._set(Role.STANDBY)

    async def _try(self) -> None:
        assert self._engine is not None
        try:
            if self._connection is None:
                connection = await self._engine.connect()
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                # A vanished leader's lock connection ends within the lease (see the module's docstring).
                idle = max(1, int(self.tick))
                for name, value in (("idle", idle), ("interval", max(1, idle // 3)), ("count", 3)):
                    await self._connection.execute(text(f"SET tcp_keepalives_{name} = {value}"))
            got = await asyncio.wait_for(
                self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}),
                self.tick,
            )
        except Exception as exc:  # the database is away: stay a standby and try again next tick
            _LOG.warning("scheduler: cannot reach the database for the leader lock: %s", loggable(exc))
            await self._close()
            return
        if got:
            self._lead()

    async def _keep(self) -> None:
        assert self._connection is not None
        try:
            await asyncio.wait_for(self._connection.execute(text("SELECT 1")), self.tick)
        except Exception as exc:
            _LOG.warning("scheduler: lost the leader lock's connection, stopping: %s", loggable(exc))
            self._resign()
            await self._close()

    async def _close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                await connection.invalidate()  # not back to any pool: the lock must go with it
            with contextlib.suppress(Exception):
                await connection.close()
