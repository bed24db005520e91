"""`/readyz` and `/metrics` on the process's HTTP server (`/healthz`, "the process is up", is its own).

`/readyz` is what a load balancer or systemd watchdog asks before sending work: the database answers
within a second, this process's delivery loop and scheduler are running, and the outbox backlog (rows due
and not sent) is under `web.ready_max_backlog`. It answers 200 or 503 with one line per check, and never
anything about a person. `/metrics` is Prometheus' text format (core/metrics); the backlog gauge is read
from the database when scraped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bootstrap import App
from bot.web.server import WebServer
from core import metrics
from models import outbox
from models.db import loggable
from scheduler.leader import Role

log = logging.getLogger("donorbot.web")

DATABASE_TIMEOUT = 1.0  # seconds: a database slower than this is not ready for a turn either


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


async def _backlog(sessions: async_sessionmaker[AsyncSession], app: App) -> dict[str, int]:
    """The outbox backlog by kind; reading it is also the database check (no separate `SELECT 1`)."""
    async with sessions() as session:
        return await outbox.backlog_by_kind(session, now=app.clock.now())


async def checks(app: App) -> list[Check]:
    """The readiness checks, in order; the database's includes reading the backlog."""
    found: list[Check] = []
    backlog: int | None = None
    try:
        by_kind = await asyncio.wait_for(_backlog(app.sessions, app), DATABASE_TIMEOUT)
        backlog = sum(by_kind.values())
        found.append(Check("database", True, "ok"))
    except Exception as exc:  # unreachable, refused, timed out: not ready, and say which kind of error
        log.warning("readyz: database check failed: %s", loggable(exc))
        found.append(Check("database", False, type(exc).__name__))
    if app.running.web_only:  # `donorbot web`: the bot's own process sends and plans
        found.append(Check("delivery", True, "not in this process (donorbot web)"))
        found.append(Check("scheduler", True, "not in this process (donorbot web)"))
    else:
        delivery = app.running.delivery  # a standby is ready: another process sends
        found.append(Check("delivery", delivery is not Role.STOPPED, str(delivery)))
        role = app.running.scheduler  # a standby is ready: another process runs the scheduler
        found.append(Check("scheduler", role is not Role.STOPPED, str(role)))
    limit = app.settings.web.ready_max_backlog
    if backlog is not None:
        found.append(Check("outbox_backlog", backlog <= limit, f"{backlog} due (limit {limit})"))
    return found


def readiness(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def readyz(request: web.Request) -> web.Response:
        found = await checks(app)
        ready = all(check.ok for check in found)
        body = "".join(f"{c.name} {'ok' if c.ok else 'FAIL'} {c.detail}\n" for c in found)
        return web.Response(
            text=("ready\n" if ready else "not ready\n") + body,
            status=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    return readyz


def scrape(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def metrics_page(request: web.Request) -> web.Response:
        try:
            by_kind = await asyncio.wait_for(_backlog(app.sessions, app), DATABASE_TIMEOUT)
        except Exception as exc:  # the rest of the metrics are still worth reading
            log.warning("metrics: backlog not read: %s", loggable(exc))
        else:
            metrics.OUTBOX_BACKLOG.clear()
            for kind, count in by_kind.items():
                metrics.OUTBOX_BACKLOG.labels(kind).set(count)
        return web.Response(
            body=metrics.exposition(),
            headers={"Content-Type": metrics.CONTENT_TYPE, "Cache-Control": "no-store"},
        )

    return metrics_page


def mount(server: WebServer, app: App) -> None:
    """Adds /readyz and /metrics (before the server starts)."""
    server.add_route("GET", "/readyz", readiness(app), name="readyz")
    server.add_route("GET", "/metrics", scrape(app), name="metrics")
