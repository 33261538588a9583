"""Applying alembic migrations programmatically (on start and from ``python -m bot db upgrade``).

A database already at :data:`HEAD` is recognised with one query, without importing alembic,
so an ordinary start stays quick and small; alembic loads only when there is work to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import WRITER

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
HEAD = "0006"
"""The newest revision in ``bot/migrations/versions`` (a test keeps the two in step)."""
LOCK_KEY = 0x5EC0_1D_0006  # the migrations' PostgreSQL advisory lock ("review-bot migrations")


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a new database."""
    try:
        async with engine.connect() as connection:
            value = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError as exc:
        if "alembic_version" in str(exc.orig):  # no such table (relation): a new database
            return None
        raise
    return str(value) if value is not None else None


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` using a connection of ``engine``.

    Replicas started together (compose's first ``up``, every upgrade) each call this: the
    migration runs under a lock (PostgreSQL: a transaction-level advisory lock; SQLite: the
    write lock, taken as the transaction begins), so one migrates and the others wait, then
    find the database already there.
    """
    if revision in ("head", HEAD) and await current_revision(engine) == HEAD:
        return
    async with engine.execution_options(**{WRITER: True}).begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        await connection.run_sync(_upgrade, revision)
    if engine.dialect.name == "sqlite":
        # Plain words the upgrade sealed may still sit in the write-ahead log's older frames.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
