"""Reading sessions (`models.db.read_session_factory`): on SQLite they take no write lock, so a long read
(a web page's figures) does not keep the chat's turns waiting; and they refuse to write. And each
connection's page cache is the configured one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from models import audit
from models.db import create_engine, read_session_factory, session_factory
from models.tables import AuditEntry

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}")
    async with made.begin() as connection:
        await connection.run_sync(lambda sync: AuditEntry.__table__.create(sync))
    yield made
    await made.dispose()


async def _count(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as db:
        return int(await db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def test_a_write_commits_while_a_reading_transaction_is_open(engine: AsyncEngine) -> None:
    writes = session_factory(engine)
    async with read_session_factory(engine)() as reading:
        before = await reading.scalar(select(func.count()).select_from(AuditEntry))  # its snapshot begins
        assert before == 0

        async def chat_turn() -> None:
            async with writes() as db, db.begin():
                await audit.record(db, actor="telegram:1", action="signup.create", now=NOW)

        # with BEGIN IMMEDIATE the turn would wait for the reader (busy timeout: 30 s)
        await asyncio.wait_for(chat_turn(), timeout=5)
        # the reader keeps the snapshot it began with: one consistent view for a whole page
        assert await reading.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert await _count(engine) == 1


async def test_a_reading_session_refuses_to_write_and_nothing_is_written(engine: AsyncEngine) -> None:
    async with read_session_factory(engine)() as reading:
        reading.add(AuditEntry(at=NOW, actor="web:1", action="roster.export", target=None, details={}))
        with pytest.raises(RuntimeError, match="reading session"):
            await reading.flush()
    assert await _count(engine) == 0


async def test_each_connection_has_the_configured_page_cache(tmp_path: Path) -> None:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}", sqlite_cache_mb=32)
    try:
        async with made.connect() as connection:
            assert await connection.scalar(text("PRAGMA cache_size")) == -32 * 1024  # KiB, as SQLite counts
    finally:
        await made.dispose()
