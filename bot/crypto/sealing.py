"""Sealing rows on their way into the database and opening them on their way out.

SQLAlchemy events do the work, so handlers, reports and exports keep reading and writing
plain ``entry.text``: before an INSERT or UPDATE the user's words are replaced by their
sealed form, and once the row is written (or loaded) the object holds the plain text again.
Only what a user wrote is sealed; ids, weeks, timestamps and flags stay as they are, so
queries and the schedule work unchanged.

A value is bound to its row by the associated data (:func:`bot.crypto.cipher.associated_data`):
a natural key where the row has one (``chat_id/message_id`` for a message), the primary key
otherwise (a goal: it is sealed right after its INSERT, in the same transaction).

Statements that bypass the ORM (the inbox's and the importer's bulk inserts) seal their values
with :func:`sealed_values`.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapper, Session, object_session
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.pool import Pool

from bot.crypto import cipher
from bot.crypto.vault import SERVICE_KEY_ID, Vault
from bot.storage.models import (
    Answer,
    Base,
    Entry,
    Goal,
    ImportedFile,
    InboxUpdate,
    OutboxMessage,
    User,
    UserQuestion,
    YearEndAnswer,
)

Kind = Literal["text", "json", "bytes"]
_VAULTS: weakref.WeakKeyDictionary[Pool, Vault] = weakref.WeakKeyDictionary()
_KEY_IDS = "review_bot_key_ids"  # session.info: user id → key id, for one transaction
_PLAIN = "_review_bot_plain"  # instance __dict__: the plain values while a flush writes


@dataclass(frozen=True)
class Sealed:
    """Which columns of a model are sealed, with whose key, and what names the row."""

    columns: dict[str, Kind]
    user: Callable[[Any], int | None]  # the row's user; None: the service key
    row: Callable[[Any], str | None]  # the row's identity; None: its primary key, after INSERT
    identity: tuple[str, ...]  # the columns ``user`` and ``row`` read


def _pk(target: Any) -> str | None:
    return None


SEALED: dict[type[Base], Sealed] = {
    User: Sealed({"state_data": "json"}, lambda u: u.id, lambda u: str(u.id), ("id",)),
    UserQuestion: Sealed(
        {"text": "text"}, lambda q: q.user_id, lambda q: q.key, ("user_id", "key")
    ),
    Answer: Sealed(
        {"prompt": "text"},
        lambda a: a.user_id,
        lambda a: f"{a.review_id}/{a.question_key}",
        ("user_id", "review_id", "question_key"),
    ),
    Entry: Sealed(
        {"text": "text", "original_text": "text", "tags": "json"},
        lambda e: e.user_id,
        lambda e: f"{e.chat_id}/{e.message_id}",
        ("user_id", "chat_id", "message_id"),
    ),
    Goal: Sealed({"text": "text"}, lambda g: g.user_id, _pk, ("user_id", "id")),
    YearEndAnswer: Sealed(
        {"text": "text", "original_text": "text"},
        lambda y: y.user_id,
        lambda y: f"{y.year}/{y.key}",
        ("user_id", "year", "key"),
    ),
    ImportedFile: Sealed(
        {"content": "bytes"},
        lambda f: f.user_id,
        lambda f: f.file_unique_id,
        ("user_id", "file_unique_id"),
    ),
    InboxUpdate: Sealed(
        {"payload": "text"}, lambda _: None, lambda u: str(u.update_id), ("update_id",)
    ),
    OutboxMessage: Sealed(
        {"payload": "json"}, lambda _: None, lambda m: str(m.chat_id), ("id", "chat_id")
    ),
}
PLACEHOLDER: dict[Kind, Any] = {"text": "", "json": None, "bytes": b""}


def attach(engine: AsyncEngine, vault: Vault) -> None:
    """Let sessions on ``engine`` (and its option variants) seal and open with ``vault``."""
    _VAULTS[engine.sync_engine.pool] = vault


def detach(engine: AsyncEngine) -> None:
    _VAULTS.pop(engine.sync_engine.pool, None)


def vault_of(bind: Any) -> Vault:
    """The vault attached to the engine (or connection) ``bind``."""
    pool = bind.engine.pool if isinstance(bind, Connection) else bind.pool
    try:
        return _VAULTS[pool]
    except KeyError:
        raise RuntimeError(
            "no vault is attached to this engine (bot.crypto.sealing.attach)"
        ) from None


def vault_or_none(bind: Any) -> Vault | None:
    pool = bind.engine.pool if isinstance(bind, Connection) else bind.pool
    return _VAULTS.get(pool)


def aad(model: type[Base], column: str, user_id: int | None, row: str) -> bytes:
    return cipher.associated_data(str(model.__tablename__), column, user_id, row)


def seal(vault: Vault, kind: Kind, key_id: str, value: Any, aad_: bytes) -> Any:
    if kind == "bytes":
        return vault.seal_bytes(key_id, bytes(value), aad_)
    if kind == "json":
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return vault.seal_text(key_id, value, aad_)


def open_(vault: Vault, kind: Kind, value: Any, aad_: bytes) -> Any:
    if kind == "bytes":
        return vault.open_bytes(bytes(value), aad_)
    if not isinstance(value, str):
        raise cipher.Unreadable("a plain value in a sealed column")
    text = vault.open_text(value, aad_)
    return json.loads(text) if kind == "json" else text


def _key_id(session: Session, connection: Connection, model: type[Base], target: Any) -> str:
    if model is User:
        key_id: str | None = target.key_id
        if key_id is None:
            raise cipher.Unreadable(f"user {target.id} has no data key")
        return key_id
    user_id = SEALED[model].user(target)
    if user_id is None:
        return SERVICE_KEY_ID
    return user_key_id(session, connection, user_id)


def user_key_id(session: Session, connection: Connection, user_id: int) -> str:
    """The data key of ``user_id``'s row (cached for the transaction)."""
    cache: dict[int, str] = session.info.setdefault(_KEY_IDS, {})
    found = cache.get(user_id)
    if found is not None:
        return found
    user = session.identity_map.get(Session.identity_key(User, user_id))
    key_id = user.__dict__.get("key_id") if user is not None else None
    if key_id is None:
        key_id = connection.scalar(
            select(User.__table__.c.key_id).where(User.__table__.c.id == user_id)
        )
    if key_id is None:
        raise cipher.Unreadable(f"user {user_id} has no data key")
    cache[user_id] = str(key_id)
    return str(key_id)


