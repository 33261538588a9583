"""The durable inbox: every update is stored here before Telegram is told it arrived.

An update is *pending* until the transaction that handled it also marked it processed. Its
``payload`` (the update's JSON) is cleared then, so a user's words live only in the tables
meant for them; an update whose handling failed keeps its payload, so nothing is lost.
"""

from __future__ import annotations

import datetime as dtm
import enum
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto.sealing import sealed_values
from bot.storage.models import InboxUpdate, ServiceState
from bot.storage.sqlite_driver import OFF_THE_LOOP
from bot.storage.upsert import insert_for

OFFSET_KEY = "polling_offset"
ADVISORY_NAMESPACE = 0x5EED  # pg_advisory_xact_lock(namespace, chat) keeps our keys apart


class Claim(enum.Enum):
    """Whether this transaction may handle an update now."""

    MINE = "mine"  # the chat is ours and this is its oldest pending update
    DONE = "done"  # handled already (a replay, or another replica was faster)
    WAIT = "wait"  # another replica is handling this chat, or an older update comes first


async def store(
    session: AsyncSession, rows: Sequence[tuple[int, int, str]], now: dtm.datetime
) -> None:
    """Insert ``(update_id, chat_key, json)`` rows; an update_id stored before is left alone."""
    if not rows:
        return
    values = [
        await sealed_values(  # the update's words, sealed with the service key
            session,
            InboxUpdate,
            {
                "update_id": update_id,
                "chat_key": chat_key,
                "payload": payload,
                "received_at": now,
                "attempts": 0,
            },
        )
        for update_id, chat_key, payload in rows
    ]
    statement = insert_for(session, InboxUpdate).on_conflict_do_nothing(
        index_elements=["update_id"]
    )
    await session.execute(statement, values)


async def store_handled(
    session: AsyncSession, updates: Sequence[tuple[int, int]], now: dtm.datetime
) -> None:
    """Insert ``(update_id, chat_key)`` rows for updates handled in this same transaction:
    already processed, so their words are stored only where the handlers put them."""
    if updates:
        await session.execute(
            insert_for(session, InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"]),
            [
                {
                    "update_id": update_id,
                    "chat_key": chat_key,
                    "payload": None,
                    "received_at": now,
                    "processed_at": now,
                    "attempts": 0,
                }
                for update_id, chat_key in updates
            ],
        )


async def save_offset(session: AsyncSession, offset: int, now: dtm.datetime) -> None:
    """Remember the next ``getUpdates`` offset: the one after the last batch stored; one
    statement.

    It may go down: after a week without updates Telegram picks the next ``update_id`` at
    random, possibly below the old ones. By the Bot API's rule (an offset confirms every
    update below it), keeping the old, higher offset would drop the updates that arrived
    while the bot was down, on its next start.
    """
    statement = insert_for(session, ServiceState).values(
        name=OFFSET_KEY, value=str(offset), updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )


async def load_offset(session: AsyncSession) -> int | None:
    row = await session.get(ServiceState, OFFSET_KEY)
    return int(row.value) if row is not None else None


async def claim(session: AsyncSession, update_id: int, chat_key: int) -> Claim:
    """Take the chat for this transaction and check that ``update_id`` is its next update."""
    return (await claim_many(session, [(update_id, chat_key)]))[0]


async def claim_many(session: AsyncSession, wanted: Sequence[tuple[int, int]]) -> list[Claim]:
    """:func:`claim` for ``(update_id, chat_key)`` pairs of different chats, in one query.

    On PostgreSQL a transaction-scoped advisory lock on each chat makes replicas take turns;
    on SQLite the process's single writer already does.
    """
    taken = await _taken_by_others(session, [key for _, key in wanted])
    claims: dict[int, Claim] = dict.fromkeys(taken, Claim.WAIT)
    keys = [key for _, key in wanted if key not in claims]
    heads: dict[int, int] = {}
    if keys:
        rows = await session.execute(
            select(InboxUpdate.chat_key, func.min(InboxUpdate.update_id))
            .where(InboxUpdate.processed_at.is_(None), InboxUpdate.chat_key.in_(keys))
            .group_by(InboxUpdate.chat_key)
        )
        heads = {int(key): int(head) for key, head in rows}
    for update_id, key in wanted:
        if key in claims:
            continue
        head = heads.get(key)
        if head is None or head > update_id:
            claims[key] = Claim.DONE
        elif head < update_id:
            claims[key] = Claim.WAIT
        else:
            claims[key] = Claim.MINE
    return [claims[key] for _, key in wanted]


async def claim_new(session: AsyncSession, updates: Sequence[tuple[int, int]]) -> bool:
    """Whether ``(update_id, chat_key)`` updates, not stored yet, may be handled in this
    transaction right away: none of them was stored before and none of their chats has a
    pending update. On PostgreSQL each chat's advisory lock is taken too, as :func:`claim_many`
    does."""
    keys = sorted({key for _, key in updates})
    if await _taken_by_others(session, keys, stop_at_first=True):
        return False
    found = await session.scalar(
        select(InboxUpdate.update_id)
        .where(
            InboxUpdate.update_id.in_([update_id for update_id, _ in updates])
            | (InboxUpdate.processed_at.is_(None) & InboxUpdate.chat_key.in_(keys))
        )
        .limit(1)
    )
    return found is None


async def _taken_by_others(
    session: AsyncSession, keys: Sequence[int], *, stop_at_first: bool = False
) -> set[int]:
    """The chats whose advisory lock another replica holds; each chat whose lock was taken
    is ours until the transaction ends. ``stop_at_first``: stop at the first chat taken by
    another. Always empty on SQLite, where the process's single writer takes turns."""
    taken: set[int] = set()
    if session.get_bind().dialect.name != "postgresql":
        return taken
    for key in keys:
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:ns, :key)"),
            {"ns": ADVISORY_NAMESPACE, "key": _int32(key)},
        )
        if not locked:
            taken.add(key)
            if stop_at_first:
                break
    return taken


