"""Storing the messages users send (notes and answer parts) and applying their edits."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import bindparam, exists, select
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
    return _stage(
        session,
        user_id=user_id,
        week=week,
        chat_id=chat_id,
        message_id=message_id,
        kind=kind,
        text=text,
        sent_at=sent_at,
        answer_id=answer_id,
        file_id=file_id,
        file_unique_id=file_unique_id,
        duration=duration,
    )


_NOTE_QUESTIONS = select(
    exists().where(
        Entry.chat_id == bindparam("chat_id"), Entry.message_id == bindparam("message_id")
    ),
    exists().where(
        Entry.user_id == bindparam("user_id"),
        Entry.week == bindparam("week"),
        Entry.answer_id.is_(None),
    ),
)
"""What :func:`add_note` asks (built once: a note is the most common thing stored)."""


async def add_note(
    session: AsyncSession,
    *,
    user_id: int,
    week: str,
    chat_id: int,
    message_id: int,
    kind: MessageKind,
    text: str | None,
    sent_at: dtm.datetime,
    file_id: str | None = None,
    file_unique_id: str | None = None,
    duration: int | None = None,
) -> bool:
    """Store a note (an entry that answers no question) as :func:`add_entry` does; whether
    ``week`` held no note of the user's before it.

    One query asks both things a note needs to know (was this message stored before, by a
    redelivered update, and is this the week's first note), since a note is the most common
    thing the bot stores. It does not flush the session: the entries staged but not written
    yet are asked directly (nothing changes these columns of an entry once it is staged), so
    a batch of notes handled in one transaction is written in one go."""
    with session.no_autoflush:
        stored, week_has_note = (
            await session.execute(
                _NOTE_QUESTIONS,
                {"chat_id": chat_id, "message_id": message_id, "user_id": user_id, "week": week},
            )
        ).one()
    for staged in session.new:
        if isinstance(staged, Entry):
            stored = stored or (staged.chat_id, staged.message_id) == (chat_id, message_id)
            week_has_note = week_has_note or (
                (staged.user_id, staged.week) == (user_id, week) and staged.answer_id is None
            )
    if not stored:
        _stage(
            session,
            user_id=user_id,
            week=week,
            chat_id=chat_id,
            message_id=message_id,
            kind=kind,
            text=text,
            sent_at=sent_at,
            answer_id=None,
            file_id=file_id,
            file_unique_id=file_unique_id,
            duration=duration,
        )
    return not week_has_note


def _stage(
    session: AsyncSession,
    *,
    user_id: int,
    week: str,
    chat_id: int,
    message_id: int,
    kind: MessageKind,
    text: str | None,
    sent_at: dtm.datetime,
    answer_id: int | None,
    file_id: str | None,
    file_unique_id: str | None,
    duration: int | None,
) -> Entry:
    """A new entry, written at the session's next flush."""
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


async def count_entries(session: AsyncSession, user_id: int) -> int:
    from sqlalchemy import func

    return int(
        await session.scalar(
            select(func.count()).select_from(Entry).where(Entry.user_id == user_id)
        )
        or 0
    )
