"""The outbox: requests to Telegram written in the transaction of the data they acknowledge.

Rows of one chat are sent in ``id`` order. The sender's writes here run in sessions that hold
no outbox rows, so they skip SQLAlchemy's matching of loaded objects
(``synchronize_session=False``). A row is pending while ``sent_at`` is empty. Once
sent, a row is deleted, unless a later row may edit or delete its message: then only its
``message_id`` stays (the text is cleared) until :func:`purge`.
"""

from __future__ import annotations

import datetime as dtm
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OutboxMessage


def _first_of_each_chat() -> Any:
    return (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.sent_at.is_(None))
        .group_by(OutboxMessage.chat_id)
        .scalar_subquery()
    )


async def heads(
    session: AsyncSession, now: dtm.datetime, limit: int, busy: Iterable[int] = ()
) -> list[OutboxMessage]:
    """The oldest pending row of each chat that is due, oldest first, skipping ``busy`` chats."""
    query = select(OutboxMessage).where(
        OutboxMessage.id.in_(_first_of_each_chat()), OutboxMessage.not_before <= now
    )
    busy = list(busy)
    if busy:
        query = query.where(OutboxMessage.chat_id.not_in(busy))
    rows = await session.scalars(query.order_by(OutboxMessage.id).limit(limit))
    return list(rows)


async def first_pending(session: AsyncSession, chat_ids: Sequence[int]) -> dict[int, int]:
    """The id of each chat's oldest pending row (chats with none are left out)."""
    if not chat_ids:
        return {}
    rows = await session.execute(
        select(OutboxMessage.chat_id, func.min(OutboxMessage.id))
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.chat_id.in_(chat_ids))
        .group_by(OutboxMessage.chat_id)
    )
    return {int(chat_id): int(row_id) for chat_id, row_id in rows}


async def next_due(session: AsyncSession, *, besides: int | None = None) -> dtm.datetime | None:
    """When the first row that may go next (a chat's oldest pending row) may be sent; with
    ``besides``, among the other chats' rows."""
    query = select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.id.in_(_first_of_each_chat())
    )
    if besides is not None:
        query = query.where(OutboxMessage.chat_id != besides)
    value: dtm.datetime | None = await session.scalar(query)
    return value


async def message_ids(session: AsyncSession, refs: Sequence[int]) -> dict[int, int]:
    """The Telegram message ids that sent rows produced."""
    if not refs:
        return {}
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.message_id).where(
            OutboxMessage.id.in_(refs), OutboxMessage.message_id.is_not(None)
        )
    )
    return {row_id: int(message_id) for row_id, message_id in rows}


async def mark_sent(
    session: AsyncSession, row_id: int, now: dtm.datetime, message_id: int | None
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(sent_at=now, payload=None, message_id=message_id)
        .execution_options(synchronize_session=False)  # the sender holds no rows in its session
    )


async def remove_all(session: AsyncSession, row_ids: Sequence[int]) -> None:
    """:func:`remove` for many rows at once."""
    if row_ids:
        await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(row_ids))
            .execution_options(synchronize_session=False)
        )


async def remove(session: AsyncSession, row_id: int) -> None:
    """Forget a row that was sent and is not referred to, or that Telegram refused for good."""
    await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .execution_options(synchronize_session=False)
    )


async def drop_chat(session: AsyncSession, chat_id: int, through: int) -> None:
    """Give up on the pending rows of a chat up to row ``through``, the one Telegram refused
    with 403 (the user blocked the bot). Later rows may answer a /start sent after unblocking,
    while that result waited to be recorded: they stay, and meet their own 403 if still
    blocked."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.id <= through,
        )
    )


async def retry_later(
    session: AsyncSession, row_id: int, when: dtm.datetime, reason: str, *, count: bool = True
) -> None:
    values: dict[str, object] = {"not_before": when, "error": reason[:200]}
    if count:
        values["attempts"] = OutboxMessage.attempts + 1
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(values)
        .execution_options(synchronize_session=False)
    )


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """Remove every row of a chat (``/delete``), sent or not."""
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))


async def purge(session: AsyncSession, before: dtm.datetime) -> None:
    """Forget rows sent before ``before``; messages that old are not edited any more."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < before
        )
    )