def _int32(value: int) -> int:
    """Advisory lock keys are two int4s: fold a 64-bit chat id into one."""
    folded = (value ^ (value >> 32)) & 0xFFFFFFFF
    return folded - 2**32 if folded >= 2**31 else folded


async def mark_processed(
    session: AsyncSession, update_ids: Sequence[int], now: dtm.datetime
) -> None:
    """Handled: the update's words now live only where its handler stored them."""
    if update_ids:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(update_ids))
            .values(processed_at=now, payload=None)
            .execution_options(synchronize_session=False)  # no InboxUpdate is loaded here
        )


async def mark_failed(session: AsyncSession, update_id: int, now: dtm.datetime, error: str) -> None:
    """Stop retrying an update whose handler fails; its payload stays for the operator."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(processed_at=now, error=error[:200], attempts=InboxUpdate.attempts + 1)
    )


async def pending(
    session: AsyncSession, limit: int, received_before: dtm.datetime | None = None
) -> list[InboxUpdate]:
    """Pending updates (received before ``received_before``, if given), oldest first."""
    query = select(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
    if received_before is not None:
        query = query.where(InboxUpdate.received_at <= received_before)
    rows = await session.scalars(query.order_by(InboxUpdate.update_id).limit(limit))
    return list(rows)


async def forget_chat(session: AsyncSession, chat_key: int, current: int) -> None:
    """Remove the stored updates of a chat (``/delete``, handled as update ``current``): the
    handled and failed ones and ``current`` itself.

    The chat's other pending updates came after ``current`` (a chat's updates are handled in
    order): what the user sent after confirming. They stay, to be handled and stored afresh;
    deleting them would drop messages already confirmed to Telegram.
    """
    await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.chat_key == chat_key,
            or_(InboxUpdate.processed_at.is_not(None), InboxUpdate.update_id == current),
        )
    )


async def purge(session: AsyncSession, before: dtm.datetime) -> None:
    """Forget handled updates received before ``before`` (failed ones stay for the operator).
    It reads every handled row kept: on SQLite not on the event loop's thread."""
    await session.execute(
        delete(InboxUpdate)
        .where(
            InboxUpdate.processed_at.is_not(None),
            InboxUpdate.error.is_(None),
            InboxUpdate.received_at < before,
        )
        .execution_options(**{OFF_THE_LOOP: True})
    )
