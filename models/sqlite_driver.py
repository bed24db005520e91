"""SQLAlchemy's aiosqlite adapter, with one thread hop per statement instead of four.

aiosqlite runs each SQLite connection in a thread of its own and hands it one call at a time through a
queue; every call is a round trip: the queue, the thread waking, a future resolved back on the event loop.
SQLAlchemy's adapter makes four such calls per statement (open a cursor, execute, fetch all, close the
cursor), and a bot's turn runs five to eight statements plus BEGIN, COMMIT and the pool's reset: profiled
at about 37 hops a turn, most of a turn's wall time on an idle database (issue 18's throughput figures).

`OneHopCursor.execute` runs the whole statement — cursor, execute, fetch, close — as one call on the
connection's own thread, so the rows come back in one hop. A transaction's BEGIN (`models.db` sends
`BEGIN IMMEDIATE`) is not a hop of its own: it waits and runs in the hop of the transaction's first
statement (before an `executemany` or a server-side cursor, on its own), and a transaction that ran no
statement ends without a hop; the pool's rollback of a connection in no transaction is skipped too. A
page of the web went from 7 to 5 hops. Nothing else changes: the same thread, the
same sqlite3 connection and its order of calls, the same errors (raised from that thread, as before),
the same rows; server-side cursors, `executemany`, commit and rollback are SQLAlchemy's own.

It is given to the stock `sqlite+aiosqlite` dialect as its DBAPI module (`create_engine(module=…)`,
`models.db.create_engine`), so URLs, the statement cache and everything the dialect does stay as they
are. It uses aiosqlite's `Connection._execute` (present from 0.17 to 0.22; pyproject pins below 0.23):
where that is missing, the stock cursor is used.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite import aiosqlite as stock

__all__ = ["OneHopDBAPI", "dbapi"]

_Outcome = tuple[Any, list[Any], int, int]


_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED"})


def _run(conn: sqlite3.Connection, operation: Any, parameters: Any, begin: str | None = None) -> _Outcome:
    """The statement on the connection's own thread, after the transaction's `begin` when one is waiting:
    (description, rows, lastrowid, rowcount)."""
    if begin is not None:
        conn.execute(begin)
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], -1 if cursor.lastrowid is None else cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneHopCursor(stock.AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose `execute` is one call on the connection's thread."""

    __slots__ = ()

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        adapted = self._adapt_connection
        if isinstance(adapted, OneHopConnection):
            adapted._send_begin()
        return super().executemany(operation, seq_of_parameters)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        adapted = self._adapt_connection
        if isinstance(adapted, OneHopConnection) and parameters in (None, ()) and operation in _BEGINS:
            adapted.begin_later(operation)  # sent with the transaction's first statement
            self.description, self._rows, self.lastrowid, self.rowcount = None, deque(), -1, -1
            return
        connection = self._connection
        begin = adapted.take_begin() if isinstance(adapted, OneHopConnection) else None
        try:
            conn = connection._conn  # the sqlite3 connection; raises when closed
            outcome: _Outcome = self.await_(connection._execute(_run, conn, operation, parameters, begin))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rows, lastrowid, rowcount = outcome
        self.description = description
        self._rows = deque(rows)
        self.lastrowid = lastrowid
        self.rowcount = rowcount


class OneHopConnection(stock.AsyncAdapt_aiosqlite_connection):
    """A connection whose BEGIN waits for the transaction's first statement and goes in its hop; a
    transaction that ran none commits or rolls back without one (the pool's reset of an unused one)."""

    __slots__ = ("_begin",)

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin: str | None = None

    def begin_later(self, operation: str) -> None:
        self._begin = operation

    def take_begin(self) -> str | None:
        begin, self._begin = self._begin, None
        return begin

    def _send_begin(self) -> None:
        """The waiting BEGIN on its own, before a call that is not a plain statement."""
        begin = self.take_begin()
        if begin is not None:
            try:
                self.await_(self._connection.execute(begin))
            except Exception as error:
                self._handle_exception(error)

    def cursor(self, server_side: bool = False) -> stock.AsyncAdapt_aiosqlite_cursor:
        if server_side:
            self._send_begin()
            return stock.AsyncAdapt_aiosqlite_ss_cursor(self)
        return OneHopCursor(self)

    def commit(self) -> None:
        if self.take_begin() is None:  # else: nothing ran, nothing to commit
            super().commit()

    def rollback(self) -> None:
        if self.take_begin() is not None:
            return
        try:
            idle = not self._connection._conn.in_transaction
        except ValueError:  # closed: as the stock rollback reports it
            idle = False
        if not idle:
            super().rollback()


class OneHopDBAPI(stock.AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given: connections with `OneHopCursor`."""

    def connect(self, *arg: Any, **kw: Any) -> stock.AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not stock.AsyncAdapt_aiosqlite_connection:  # the sync fallback: as it is
            return adapted
        return OneHopConnection(self, adapted._connection)


def dbapi() -> stock.AsyncAdapt_aiosqlite_dbapi:
    """The module for `create_async_engine(module=…)`: one hop per statement where aiosqlite allows."""
    if not hasattr(aiosqlite.Connection, "_execute"):
        return stock.AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite3)
    return OneHopDBAPI(aiosqlite, sqlite3)
