"""What every `donorbot` command shares: the unit of work, the actor, and the error style.

A command changes the database the way a chat turn does: on an engine from `models.db` with the bot's
options (bound values hidden from error texts, SQLite hardened, PostgreSQL connections pinged), in ONE
transaction that commits when the command ends and rolls back when it fails, with every change audited
under ONE name (`cli:<os user>`). A mistake is ONE `UsageError`: one line on stderr naming the option and
the problem, exit code 2 as argparse uses, so a script can tell it from success (0) and from a bug (1).
"""

from __future__ import annotations

import getpass
import os
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.logs import redact
from core.config import Settings, StartupError
from core.i18n import CatalogError
from core.knowledge import KnowledgeError
from models.audit import actor_for
from models.db import DatabaseUnavailable, create_engine, session_factory, upgrade_database_async

EXIT_OK = 0
EXIT_BUG = 1  # the traceback, as Python prints it (without the secrets)
EXIT_USAGE = 2  # a wrong value, or settings or data files that load but do not work
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it


class UsageError(Exception):
    """A command-line value is wrong, or what it asks cannot be done; the message names the problem.

    Printed as `donorbot <command>: <message>`. `named=False` prints the message alone, for the few that
    name their subject first ("telegram:5551 is not an organiser.").
    """

    def __init__(self, message: str, *, named: bool = True) -> None:
        super().__init__(message)
        self.named = named


def cli_actor() -> str:
    """`cli:<os user>`, the audit log's name for whoever ran the command (`cli:uid<N>` without a name)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        user = f"uid{os.getuid()}"
    return actor_for("cli", user)


@asynccontextmanager
async def unit_of_work(settings: Settings) -> AsyncIterator[AsyncSession]:
    """The schema brought up to date, then one database session in one transaction, on its own engine.

    Commits when the block ends, rolls back when it raises. Work that must follow the commit (a message
    to Telegram that should match the role on record) goes after the block.
    """
    url = settings.database.url
    await upgrade_database_async(url)
    # hides bound values, as every engine of models/db.py; the page cache the app's engine has
    engine = create_engine(url, sqlite_cache_mb=settings.database.sqlite_cache_mb)
    try:
        async with session_factory(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def run_command(command: str, work: Awaitable[None], *, err: TextIO | None = None) -> int:
    """Awaits one command's work: `EXIT_OK`, or `EXIT_USAGE` with its `UsageError` on `err`."""
    try:
        await work
    except UsageError as exc:
        (err or sys.stderr).write(f"donorbot {command}: {exc}\n" if exc.named else f"{exc}\n")
        return EXIT_USAGE
    return EXIT_OK


def guarded(command: Callable[[], int], *, secrets: Iterable[str]) -> int:
    """Runs a command once settings are loaded; what escapes it becomes its exit code and message.

    Settings that load but do not work, and broken catalogs or data files, are one line and
    `EXIT_USAGE`; anything else is a bug: its traceback and `EXIT_BUG`. Secrets are cut out of both.
    """
    try:
        return command()
    except (StartupError, DatabaseUnavailable) as exc:  # settings that load but do not work
        print(redact(str(exc), secrets), file=sys.stderr)
        return EXIT_USAGE
    except CatalogError as exc:
        print(f"Message catalog error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KnowledgeError as exc:
        print(f"Data file error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: the traceback as Python would print it, without the secrets
        print(redact("".join(traceback.format_exception(exc)), secrets), end="", file=sys.stderr)
        return EXIT_BUG
