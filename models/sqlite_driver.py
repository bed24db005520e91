"""SQLAlchemy's aiosqlite adapter, with one thread hop per statement instead of four.

aiosqlite runs each SQLite connection in a thread of its own and hands it one call at a time through a
queue; every call is a round trip: the queue, the thread waking, a future resolved back on the event loop.
SQLAlchemy's adapter makes four such calls per statement (open a cursor, execute, fetch all, close the
cursor), and a bot's turn runs five to eight statements plus BEGIN, COMMIT and the pool's reset: profiled
at about 37 hops a turn, most of a turn's wall time on an idle database (issue 18's throughput figures).

`OneHopCursor.execute` runs the whole statement — cursor, execute, fetch, close — as one call on the
connection's own thread, so the rows come back in one hop. Nothing else changes: the same thread, the
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


def _run(conn: sqlite3.Connection, operation: Any, parameters: Any) -> _Outcome:
    """The statement on the connection's own thread: (description, rows, lastrowid, rowcount)."""
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

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._connection
        try:
            conn = connection._conn  # the sqlite3 connection; raises when closed
            outcome: _Outcome = self.await_(connection._execute(_run, conn, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rows, lastrowid, rowcount = outcome
        self.description = description
        self._rows = deque(rows)
        self.lastrowid = lastrowid
        self.rowcount = rowcount


class OneHopConnection(stock.AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> stock.AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return stock.AsyncAdapt_aiosqlite_ss_cursor(self)
        return OneHopCursor(self)


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
