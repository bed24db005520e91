"""The SQLite driver (`models/sqlite_driver.py`): one call on the connection's thread per statement, the
same rows, ids, counts and errors as SQLAlchemy's own aiosqlite adapter."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from models import sqlite_driver
from models.db import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    async with made.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)"))
    yield made
    await made.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions handed to the connections' threads, by name."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", type(fn).__name__))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


def test_the_engines_of_the_app_use_it(engine: AsyncEngine) -> None:
    assert isinstance(engine.dialect.dbapi, sqlite_driver.OneHopDBAPI)
    assert engine.dialect.driver == "aiosqlite"  # the stock dialect: URLs and statement cache as they were


async def test_a_statement_is_one_call_with_its_rows_ids_and_counts(
    engine: AsyncEngine, hops: list[str]
) -> None:
    async with engine.begin() as connection:
        hops.clear()
        inserted = await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1 and hops == ["_run"]
        await connection.execute(text("INSERT INTO t (v) VALUES ('b'), ('c')"))
        hops.clear()
        rows = (await connection.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "b"), (3, "c")]
        assert hops == ["_run"], "cursor, execute, fetch and close are one hop (the stock adapter made four)"
        updated = await connection.execute(text("UPDATE t SET v = v || '!' WHERE id > :n"), {"n": 1})
        assert updated.rowcount == 2
        empty = await connection.execute(text("SELECT id FROM t WHERE id > 99"))
        assert empty.all() == []


async def test_errors_are_the_databases_and_the_transaction_is_rolled_back(engine: AsyncEngine) -> None:
    async def twice() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (v) VALUES ('x')"))
            await connection.execute(text("INSERT INTO t (v) VALUES ('x')"))

    with pytest.raises(IntegrityError):
        await twice()
    async with engine.connect() as connection:
        with pytest.raises(OperationalError):
            await connection.execute(text("SELECT nothing FROM nowhere"))
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM t"))).scalar()
    assert count == 0, "nothing half-written"


async def test_a_large_result_and_a_stream_still_work(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": f"v{n}"} for n in range(5000)])
    async with engine.connect() as connection:
        assert len((await connection.execute(text("SELECT v FROM t"))).all()) == 5000
        streamed = await connection.stream(text("SELECT v FROM t ORDER BY id"))
        assert [row.v async for row in streamed][:2] == ["v0", "v1"]  # the stock server-side cursor


async def test_begin_goes_with_the_first_statement_and_an_unused_transaction_costs_no_hop(
    engine: AsyncEngine, hops: list[str]
) -> None:
    async with engine.connect() as warm:  # the pool's connection is open before counting
        await warm.execute(text("SELECT 1"))
    hops.clear()
    async with engine.begin() as connection:  # BEGIN IMMEDIATE (models.db), then one statement
        await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
    assert hops == ["_run", "commit"], "BEGIN rides in the INSERT's hop"
    hops.clear()
    async with engine.begin():
        pass
    assert hops == [], "a transaction that ran nothing begins, commits and is reset without a hop"
    hops.clear()
    async with engine.connect() as connection:
        await connection.execute(text("SELECT count(*) FROM t"))
    assert hops == ["_run", "rollback"]  # the pool's reset of a connection in a transaction (its read)


async def test_the_deferred_begin_still_makes_one_transaction(engine: AsyncEngine, tmp_path: Path) -> None:
    async def half() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
            await connection.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "a"}])

    with pytest.raises(IntegrityError):
        await half()
    async with engine.begin() as connection:  # the write lock is taken at the first statement
        await connection.execute(text("SELECT count(*) FROM t"))
        rival = sqlite3.connect(tmp_path / "one.db", timeout=0.05, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                rival.execute("BEGIN IMMEDIATE")
        finally:
            rival.close()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 0, "all rolled back"
