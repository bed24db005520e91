"""A throwaway PostgreSQL database for a benchmark run (`bench/report.py`, `bench/web.py`): made with a
random name on the server the run was given, dropped (with its connections) at the end."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import make_url


async def create(server: str, prefix: str) -> tuple[str, str]:
    """A new database `{prefix}_{random}` on `server`: (its URL, the server's asyncpg DSN to drop it by)."""
    import asyncpg

    base = make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.set(database=name).render_as_string(hide_password=False), dsn


async def drop(dsn: str, url: str) -> None:
    """Drops the database of `url`, ending its connections."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await conn.close()
