"""Engine and session factory, SQLite hardening, and schema upgrades through Alembic."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import URL, CursorResult, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from models import sqlite_driver

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# asyncpg waits 60 s by default: a start against a server that accepts but never answers would hang.
CONNECT_TIMEOUT_SECONDS = 10.0
# SQLSTATE classes of a server that refuses the connection or the schema work: connection exceptions (08),
# wrong role or password (28), unknown database (3D), too many connections (53), shutting down or
# starting (57P), and a role without the right to create the tables (42501).
_SETUP_SQLSTATES = ("08", "28", "3D", "53", "57P", "42501")


class DatabaseUnavailable(Exception):
    """The database `database.url` names cannot be opened or reached.

    The message is one line naming the database (never its password) and the reason.
    """


def dialect(session: AsyncSession) -> str:
    """The backend a session talks to ("sqlite", "postgresql"), for the statements that differ."""
    return session.get_bind().dialect.name


def rowcount(result: Any) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return int(cast(CursorResult[Any], result).rowcount)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def describe(url: str) -> str:
    """The database for messages and logs: the SQLite file, or user@host:port/name without the password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    shown = URL.create(
        parsed.get_backend_name(),
        parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )  # the query is left out too: it may hold a password
    return shown.render_as_string(hide_password=False)


def _open_sqlite_file(url: str) -> None:
    """Creates the SQLite file's folder and opens the file once with plain sqlite3, in this thread.

    A path that cannot hold a database (under /proc, a folder, a file that is not SQLite) becomes one
    clear error here. Through aiosqlite the same failure also left its worker thread printing a
    traceback after the event loop had closed.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"database.url: cannot create the folder of {path} ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA schema_version")
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"database.url: cannot open the SQLite database {path} ({exc})") from None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _setup_problem(exc: BaseException) -> str | None:
    """Why the database could not be reached or set up, in a few words; None for any other error.

    Only the server's primary message is used: asyncpg's text adds a DETAIL line that may echo values.
    """
    for error in _chain(exc):
        if isinstance(error, TimeoutError):
            return f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
        if isinstance(error, ConnectionRefusedError):
            return "connection refused: is the server running and listening on that port?"
        if isinstance(error, socket.gaierror):
            return f"unknown host ({error.strerror})"
        if isinstance(error, OSError):
            return error.strerror or type(error).__name__
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_SETUP_SQLSTATES):
            # SQLAlchemy's adapter carries the SQLSTATE, the asyncpg error under it the message
            messages = [m for e in _chain(error) if isinstance(m := getattr(e, "message", None), str)]
            return f"{messages[0] if messages else type(error).__name__} (SQLSTATE {sqlstate})"
    return None


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the connection to the server was lost (a restart, a failover, an ended session).

    The transaction was rolled back with it, so work that had not reached its commit can be done again.
    """
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy saw the connection close under the statement
        return True
    return any(
        isinstance(error, ConnectionError)
        or str(getattr(error, "sqlstate", None) or "").startswith(("08", "57P01", "57P02", "57P03"))
        for error in _chain(exc)
    )


def is_database_error(exc: BaseException) -> bool:
    """True when the error or one it was raised from comes from SQLAlchemy or a database driver."""
    return any(
        isinstance(error, (SQLAlchemyError, sqlite3.Error)) or type(error).__module__.startswith("asyncpg")
        for error in _chain(exc)
    )


def loggable(exc: BaseException) -> str:
    """What a log may say about an error: its type and, from the database driver, the SQLSTATE, table,
    column and constraint (PostgreSQL) or SQLite's message, which names columns but never values.

    Never asyncpg's text: it repeats the statement's values despite `hide_parameters`
    ("Key (phone)=(+84...) already exists", "invalid input syntax for type date: ...").
    """
    described = f"{type(exc).__module__}.{type(exc).__qualname__}"
    for error in _chain(exc):
        if isinstance(error, sqlite3.Error):
            return f"{described} ({type(error).__name__}: {error})"
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str) and type(error).__module__.startswith("asyncpg."):
            fields = [f"SQLSTATE {sqlstate}"]
            for name in ("table_name", "column_name", "constraint_name"):
                if value := getattr(error, name, None):
                    fields.append(f"{name.removesuffix('_name')} {value}")
            return f"{described} ({type(error).__name__}: {', '.join(fields)})"
    return described