def _before_write(model: type[Base], connection: Connection, target: Any, insert: bool) -> None:
    spec = SEALED[model]
    session = object_session(target)
    assert session is not None
    vault = vault_of(connection)
    if model is User and insert and target.key_id is None:
        target.key_id = vault.new_key_now(target.created_at)
        session.info.setdefault(_KEY_IDS, {})[target.id] = target.key_id
    plain: dict[str, Any] = {}
    for column, kind in spec.columns.items():
        if not insert and not get_history(target, column).has_changes():
            continue
        value = target.__dict__.get(column)
        plain[column] = value
        if value is None:
            continue
        row = spec.row(target)
        if row is None:  # sealed by _after_write, once the primary key exists
            setattr(target, column, PLACEHOLDER[kind])
            continue
        key_id = _key_id(session, connection, model, target)
        setattr(
            target,
            column,
            seal(vault, kind, key_id, value, aad(model, column, spec.user(target), row)),
        )
    if plain:
        target.__dict__[_PLAIN] = plain


def _after_write(model: type[Base], connection: Connection, target: Any) -> None:
    plain: dict[str, Any] | None = target.__dict__.pop(_PLAIN, None)
    if not plain:
        return
    spec = SEALED[model]
    if spec.row(target) is None:
        session = object_session(target)
        assert session is not None
        vault = vault_of(connection)
        table = model.__table__
        values = {
            column: seal(
                vault,
                spec.columns[column],
                _key_id(session, connection, model, target),
                value,
                aad(model, column, spec.user(target), str(target.id)),
            )
            for column, value in plain.items()
            if value is not None
        }
        if values:
            connection.execute(table.update().where(table.c.id == target.id).values(values))  # type: ignore[attr-defined]
    for column, value in plain.items():
        set_committed_value(target, column, value)


