"""``python -m bot keys check`` and ``python -m bot keys rotate``: the operator's key chores.

``check`` proves the configured master key opens every data key in the keyring and that every
user's data key is there. ``rotate`` re-wraps every data key under a new master key, in one
transaction, without touching the sealed data: stop the bot first, then point
``ENCRYPTION_KEY_FILE`` (or ``ENCRYPTION_KEY``) at the new key before starting it again.
"""

from __future__ import annotations

import datetime as dtm
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto.keyring import WrappedKey
from bot.crypto.master import KeyProblem, MasterKey, read_key_file, write_new_key_file
from bot.crypto.vault import SERVICE_KEY_ID, Vault
from bot.storage.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyReport:
    keys: int  # data keys in the keyring, the service key included
    users: int  # users in the database, each with their key
    unowned: int = 0  # keys no user holds: a /delete whose shredding has not finished


async def check(vault: Vault, engine: AsyncEngine) -> KeyReport:
    """Every data key opens with the master key, and every user's key exists; else
    :class:`KeyProblem` naming the first that does not (never any key material)."""
    stored = await vault.keyring.all()
    for key in stored:
        vault.master.unwrap(key.key_id, key.wrapped)
    present = {key.key_id for key in stored}
    async with engine.connect() as connection:
        rows = (await connection.execute(select(User.id, User.key_id))).all()
    missing = [str(user_id) for user_id, key_id in rows if key_id not in present]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise KeyProblem(
            f"{len(missing)} users' data keys are missing from the keyring (user {shown}); "
            "their words cannot be read again"
        )
    held = {key_id for _, key_id in rows} | {SERVICE_KEY_ID}
    return KeyReport(keys=len(stored), users=len(rows), unowned=len(present - held))


async def quarantine_users_without_keys(
    vault: Vault, engine: AsyncEngine, now: dtm.datetime
) -> int:
    """Users whose data key the keyring does not hold: no more prompts for them; how many.

    That happens when a backup taken before someone's ``/delete`` is restored: their rows
    come back, but their key was destroyed, so nothing of theirs can be read again. Their
    rows are kept (``keys check`` names them, README says how to remove them), but they get
    no more prompts, recaps or drafts. If the keyring holds none of the users' keys, it is
    the wrong keyring (``KEYRING_URL``) and nothing starts: :class:`KeyProblem`.
    """
    present = await vault.keyring.ids()
    async with engine.connect() as connection:
        rows = (await connection.execute(select(User.id, User.key_id, User.blocked))).all()
    missing = [user_id for user_id, key_id, _ in rows if key_id not in present]
    if not missing:
        return 0
    if len(missing) == len(rows):
        raise KeyProblem(
            f"the keyring holds none of the {len(rows)} users' data keys; is KEYRING_URL "
            "(or the keyring file beside the database) the right one?"
        )
    gone = set(missing)
    idle = [user_id for user_id, _, blocked in rows if user_id in gone and not blocked]
    if idle:
        async with engine.begin() as connection:
            await connection.execute(
                update(User)
                .where(User.id.in_(idle))
                .values(blocked=True, next_due_at=None, next_recap_at=None, next_draft_at=None)
            )
    log.warning(
        "users_without_data_key",
        extra={"users": len(missing), "advice": "python -m bot keys check names them"},
    )
    return len(missing)


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
