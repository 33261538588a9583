"""SQLAlchemy's aiosqlite driver, with one trip to SQLite's thread per statement instead of three.

aiosqlite runs every SQLite call on a thread of its own, and each call is a round trip: the
event loop queues it, the thread runs it, then wakes the loop through its self-pipe.
SQLAlchemy's adapter makes three such trips for each statement (open a cursor, execute,
then fetch the rows or close the cursor). On the bot's hot path, where storing a note is
about ten short statements, those wake-ups cost more CPU than SQLite itself.

:class:`OneTripDBAPI` is the same adapter, except that a statement's cursor is opened,
executed, read and closed in one function run on aiosqlite's thread. Nothing else changes:
the same connection, the same thread, the same transactions and errors. It is handed to
``create_async_engine`` as its DBAPI ``module`` (see :mod:`bot.storage.engine`).
"""

from __future__ import annotations

import sqlite3
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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement makes a single trip to SQLite's thread."""

    __slots__ = ()

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            description, rows, lastrowid, rowcount = self.await_(
                driver._execute(  # type: ignore[no-untyped-call]
                    _run_statement, driver._conn, operation, parameters, many
                )
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
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
