"""Fresh databases already at the latest schema, without running every migration for every test.

Running the migrations costs ~0.3 s on SQLite and ~0.5 s on PostgreSQL; with over a thousand tests that
each start from a fresh database it was the largest part of the suite's time. The migrations still run,
once per test process, into a template, and each fresh database is a copy of it:

- SQLite: `alembic.command.upgrade(…, "head")` on an empty file (what `App.prepare` and the tests'
  `upgrade_database` do first) copies the template file instead. Any other revision, or a file that holds
  anything (a database being upgraded, an engine already connected: a `-wal` file next to it), runs the
  real migrations.
- PostgreSQL: the `database_url` fixture creates its database `TEMPLATE` the migrated one, unless the test
  is marked `unmigrated` (it migrates step by step itself).

The migrations themselves are tested where that is the point (tests/integration/test_models_contract.py
compares them with the models; the `unmigrated` tests upgrade from an old revision; test_startup runs a
real `donorbot` process).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

_real_upgrade: Callable[..., None] = command.upgrade
_lock = threading.Lock()
_sqlite_template: Path | None = None
_postgres_template: str | None = None
_workdir = Path(tempfile.mkdtemp(prefix="donorbot-templates-"))


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _template_file() -> Path:
    global _sqlite_template
    with _lock:
        if _sqlite_template is None:
            path = _workdir / "template.sqlite3"
            config = Config()
            config.set_main_option("script_location", str(_script_location()))
            config.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{path}")
            _real_upgrade(config, "head")
            with sqlite3.connect(path) as db:  # everything in the main file: copies need no -wal
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db.execute("PRAGMA journal_mode=DELETE")
            _sqlite_template = path
        return _sqlite_template


def _script_location() -> Path:
    from models.db import MIGRATIONS

    return Path(MIGRATIONS)


def _upgrade(config: Config, revision: str, *args: Any, **kwargs: Any) -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    path = _sqlite_path(url.replace("%%", "%"))
    if (
        revision == "head"
        and not args
        and not kwargs
        and path is not None
        and (not path.exists() or path.stat().st_size == 0)
        and not Path(f"{path}-wal").exists()
    ):
        template = _template_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out, open(template, "rb") as source:  # keeps the file's permissions
            shutil.copyfileobj(source, out)
        return
    _real_upgrade(config, revision, *args, **kwargs)


def install() -> None:
    """Routes Alembic's upgrade through the template copy (called once, from conftest)."""
    command.upgrade = _upgrade  # type: ignore[assignment]


def _run(coroutine_factory: Callable[[], Any]) -> Any:
    """Runs a coroutine to completion on a loop of its own, in a thread (callers may be inside a loop)."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine_factory()))
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0] if result else None


def postgres_template(admin_url: str) -> str:
    """The name of this process's migrated PostgreSQL template database (created on first use)."""
    global _postgres_template
    with _lock:
        if _postgres_template is None:
            import asyncpg

            base = make_url(admin_url)
            dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
            name = f"donorbot_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"

            async def create() -> None:
                conn = await asyncpg.connect(dsn)
                try:
                    await conn.execute(f'CREATE DATABASE "{name}"')
                finally:
                    await conn.close()

            _run(create)
            config = Config()
            config.set_main_option("script_location", str(_script_location()))
            url = base.set(database=name).render_as_string(hide_password=False)
            config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
            _real_upgrade(config, "head")
            _postgres_template = name
        return _postgres_template


def drop_postgres_template(admin_url: str) -> None:
    """Drops the template at the end of the run (a killed run leaves one behind, harmlessly)."""
    if _postgres_template is None:
        return
    import asyncpg

    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    name = _postgres_template

    async def drop() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    _run(drop)


def cleanup() -> None:
    shutil.rmtree(_workdir, ignore_errors=True)
