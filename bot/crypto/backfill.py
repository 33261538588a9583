"""Sealing rows written before encryption existed (migration 0006), and only those; and
opening them all again when that migration is undone.

Every user without a data key gets one; then every plain value of every sealed column is
sealed in place. A value that already opens with its key is left alone, so running this
again (after an interrupted upgrade) does only what is left. The migration runs it inside the
upgrade's transaction: a kill rolls the whole upgrade back, and the next start begins again
from a database that is still entirely at the previous revision.
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, or_, select

from bot.crypto import cipher
from bot.crypto.sealing import SEALED, Kind, _Values, aad, open_, seal
from bot.crypto.vault import SERVICE_KEY_ID, Vault
from bot.storage.models import Base, User

log = logging.getLogger(__name__)
BATCH = 500


def _opens(vault: Vault, kind: Any, value: Any, identity: bytes) -> bool:
    if not cipher.is_sealed(value):
        return False
    try:
        open_(vault, kind, value, identity)
    except cipher.Unreadable:
        return False
    return True


@dataclass(frozen=True)
class StoredValue:
    """One non-empty value of a sealed column, read with Core, and where it belongs."""

    model: type[Base]
    column: str
    kind: Kind
    user_id: int | None
    aad: bytes
    value: Any


def _rewrite(
    connection: Connection, change: Callable[[StoredValue], Any | None], batch: int = BATCH
) -> int:
    """Every sealed table, row by row in primary-key batches: ``change`` says what a value
    becomes (None: left as it is); the rows it changed are updated. Their number."""
    changed = 0
    for model, spec in SEALED.items():
        table = model.__table__
        assert isinstance(table, Table)
        (pk,) = table.primary_key.columns
        names = dict.fromkeys([pk.name, *spec.identity, *spec.columns])
        columns = [table.c[name] for name in names]
        sealed = [table.c[name] for name in spec.columns]
        ids = list(
            connection.scalars(
                select(pk).where(or_(*(c.is_not(None) for c in sealed))).order_by(pk)
            )
        )
        if ids:
            log.info("sealing_rows", extra={"table": table.name, "rows": len(ids)})
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            for row in list(connection.execute(select(*columns).where(pk.in_(chunk))).mappings()):
                view = _Values(dict(row))
                user_id = spec.user(view)
                identity = spec.row(view) or str(row[pk.name])
                values = {}
                for column, kind in spec.columns.items():
                    if row[column] is None:
                        continue
                    where = aad(model, column, user_id, identity)
                    new = change(StoredValue(model, column, kind, user_id, where, row[column]))
                    if new is not None:
                        values[column] = new
                if values:
                    connection.execute(table.update().where(pk == row[pk.name]).values(values))
                    changed += 1
    return changed


def _needs(vault: Vault | None, what: str) -> Vault:
    if vault is None:
        raise RuntimeError(f"{what} the stored words needs the encryption key")
    return vault


def seal_plain_rows(connection: Connection, vault: Vault | None, now: dtm.datetime) -> int:
    """Seal every plain value; the number of rows changed. Needs ``vault`` only when there is
    something to seal."""
    users = User.__table__
    assert isinstance(users, Table)
    keyless = list(connection.scalars(select(users.c.id).where(users.c.key_id.is_(None))))
    for user_id in keyless:
        key_id = _needs(vault, "encrypting").new_key_now(now)
        connection.execute(users.update().where(users.c.id == user_id).values(key_id=key_id))
    key_ids = {int(r[0]): str(r[1]) for r in connection.execute(select(users.c.id, users.c.key_id))}

    def sealed(stored: StoredValue) -> Any | None:
        keys = _needs(vault, "encrypting")
        if _opens(keys, stored.kind, stored.value, stored.aad):
            return None
        key_id = SERVICE_KEY_ID if stored.user_id is None else key_ids[stored.user_id]
        return seal(keys, stored.kind, key_id, stored.value, stored.aad)

    changed = _rewrite(connection, sealed)
    if changed or keyless:
        log.info("plain_rows_sealed", extra={"rows": changed, "keys": len(keyless)})
    return changed


def open_sealed_rows(connection: Connection, vault: Vault | None) -> int:
    """Put every sealed value back in plain text (downgrading past 0006); rows changed."""

    def opened(stored: StoredValue) -> Any | None:
        if not cipher.is_sealed(stored.value):
            return None
        return open_(_needs(vault, "opening"), stored.kind, stored.value, stored.aad)

    return _rewrite(connection, opened)
