"""``python -m bot keys check`` and ``python -m bot keys rotate``: the operator's key chores.

``check`` proves the configured master key opens every data key in the keyring and that every
user's data key is there. ``rotate`` re-wraps every data key under a new master key, in one
transaction, without touching the sealed data: stop the bot first, then point
``ENCRYPTION_KEY_FILE`` (or ``ENCRYPTION_KEY``) at the new key before starting it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto.keyring import WrappedKey
from bot.crypto.master import KeyProblem, MasterKey, read_key_file, write_new_key_file
from bot.crypto.vault import Vault
from bot.storage.models import User


@dataclass(frozen=True)
class KeyReport:
    keys: int  # data keys in the keyring, the service key included
    users: int  # users in the database, each with their key


async def check(vault: Vault, engine: AsyncEngine) -> KeyReport:
    """Every data key opens with the master key, and every user's key exists; else
    :class:`KeyProblem` naming the first that does not (never any key material)."""
    stored = await vault.keyring.all()
    for key in stored:
        vault.master.unwrap(key.key_id, key.wrapped)
    present = {key.key_id for key in stored}
    async with engine.connect() as connection:
        rows = (await connection.execute(select(User.id, User.key_id))).all()
    for user_id, key_id in rows:
        if key_id is None or key_id not in present:
            raise KeyProblem(f"user {user_id}'s data key is missing from the keyring")
    return KeyReport(keys=len(stored), users=len(rows))


def new_master(path: Path) -> MasterKey:
    """The key in ``path``, made (mode 0600) when the file does not exist yet."""
    return read_key_file(path) if path.exists() else write_new_key_file(path)


async def rotate(vault: Vault, new: MasterKey) -> int:
    """Re-wrap every data key under ``new``; how many. All or none: one transaction."""
    old = vault.master
    if new.fingerprint_hex == old.fingerprint_hex:
        raise KeyProblem(f"{new.source} holds the key in use already")
    stored = await vault.keyring.all()
    rewrapped = [
        WrappedKey(
            key.key_id,
            new.wrap(key.key_id, old.unwrap(key.key_id, key.wrapped)),
            new.fingerprint_hex,
        )
        for key in stored
    ]
    await vault.keyring.rewrap(rewrapped)
    return len(rewrapped)
