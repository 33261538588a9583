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
from typing import Any

from sqlalchemy import Connection, Table, or_, select

from bot.crypto import cipher
from bot.crypto.sealing import SEALED, _Values, aad, open_, seal
from bot.crypto.vault import SERVICE_KEY_ID, Vault
from bot.storage.models import User

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


def seal_plain_rows(connection: Connection, vault: Vault | None, now: dtm.datetime) -> int:
    """Seal every plain value; the number of rows changed. Needs ``vault`` only when there is
    something to seal."""
    users = User.__table__
    assert isinstance(users, Table)
    keyless = list(connection.scalars(select(users.c.id).where(users.c.key_id.is_(None))))
    if keyless and vault is None:
        raise RuntimeError("encrypting the stored words needs the encryption key")
    for user_id in keyless:
        assert vault is not None
        key_id = vault.new_key_now(now)
        connection.execute(users.update().where(users.c.id == user_id).values(key_id=key_id))
    key_ids = {int(r[0]): str(r[1]) for r in connection.execute(select(users.c.id, users.c.key_id))}
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
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            for row in connection.execute(select(*columns).where(pk.in_(chunk))).mappings():
                view = _Values(dict(row))
                user_id = spec.user(view)
                identity = spec.row(view) or str(row[pk.name])
                values = {}
                for column, kind in spec.columns.items():
                    value = row[column]
                    if value is None:
                        continue
                    if vault is None:
                        raise RuntimeError("encrypting the stored words needs the encryption key")
                    where = aad(model, column, user_id, identity)
                    if _opens(vault, kind, value, where):
                        continue
                    key_id = SERVICE_KEY_ID if user_id is None else key_ids[user_id]
                    values[column] = seal(vault, kind, key_id, value, where)
                if values:
                    connection.execute(table.update().where(pk == row[pk.name]).values(values))
                    changed += 1
    if changed or keyless:
        log.info("plain_rows_sealed", extra={"rows": changed, "keys": len(keyless)})
    return changed


def open_sealed_rows(connection: Connection, vault: Vault | None) -> int:
    """Put every sealed value back in plain text (downgrading past 0006); rows changed."""
    changed = 0
    for model, spec in SEALED.items():
        table = model.__table__
        assert isinstance(table, Table)
        (pk,) = table.primary_key.columns
        names = dict.fromkeys([pk.name, *spec.identity, *spec.columns])
        columns = [table.c[name] for name in names]
        sealed = [table.c[name] for name in spec.columns]
        rows = connection.execute(select(*columns).where(or_(*(c.is_not(None) for c in sealed))))
        for row in list(rows.mappings()):
            view = _Values(dict(row))
            identity = spec.row(view) or str(row[pk.name])
            values = {}
            for column, kind in spec.columns.items():
                value = row[column]
                if not cipher.is_sealed(value):
                    continue
                if vault is None:
                    raise RuntimeError("opening the stored words needs the encryption key")
                values[column] = open_(
                    vault, kind, value, aad(model, column, spec.user(view), identity)
                )
            if values:
                connection.execute(table.update().where(pk == row[pk.name]).values(values))
                changed += 1
    return changed
