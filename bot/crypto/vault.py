"""The vault: data keys by id, unwrapped once and kept in memory; new keys; destroyed keys.

Every user gets a random data key when their row is created (:mod:`bot.crypto.sealing`).
The bot's own queues (the inbox's raw updates, the outbox's replies) share one service key,
:data:`SERVICE_KEY_ID`: those rows are cleared once handled or sent, and ``/delete`` removes
a user's remaining ones.

:meth:`Vault.key_now` may be called from the synchronous code SQLAlchemy runs inside an
async session (its events): a key not yet in memory is fetched with ``await_only``.
"""

from __future__ import annotations

import datetime as dtm
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.crypto import cipher
from bot.crypto.keyring import Keyring, WrappedKey, default_keyring_url
from bot.crypto.master import (
    DEFAULT_KEY_FILE_NAME,
    KeyProblem,
    MasterKey,
    parse_key,
    read_key_file,
    write_new_key_file,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.config import KeySettings

log = logging.getLogger(__name__)
SERVICE_KEY_ID = "service"
CACHE_SIZE = 10_000


@dataclass(frozen=True)
class KeyConfig:
    """Where the master key and the keyring are, as the settings say."""

    key: str | None = field(repr=False)  # ENCRYPTION_KEY; never in a repr or traceback
    key_file: Path | None  # ENCRYPTION_KEY_FILE
    default_key_file: Path  # used (and created on first start) when neither is set
    keyring_url: str = field(repr=False)  # may hold a password
    database_url: str = field(repr=False)  # a default keyring on a server is created here

    @classmethod
    def from_settings(cls, settings: KeySettings, database_url: str) -> KeyConfig:
        from bot.storage.engine import sqlite_path

        db = sqlite_path(database_url)
        folder = db.parent if db is not None else Path("data")
        secret = settings.encryption_key
        return cls(
            key=secret.get_secret_value() if secret is not None else None,
            key_file=settings.encryption_key_file,
            default_key_file=folder / DEFAULT_KEY_FILE_NAME,
            keyring_url=settings.keyring_url or default_keyring_url(database_url),
            database_url=database_url,
        )

    def load_master(self) -> MasterKey | None:
        """The configured master key; None when nothing is configured and the default key
        file does not exist yet."""
        if self.key is not None and self.key.strip():
            return MasterKey(parse_key(self.key, "ENCRYPTION_KEY"), "ENCRYPTION_KEY")
        if self.key_file is not None:
            return read_key_file(self.key_file)
        if self.default_key_file.exists():
            return read_key_file(self.default_key_file)
        return None


def db_is_server(config: KeyConfig) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(config.database_url).get_backend_name() != "sqlite"


class Vault:
    """Data keys for sealing and opening; see the module docstring."""

    def __init__(self, config: KeyConfig) -> None:
        self.config = config
        server_default = config.keyring_url == default_keyring_url(config.database_url)
        self.keyring = Keyring(
            config.keyring_url,
            create_from=config.database_url if server_default and db_is_server(config) else None,
        )
        self._master: MasterKey | None = None
        self._keys: OrderedDict[str, AESGCM] = OrderedDict()

    @property
    def master(self) -> MasterKey:
        if self._master is None:
            raise KeyProblem("the vault is not open")
        return self._master

    async def open(self, now: dtm.datetime) -> None:
        """Load and check the master key before anything else is read or written.

        First start (no key configured, an empty keyring): make the key file and say where it
        is. A missing key with keys in the keyring, or a key that does not open them, is a
        :class:`KeyProblem`.
        """
        master = self.config.load_master()
        await self.keyring.prepare()
        stored = await self.keyring.count()
        if master is None:
            if stored:
                raise KeyProblem(
                    f"no encryption key: the keyring holds {stored} data keys, but neither "
                    f"ENCRYPTION_KEY nor ENCRYPTION_KEY_FILE is set and "
                    f"{self.config.default_key_file} does not exist"
                )
            master = write_new_key_file(self.config.default_key_file, exist_ok=True)
            log.warning(
                "encryption_key_created",
                extra={
                    "path": str(self.config.default_key_file),
                    "advice": "copy it somewhere safe, away from the database and its backups; "
                    "without it the stored words cannot be read",
                    "always": True,  # written even when this first start fails
                },
            )
        sample = await self.keyring.get(SERVICE_KEY_ID) or await self.keyring.first()
        if sample is not None:
            if sample.master != master.fingerprint_hex:
                raise KeyProblem(
                    f"wrong encryption key: {master.source} is not the key the keyring's data "
                    f"keys are wrapped with"
                )
            master.unwrap(sample.key_id, sample.wrapped)
        self._master = master
        if await self.keyring.get(SERVICE_KEY_ID) is None:
            await self._create(SERVICE_KEY_ID, now)

    async def close(self) -> None:
        self._keys.clear()
        await self.keyring.dispose()

    async def key(self, key_id: str) -> AESGCM:
        """The data key ``key_id``; :class:`~bot.crypto.cipher.Unreadable` once destroyed."""
        found = self._keys.get(key_id)
        if found is not None:
            self._keys.move_to_end(key_id)
            return found
        wrapped = await self.keyring.get(key_id)
        if wrapped is None:
            raise cipher.Unreadable(f"data key {key_id} does not exist (destroyed by /delete?)")
        return self._remember(key_id, self.master.unwrap(key_id, wrapped.wrapped))

    def key_now(self, key_id: str) -> AESGCM:
        """:meth:`key` from synchronous code running inside an async session."""
        found = self._keys.get(key_id)
        if found is not None:
            return found
        from sqlalchemy.util import await_only

        return await_only(self.key(key_id))

    async def new_key(self, now: dtm.datetime) -> str:
        """Make, wrap and store a new data key; its id."""
        key_id = secrets.token_hex(8)
        await self._create(key_id, now)
        return key_id

    def new_key_now(self, now: dtm.datetime) -> str:
        from sqlalchemy.util import await_only

        return await_only(self.new_key(now))

    async def destroy(self, key_id: str) -> bool:
        """Crypto-shredding: every value sealed with this key becomes unreadable for good."""
        self._keys.pop(key_id, None)
        return await self.keyring.destroy(key_id)

    async def _create(self, key_id: str, now: dtm.datetime) -> None:
        secret = cipher.new_data_key()
        master = self.master
        wrapped = WrappedKey(key_id, master.wrap(key_id, secret), master.fingerprint_hex)
        if await self.keyring.add(wrapped, now):
            self._remember(key_id, secret)
        else:  # made by another replica meanwhile: use theirs
            await self.key(key_id)

    def _remember(self, key_id: str, secret: bytes) -> AESGCM:
        key = cipher.AESGCM(secret)
        self._keys[key_id] = key
        if len(self._keys) > CACHE_SIZE:
            self._keys.popitem(last=False)
        return key

    # Sealing and opening with a key looked up by id (the events use these).

    def seal_text(self, key_id: str, text: str, aad: bytes) -> str:
        return cipher.seal_text(self.key_now(key_id), key_id, text, aad)

    def open_text(self, value: str, aad: bytes) -> str:
        return cipher.open_text(self.key_now(cipher.key_id_of(value)), value, aad)

    def seal_bytes(self, key_id: str, data: bytes, aad: bytes) -> bytes:
        return cipher.seal_bytes(self.key_now(key_id), key_id, data, aad)

    def open_bytes(self, value: bytes, aad: bytes) -> bytes:
        return cipher.open_bytes(self.key_now(cipher.key_id_of(value)), value, aad)


@asynccontextmanager
async def vault_for(
    settings: KeySettings, database_url: str, engine: AsyncEngine, now: dtm.datetime
) -> AsyncIterator[Vault]:
    """An open vault attached to ``engine`` for the length of a command."""
    from bot.crypto.sealing import attach, detach

    vault = Vault(KeyConfig.from_settings(settings, database_url))
    try:
        async with engine.connect():  # an unusable database is reported before any key is made
            pass
        await vault.open(now)
        attach(engine, vault)
        yield vault
    finally:
        detach(engine)
        await vault.close()
