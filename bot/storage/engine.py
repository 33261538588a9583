"""Creating the async engine and sessions; SQLite gets its safety pragmas on every connection."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

from bot.storage.sqlite_driver import (
    OFF_THE_LOOP,
    holding_write_lock,
    in_wal_mode,
    one_trip_dbapi,
    send_off_the_loop,
)

SQLITE_BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """The database cannot be used (bad URL, unreachable path); the message says why."""


IDLE_IN_TRANSACTION_MS = 60_000  # PostgreSQL: a session idle that long in a transaction ends
WAL_ATTEMPTS = 20  # about 10 s in all
WRITER = "review_bot_writer"
"""Execution option for the bot's write sessions: on SQLite they begin with the write lock."""


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions behind SQLAlchemy's back: ``_begin`` does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    in_wal_mode(dbapi_connection.driver_connection, _use_wal(cursor))
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left readable in free pages (/delete).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _use_wal(cursor: Any) -> bool:
    """Put the file in WAL mode (it stays so); whether it is. Switching a new file needs a
    lock that SQLite does not wait for with ``busy_timeout``: when two processes open a new
    database at the same moment (replicas, ``db upgrade`` beside ``run``), the one that
    loses tries again. A file system without shared memory keeps the old mode."""
    for attempt in range(WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode")
            if cursor.fetchone()[0] == "wal":
                return True
            cursor.execute("PRAGMA journal_mode=WAL")
            return bool(str(cursor.fetchone()[0]).lower() == "wal")
        except Exception as exc:  # the driver's OperationalError
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            await_only(asyncio.sleep(0.05 * (attempt + 1)))  # the event loop goes on meanwhile
    return False  # not reached: the last attempt raises


def _begin(connection: Any) -> None:
    """The bot's writes take SQLite's write lock when they begin (``BEGIN IMMEDIATE``), so two
    writers queue on ``busy_timeout`` instead of failing when a read turns into a write;
    everything else begins a plain (deferred) transaction, and AUTOCOMMIT none at all."""
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        holding_write_lock(connection.connection.driver_connection, False)
        return
    writer = bool(options.get(WRITER))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
    holding_write_lock(connection.connection.driver_connection, writer)


def _off_the_loop(
    connection: Any,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """A statement marked :data:`~bot.storage.sqlite_driver.OFF_THE_LOOP` goes to
    aiosqlite's thread."""
    if context is not None and context.execution_options.get(OFF_THE_LOOP):
        send_off_the_loop(connection.connection.driver_connection)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; creates the SQLite file's folder when it is missing."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with the URL in it
        raise DatabaseError("DATABASE_URL is not a valid database URL") from exc
    try:
        dialect = parsed.get_dialect()
    except Exception as exc:
        raise DatabaseError(
            f"DATABASE_URL names an unknown database driver {parsed.drivername!r}"
        ) from exc
    if not getattr(dialect, "is_async", False):
        raise DatabaseError(
            "DATABASE_URL needs an async driver: sqlite+aiosqlite:///path or "
            "postgresql+asyncpg://user:password@host/db"
        )
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the database folder {path.parent}: {exc.strerror}"
            ) from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True
    if parsed.get_driver_name() == "asyncpg":
        # A replica frozen or cut off in a transaction would keep its chats' locks and rows
        # until TCP gave up (hours), stalling the other replicas; the server ends it instead.
        # The bot's transactions never wait on anything but the database.
        settings = {"idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_MS)}
        kwargs["connect_args"] = {"server_settings": settings}
    elif parsed.get_driver_name() == "aiosqlite":
        kwargs["module"] = one_trip_dbapi()  # one trip to SQLite's thread per statement
        # ... or none, under the write lock: those statements run on the loop's thread.
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin)
        event.listen(engine.sync_engine, "before_cursor_execute", _off_the_loop)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def writer_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the bot's writes: on SQLite they take the write lock as they begin."""
    return async_sessionmaker(engine.execution_options(**{WRITER: True}), expire_on_commit=False)
