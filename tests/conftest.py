"""Shared fixtures. Factories live in tests/helpers.py."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import migrated
from tests.helpers import BotHarness, FixedClock, running_bot


def pytest_configure(config: pytest.Config) -> None:
    migrated.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    admin = _postgres_admin_url()
    if admin is not None:
        migrated.drop_postgres_template(admin)
    migrated.cleanup()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def bot(tmp_path: Path, clock: FixedClock) -> AsyncIterator[BotHarness]:
    """The real PTB application polling the local Bot API emulator, on a fresh SQLite file."""
    async with running_bot(tmp_path, clock) as harness:
        yield harness


def _postgres_admin_url() -> str | None:
    return os.environ.get("DONORBOT_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database on each backend: a temp SQLite file, or a throwaway PostgreSQL db.

    The PostgreSQL one is a copy of a migrated template (tests/migrated.py), unless the test is marked
    `unmigrated`; the SQLite file is empty and becomes a copy of the template when it is upgraded to head."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'contract.sqlite3'}"
        return
    admin = _postgres_admin_url()
    if admin is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs PostgreSQL: run the suite through scripts/test")
        pytest.skip("no PostgreSQL server (scripts/test starts one; set DONORBOT_TEST_POSTGRES_URL)")
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(admin)
    name = f"donorbot_test_{uuid.uuid4().hex[:12]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    template = (
        None
        if request.node.get_closest_marker("unmigrated")
        else await asyncio.to_thread(migrated.postgres_template, admin)
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