def row_identity(model: type[Base], target: Any) -> str:
    row = SEALED[model].row(target)
    return str(target.id) if row is None else row


def _open_loaded(model: type[Base], target: Any, bind: Any, attrs: Any = None) -> None:
    spec = SEALED[model]
    vault: Vault | None = None
    for column, kind in spec.columns.items():
        if attrs is not None and column not in attrs:
            continue
        value = target.__dict__.get(column)
        if value is None:
            continue
        vault = vault or vault_of(bind)
        identity = aad(model, column, spec.user(target), row_identity(model, target))
        set_committed_value(target, column, open_(vault, kind, value, identity))


def _listen(model: type[Base]) -> None:
    def before_insert(_m: Mapper[Any], connection: Connection, target: Any) -> None:
        _before_write(model, connection, target, insert=True)

    def before_update(_m: Mapper[Any], connection: Connection, target: Any) -> None:
        _before_write(model, connection, target, insert=False)

    def after_write(_m: Mapper[Any], connection: Connection, target: Any) -> None:
        _after_write(model, connection, target)

    def on_load(target: Any, context: Any) -> None:
        if model is User and target.__dict__.get("key_id") is not None:
            # Kept for the transaction: the identity map lets go of a user nobody holds, and
            # a row of theirs sealed at the next flush would ask the database again.
            context.session.info.setdefault(_KEY_IDS, {})[target.id] = target.key_id
        _open_loaded(model, target, context.session.get_bind())

    def on_refresh(target: Any, context: Any, attrs: Any) -> None:
        _open_loaded(model, target, context.session.get_bind(), attrs)

    event.listen(model, "before_insert", before_insert)
    event.listen(model, "before_update", before_update)
    event.listen(model, "after_insert", after_write)
    event.listen(model, "after_update", after_write)
    event.listen(model, "load", on_load)
    event.listen(model, "refresh", on_refresh)


def _forget_key_ids(session: Session, *_: Any) -> None:
    session.info.pop(_KEY_IDS, None)


for _model in SEALED:
    _listen(_model)
event.listen(Session, "after_commit", _forget_key_ids)
event.listen(Session, "after_soft_rollback", _forget_key_ids)


async def sealed_values(
    session: AsyncSession, model: type[Base], values: dict[str, Any]
) -> dict[str, Any]:
    """``values`` for a Core INSERT of ``model`` with its sealed columns sealed."""

    def work(sync: Session) -> dict[str, Any]:
        spec = SEALED[model]
        connection = sync.connection()
        vault = vault_of(connection)
        row = spec.row(_Values(values))
        assert row is not None, "a Core INSERT needs a model whose rows have a natural key"
        user_id = spec.user(_Values(values))
        key_id = SERVICE_KEY_ID if user_id is None else user_key_id(sync, connection, user_id)
        sealed = dict(values)
        for column, kind in spec.columns.items():
            if sealed.get(column) is not None:
                sealed[column] = seal(
                    vault, kind, key_id, sealed[column], aad(model, column, user_id, row)
                )
        return sealed

    return await session.run_sync(work)


class _Values:
    """A mapping of column values read like a row object (for :class:`Sealed`'s lambdas)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def open_value(
    vault: Vault, model: type[Base], column: str, user_id: int | None, row: str, value: Any
) -> Any:
    """Open one value read with Core (not through a model object)."""
    if value is None:
        return None
    return open_(vault, SEALED[model].columns[column], value, aad(model, column, user_id, row))
