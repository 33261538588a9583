"""The keyring: every data key, wrapped by the master key, in a database of its own.

The keys live apart from the words they seal so that destroying one really destroys it: a
backup of the main database made before ``/delete`` holds the user's sealed words but not
their key. By default the keyring is a SQLite file beside the SQLite database
(``<name>.keyring.sqlite3``), or on PostgreSQL a database beside the bot's on the same server
(``<name>_keyring``, created on first start when the role may create databases).
``KEYRING_URL`` puts it anywhere else.

A SQLite keyring keeps no write-ahead log (``journal_mode=DELETE``) and overwrites deleted
rows (``secure_delete``), so a destroyed key leaves no copy in its file either.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

metadata = MetaData()
data_keys = Table(
    "keyring_data_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("master", String(16), nullable=False),  # fingerprint of the master key that wrapped it
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class WrappedKey:
    key_id: str
    wrapped: bytes
    master: str


def default_keyring_url(database_url: str) -> str:
    """Beside the database: a file next to a SQLite one, a sibling database on a server."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return url.set(database=f"{url.database or 'postgres'}_keyring").render_as_string(
            hide_password=False
        )
    if not url.database or url.database == ":memory:":
        return "sqlite+aiosqlite://"
    path = Path(url.database)
    name = path.name.removesuffix(path.suffix) if path.suffix else path.name
    return url.set(database=str(path.with_name(f"{name}.keyring.sqlite3"))).render_as_string(
        hide_password=False
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=DELETE")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class Keyring:
    """Reads and writes wrapped data keys; each call is its own short transaction."""

    def __init__(self, url: str, *, create_from: str | None = None) -> None:
        """``create_from``: a server database to create the keyring's database from, when
        it does not exist yet (the default keyring beside a PostgreSQL database)."""
        self.url = url
        self.create_from = create_from
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        self.path: Path | None = None
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                kwargs["poolclass"] = StaticPool
            else:
                self.path = Path(parsed.database)
                self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    async def prepare(self) -> None:
        """Create the table (and on a server, the database) when they do not exist yet.

        Replicas starting together may race to create them: the loser finds them made."""
        for attempt in range(3):
            try:
                async with self.engine.begin() as connection:
                    await connection.run_sync(metadata.create_all)
                return
            except Exception as exc:
                reason = str(exc)
                if self.create_from is not None and "does not exist" in reason:
                    await self._create_database()
                    continue
                raced = "already exists" in reason or "duplicate" in reason
                if not raced or attempt == 2:
                    raise
                await asyncio.sleep(0.2)
        raise RuntimeError("the keyring's database could not be created")

    async def ids(self) -> set[str]:
        async with self.engine.connect() as connection:
            return set(await connection.scalars(select(data_keys.c.key_id)))

    async def _create_database(self) -> None:
        from sqlalchemy import text

        assert self.create_from is not None
        name = make_url(self.url).database or ""
        admin = create_async_engine(self.create_from, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            if "already exists" not in str(exc):  # another replica was faster
                raise
        finally:
            await admin.dispose()

    async def count(self) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(data_keys)) or 0)

    async def get(self, key_id: str) -> WrappedKey | None:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(data_keys.c.wrapped, data_keys.c.master).where(
                        data_keys.c.key_id == key_id
                    )
                )
            ).first()
        return None if row is None else WrappedKey(key_id, bytes(row[0]), str(row[1]))

    async def first(self) -> WrappedKey | None:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(data_keys.c.key_id, data_keys.c.wrapped, data_keys.c.master)
                    .order_by(data_keys.c.created_at)
                    .limit(1)
                )
            ).first()
        return None if row is None else WrappedKey(str(row[0]), bytes(row[1]), str(row[2]))

    async def all(self) -> list[WrappedKey]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(data_keys.c.key_id, data_keys.c.wrapped, data_keys.c.master)
            )
            return [WrappedKey(str(r[0]), bytes(r[1]), str(r[2])) for r in rows]

    async def add(self, key: WrappedKey, now: dtm.datetime) -> bool:
        """Store a new key; False when a key with its id exists already (a replica that
        started at the same moment made the service key first)."""
        from sqlalchemy.exc import IntegrityError

        try:
            async with self.engine.begin() as connection:
                await connection.execute(
                    data_keys.insert().values(
                        key_id=key.key_id, wrapped=key.wrapped, master=key.master, created_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    async def destroy(self, key_id: str) -> bool:
        """Delete one data key for good; False when it was gone already."""
        async with self.engine.begin() as connection:
            result = await connection.execute(delete(data_keys).where(data_keys.c.key_id == key_id))
        return bool(result.rowcount)

    async def rewrap(self, keys: list[WrappedKey]) -> None:
        """Replace the wrapping of every given key in one transaction (key rotation)."""
        async with self.engine.begin() as connection:
            for key in keys:
                await connection.execute(
                    update(data_keys)
                    .where(data_keys.c.key_id == key.key_id)
                    .values(wrapped=key.wrapped, master=key.master)
                )

    async def dispose(self) -> None:
        await self.engine.dispose()
