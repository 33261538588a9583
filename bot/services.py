"""What every handler and job needs, built once per application and kept in ``bot_data``.

Database access comes in two shapes:

* :meth:`Services.transaction` for writes. On SQLite, writers of one process queue on an
  asyncio lock before they take SQLite's write lock (``BEGIN IMMEDIATE``), so they never race
  each other into "database is locked"; PostgreSQL needs no such lock.
* :meth:`Services.reading` for reads that may take long (recaps, drafts, exports): they never
  hold the write lock.

Neither may be opened inside the other, and no Telegram call or rate-limit wait ever happens
inside either: see :mod:`bot.pipeline`.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.crypto.vault import Vault
from bot.storage.engine import is_sqlite, writer_session_factory

SERVICES_KEY = "services"
_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "in_transaction", default=False
)


class NestedTransactionError(RuntimeError):
    """A transaction was opened inside another one of the same task (a bug: it would deadlock
    on SQLite's single writer)."""


@dataclass
class Services:
    """Settings, the clock and the database for one running application."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    vault: Vault  # data keys: sealing every word (bot.crypto), destroying them on /delete
    write_lock: asyncio.Lock | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.writers = writer_session_factory(self.engine)
        if is_sqlite(self.engine):
            self.write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on error."""
        if _IN_TRANSACTION.get():
            raise NestedTransactionError("a transaction is already open in this task")
        token = _IN_TRANSACTION.set(True)
        try:
            if self.write_lock is None:
                async with self.writers() as session, session.begin():
                    yield session
            else:
                async with self.write_lock, self.writers() as session, session.begin():
                    yield session
        finally:
            _IN_TRANSACTION.reset(token)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session: a consistent snapshot that never blocks writers."""
        if _IN_TRANSACTION.get():
            raise NestedTransactionError("a transaction is already open in this task")
        token = _IN_TRANSACTION.set(True)
        try:
            async with self.sessions() as session, session.begin():
                yield session
        finally:
            _IN_TRANSACTION.reset(token)
