"""`donorbot db upgrade` and `donorbot db copy --to URL`: the schema, and every row into another database."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.harness import EXIT_OK, EXIT_USAGE, UsageError, run_command
from core.config import Settings
from models.copying import TargetNotEmpty, copy_all
from models.db import create_engine, describe, is_sqlite, upgrade_database_async


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database schema, and copying it all to another database")
    db.add_argument("action", choices=["upgrade", "copy", "backup"])
    db.add_argument(
        "--to",
        metavar="URL|FILE",
        help="copy: the (empty) database to copy into, e.g. postgresql+asyncpg://donorbot@db/donorbot; "
        "backup: the file to write the SQLite backup to",
    )


def backup(args: argparse.Namespace, settings: Settings) -> int:
    """`donorbot db backup --to FILE`: an online copy of the SQLite file (safe while the bot runs).

    SQLite's backup API copies the pages under a read lock a few at a time, so the bot goes on writing;
    the copy is one consistent state. Restoring is stopping the bot and putting the file back (or
    `db copy` from it). PostgreSQL has its own tools (pg_dump; see docs/OPERATIONS.md)."""
    url = settings.database.url
    if not is_sqlite(url):
        print(
            "donorbot db backup: the database is PostgreSQL: use pg_dump (docs/OPERATIONS.md)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not args.to:
        print("donorbot db backup: backup needs --to FILE", file=sys.stderr)
        return EXIT_USAGE
    target = Path(args.to)
    if target.exists():
        print(f"donorbot db backup: {target} exists: name a new file", file=sys.stderr)
        return EXIT_USAGE
    source_path = make_url(url).database
    assert source_path is not None
    with (
        contextlib.closing(sqlite3.connect(source_path)) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy, pages=256)
    print(f"Backed up {source_path} to {target}.")
    return EXIT_OK


async def copy(args: argparse.Namespace, settings: Settings) -> int:
    """Runs `donorbot db copy`; 0 on success, 2 with a message on a mistake."""
    return await run_command("db copy", _copy(args, settings))


async def _copy(args: argparse.Namespace, settings: Settings) -> None:
    """Both schemas brought to the newest migration, then every row copied in one transaction."""
    if not args.to:
        raise UsageError("copy needs --to URL, the database to copy into")
    try:
        target_url = make_url(args.to).render_as_string(hide_password=False)
    except Exception:
        raise UsageError("--to: not a database URL (e.g. postgresql+asyncpg://user@host/db)") from None
    source_url = settings.database.url
    if make_url(target_url) == make_url(source_url):
        raise UsageError("--to is the database the bot uses now: copy into another one")
    await upgrade_database_async(source_url)
    await upgrade_database_async(target_url)
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        copied = await copy_all(source, target)
    except TargetNotEmpty as full:
        raise UsageError(
            f"--to {describe(target_url)} already holds rows (in {full}); copy into an empty one"
        ) from None
    finally:
        await source.dispose()
        await target.dispose()
    for table in copied:
        print(f"{table.table}: {table.rows}")
    total = sum(table.rows for table in copied)
    print(
        f"Copied {total} rows of {len(copied)} tables from {describe(source_url)} to {describe(target_url)}."
    )
