"""Where the keyring lives by default: apart from the database its keys open."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.crypto.keyring import default_keyring_url
from bot.crypto.vault import SERVICE_KEY_ID, KeyConfig, Vault
from tests.conftest import make_settings

NOW = dtm.datetime(2026, 12, 2, 9, tzinfo=dtm.UTC)


def test_beside_a_sqlite_file() -> None:
    url = "sqlite+aiosqlite:///./data/weekly-review.sqlite3"
    assert default_keyring_url(url) == "sqlite+aiosqlite:///data/weekly-review.keyring.sqlite3"


def test_a_sibling_database_on_a_server() -> None:
    url = "postgresql+asyncpg://bot:secret@db:5432/reviews"
    keyring = make_url(default_keyring_url(url))
    assert (keyring.host, keyring.database, keyring.password) == ("db", "reviews_keyring", "secret")


@pytest.fixture
async def server_keyring(database_url: str) -> AsyncIterator[str]:
    """The default keyring database of a PostgreSQL test database, dropped afterwards."""
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only")
    name = str(make_url(default_keyring_url(database_url)).database)
    yield name
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_on_postgresql_it_is_made_on_first_start(
    database_url: str, server_keyring: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, keyring_url="")
    for _ in range(2):  # the second start finds it
        vault = Vault(KeyConfig.from_settings(settings, database_url))
        await vault.open(NOW)
        assert await vault.keyring.get(SERVICE_KEY_ID) is not None
        assert make_url(vault.keyring.url).database == server_keyring
        await vault.close()
    admin = create_async_engine(database_url)
    async with admin.connect() as connection:
        tables = set(
            await connection.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        )
    await admin.dispose()
    assert "keyring_data_keys" not in tables  # not in the database a pg_dump backs up