def _unavailable(exc: BaseException, url: str) -> DatabaseUnavailable | None:
    problem = _setup_problem(exc)
    return None if problem is None else DatabaseUnavailable(f"database.url: {describe(url)}: {problem}")


async def check_database(url: str) -> None:
    """Connects once and runs `SELECT 1` (`donorbot config check`); raises `DatabaseUnavailable`."""
    engine = create_engine(url)  # opens a SQLite file once already
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        if (unavailable := _unavailable(exc, url)) is None:
            raise
        raise unavailable from None
    finally:
        await engine.dispose()


def create_engine(url: str, *, sqlite_cache_mb: int = 16, **kwargs: Any) -> AsyncEngine:
    """Creates the async engine; on SQLite every transaction takes the write lock up front.

    SQLite in WAL mode cannot upgrade a read transaction to a write one once another writer
    committed (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not retry). `BEGIN IMMEDIATE`
    waits for the lock instead, so concurrent chats queue rather than fail. `synchronous=FULL`
    because NORMAL in WAL mode can lose the last committed transactions on power loss.

    On PostgreSQL a connection is pinged when it is taken from the pool, so one the server dropped
    (a restart, a failover, an idle timeout) is replaced instead of failing the next turn.

    SQLite's page cache is `sqlite_cache_mb` per connection (`[database] sqlite_cache_mb`), not its own 2 MiB:
    a 500-person roster over a 1,000,000-donor file read 5 ms of pages through a 2 MiB cache, 1.5 ms
    through 16 (bench/web.py). The pages are kept only once read, so a small file never uses it all. The
    pool hands out the connection used last (LIFO): a connection's cache is dropped whenever another one
    has written since its last transaction, and the pool's default (the one idle longest) made every
    page pay that (a roster's server time 10 ms with one browser, 19 with four; bench/web.py).

    Every engine hides bound values in its errors (`hide_parameters`): they are personal data, and an
    error text reaches logs and the CLI's output.
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        _open_sqlite_file(url)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        if "poolclass" not in kwargs and make_url(url).database not in (None, "", ":memory:"):
            kwargs.setdefault("pool_use_lifo", True)  # the warmest page cache: see above
        if make_url(url).get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", sqlite_driver.dbapi())  # one thread hop per statement, not four
    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", CONNECT_TIMEOUT_SECONDS)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _harden_sqlite(engine, cache_kib=sqlite_cache_mb * 1024)
    return engine


def _harden_sqlite(engine: AsyncEngine, *, cache_kib: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")  # negative: KiB, not pages
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # a reading session's transaction (`read_session_factory`) takes no lock: WAL readers run beside
        # the one writer, on the snapshot of their first read
        deferred = conn.get_execution_options().get(_READS, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


_READS = "donorbot_reads_only"


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that only read. On SQLite their transactions are `BEGIN DEFERRED`: they neither wait for
    the write lock nor hold it, so a web page reading a province's figures (1.5 s at 1,000,000 donors) or a
    500-person roster does not keep the chat's turns waiting. Writing through one is a bug, refused at
    flush: a deferred transaction that writes after another connection committed fails with
    SQLITE_BUSY_SNAPSHOT, which no busy timeout retries. On PostgreSQL they are ordinary sessions."""
    return async_sessionmaker(
        engine.execution_options(**{_READS: True}),
        expire_on_commit=False,
        autoflush=True,
        info={_READS: True},
    )


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_reading(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_READS) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a reading session was asked to write: use a session of session_factory")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    """Brings the schema to `revision` (blocking: Alembic runs its own event loop).

    A database that cannot be reached or set up raises `DatabaseUnavailable` (one line, no password).
    """
    if is_sqlite(url):
        _open_sqlite_file(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except Exception as exc:
        if (unavailable := _unavailable(exc, url)) is None:
            raise
        raise unavailable from None


async def upgrade_database_async(url: str) -> None:
    """Runs the upgrade in a worker thread so it can be called from inside a running event loop."""
    await asyncio.to_thread(upgrade_database, url)
