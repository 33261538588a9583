"""SQLAlchemy's aiosqlite driver, with one trip to SQLite's thread per statement instead of three.

aiosqlite runs every SQLite call on a thread of its own, and each call is a round trip: the
event loop queues it, the thread runs it, then wakes the loop through its self-pipe.
SQLAlchemy's adapter makes three such trips for each statement (open a cursor, execute,
then fetch the rows or close the cursor). On the bot's hot path, where storing a note is
about ten short statements, those wake-ups cost more CPU than SQLite itself.

:class:`OneTripDBAPI` is the same adapter, except that a statement's cursor is opened,
executed, read and closed in one function run on aiosqlite's thread. It is handed to
``create_async_engine`` as its DBAPI ``module`` (see :mod:`bot.storage.engine`).

Inside a transaction that already holds SQLite's write lock (``BEGIN IMMEDIATE``, see
:func:`holding_write_lock`), a statement makes no trip at all: it runs right here, on the
event loop's thread. Nothing it does can wait for a lock then (in WAL mode the writer waits
for nobody), so it takes as long as SQLite's work on a small table, microseconds. What may
wait or take long stays on the thread: ``BEGIN`` (``busy_timeout``), ``COMMIT`` (its
``fsync``), reads outside the write lock, a statement marked :data:`OFF_THE_LOOP` (a
cascading delete), everything when the file is not in WAL mode, and every statement once
statements run here have held the event loop for ``INLINE_BUDGET`` in a row, so a long
transaction (an import) still lets the loop breathe between its statements.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Outcome = tuple[Any, list[Any], int | None, int]

INLINE_BUDGET = 0.005  # seconds statements may run on the event loop's thread in a row
INLINE_MAX_ROWS = 100  # an ``executemany`` with more parameter sets goes to the thread
OFF_THE_LOOP = "review_bot_off_the_loop"
"""Execution option for one statement that may take long even under the write lock (a
cascading delete, a purge of old rows): it goes to aiosqlite's thread (see
:func:`bot.storage.engine.create_engine`, which reads the option)."""
_WRITE_LOCK_SINCE = "_review_bot_write_lock_since"  # on aiosqlite's Connection
_IN_WAL_MODE = "_review_bot_wal"  # on aiosqlite's Connection


def in_wal_mode(driver_connection: Any, wal: bool) -> None:
    """Say whether the file of ``driver_connection`` (aiosqlite's) is in WAL mode. Only then
    can no statement under the write lock wait for another connection: in the rollback
    journal's modes a writer spilling its cache waits for readers."""
    setattr(driver_connection, _IN_WAL_MODE, wal)


def holding_write_lock(driver_connection: Any, holding: bool) -> None:
    """Say whether ``driver_connection`` (aiosqlite's) now holds the write lock: true right
    after ``BEGIN IMMEDIATE``; false after a plain ``BEGIN`` or none. (After ``COMMIT`` or
    ``ROLLBACK`` SQLite's own ``in_transaction`` is false, which is checked too.)"""
    holding = holding and getattr(driver_connection, _IN_WAL_MODE, False)
    setattr(driver_connection, _WRITE_LOCK_SINCE, time.perf_counter() if holding else None)


def send_off_the_loop(driver_connection: Any) -> None:
    """The next statement goes to aiosqlite's thread whatever the budget left (and gives the
    event loop its turn); statements after it may run on the loop again."""
    if getattr(driver_connection, _WRITE_LOCK_SINCE, None) is not None:
        setattr(driver_connection, _WRITE_LOCK_SINCE, float("-inf"))


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """On aiosqlite's thread: the whole statement, from opening a cursor to closing it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


async def _right_here(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """The statement on the event loop's thread. It is awaited all the same (it never
    suspends): SQLAlchemy's async connection insists that a statement awaits something."""
    return _run_statement(connection, operation, parameters, many)


def _may_run_here(driver: aiosqlite.Connection, parameters: Any, many: bool) -> bool:
    """Whether a statement may run on the event loop's thread: inside a write transaction,
    short, and within the budget (see the module docstring)."""
    since: float | None = getattr(driver, _WRITE_LOCK_SINCE, None)
    if since is None or not driver._conn.in_transaction:
        return False
    if many and len(parameters) > INLINE_MAX_ROWS:
        return False
    return time.perf_counter() - since < INLINE_BUDGET


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement makes a single trip to SQLite's thread."""

    __slots__ = ()

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        outcome: Any  # _Outcome
        try:
            if _may_run_here(driver, parameters, many):
                outcome = self.await_(_right_here(driver._conn, operation, parameters, many))
            else:
                outcome = self.await_(
                    driver._execute(  # type: ignore[no-untyped-call]
                        _run_statement, driver._conn, operation, parameters, many
                    )
                )
                if getattr(driver, _WRITE_LOCK_SINCE, None) is not None:
                    # The loop has had its turn; still holding the lock, if in a transaction.
                    holding_write_lock(driver, driver._conn.in_transaction)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rows, lastrowid, rowcount = outcome
        self.description = description
        self._rows = deque(rows)
        self.lastrowid = lastrowid
        self.rowcount = rowcount

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._run(operation, seq_of_parameters, many=True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter, handing out :class:`OneTripCursor`."""

    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return super().cursor(server_side=True)
        return OneTripCursor(self)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for ``create_async_engine(module=...)``: connections are
    :class:`OneTripConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is AsyncAdapt_aiosqlite_connection:  # not the async_fallback kind
            adapted.__class__ = OneTripConnection
        return adapted


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
