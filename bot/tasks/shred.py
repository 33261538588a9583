"""The ``shred`` task: after /delete, no readable copy of the user's words stays anywhere.

First it destroys the user's data key in the keyring (:mod:`bot.crypto`): every sealed copy
of their words (in the write-ahead log, in free pages, in backups of the database taken
before) can then no longer be opened. The key is destroyed only once the deleting transaction
has committed, so a failed deletion never leaves rows that nobody can read.

The deleting transaction already overwrote the rows' bytes in the database pages: every
SQLite connection sets ``PRAGMA secure_delete``. Until a checkpoint, though, SQLite's
write-ahead log (the ``-wal`` file beside the database) still holds earlier versions of those
pages, words included. This task runs once that transaction has committed, from the bot's own
queue (:data:`~bot.pipeline.outgoing.SERVICE_CHAT`), so neither the user's pending messages nor
their blocking the bot hold it back. It copies the log
into the database and truncates the log to zero bytes (``wal_checkpoint(TRUNCATE)``), while
holding the process's write lock so the bot's own writers wait for it.

A reader that still holds an older snapshot (another user's draft being compiled) makes the
checkpoint stop short. The task then fails as transient, and the sender runs it again a
little later.

PostgreSQL keeps dead rows until vacuum reclaims them. That is the operator's server to run,
so the checkpoint does nothing there; the rows are sealed with the destroyed key anyway.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from bot.pipeline.tasks import TaskContext
from bot.services import Services
from bot.storage.engine import SQLITE_BUSY_TIMEOUT_MS, is_sqlite
from bot.storage.errors import StillBusy

log = logging.getLogger(__name__)
WAIT_FOR_READERS_MS = 200  # the write lock is held meanwhile: others' writes wait this long


async def run(ctx: TaskContext, payload: dict[str, Any]) -> None:
    """Destroy the deleted user's data key, then truncate the write-ahead log."""
    key_id = payload.get("key_id")
    if isinstance(key_id, str) and key_id and await ctx.services.vault.destroy(key_id):
        log.info("data_key_destroyed")
    await truncate_wal(ctx.services)


async def truncate_wal(services: Services) -> None:
    """Checkpoint SQLite's log into the database and empty it; raises :class:`StillBusy`
    when a reader held the checkpoint up. Does nothing on other databases."""
    if not is_sqlite(services.engine):
        return
    lock = services.write_lock or contextlib.nullcontext()
    async with lock, services.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(f"PRAGMA busy_timeout={WAIT_FOR_READERS_MS}")
        try:
            result = await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, log_frames, copied = result.one()
        finally:
            await autocommit.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if busy:
        raise StillBusy(f"checkpoint copied {copied} of {log_frames} log frames")
    log.info("wal_truncated", extra={"frames": copied})
