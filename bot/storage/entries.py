"""Storing the messages users send (notes and answer parts) and applying their edits."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.journal import MessageKind
from bot.storage.models import Entry


async def add_entry(
    session: AsyncSession,
    *,
    user_id: int,
    week: str,
    chat_id: int,
    message_id: int,
    kind: MessageKind,
    text: str | None,
    sent_at: dtm.datetime,
    answer_id: int | None = None,
    file_id: str | None = None,
    file_unique_id: str | None = None,
    duration: int | None = None,
) -> Entry:
    """Store one message; the same Telegram message twice (a redelivered update) is stored once.

    The row is written at the session's next flush (a later query or the commit), together
    with the transaction's other new rows."""
    existing = await find_entry(session, chat_id, message_id)
    if existing is not None:
        return existing
    entry = Entry(
        user_id=user_id,
        week=week,
        chat_id=chat_id,
        message_id=message_id,
        kind=kind.value,
        text=text,
        original_text=text,
        answer_id=answer_id,
        file_id=file_id,
        file_unique_id=file_unique_id,
        duration=duration,
        sent_at=sent_at,
        edited_at=None,
    )
    session.add(entry)
    return entry


async def find_entry(session: AsyncSession, chat_id: int, message_id: int) -> Entry | None:
    found: Entry | None = await session.scalar(
        select(Entry).where(Entry.chat_id == chat_id, Entry.message_id == message_id)
    )
    return found


async def apply_edit(
    session: AsyncSession, *, chat_id: int, message_id: int, text: str | None, now: dtm.datetime
) -> Entry | None:
    """Replace the stored text of an edited message, keeping the first version; None if unknown."""
    entry = await find_entry(session, chat_id, message_id)
    if entry is None:
        return None
    entry.text = text
    entry.edited_at = now
    await session.flush()
    return entry


async def has_note_in_week(session: AsyncSession, user_id: int, week: str) -> bool:
    """Whether the user kept a note (not a review answer) in ``week``."""
    found = await session.scalar(
        select(Entry.id)
        .where(Entry.user_id == user_id, Entry.week == week, Entry.answer_id.is_(None))
        .limit(1)
    )
    return found is not None


async def count_entries(session: AsyncSession, user_id: int) -> int:
    from sqlalchemy import func

    return int(
        await session.scalar(
            select(func.count()).select_from(Entry).where(Entry.user_id == user_id)
        )
        or 0
    )
