"""The guided year-end session's answers (:class:`~bot.storage.models.YearEndAnswer`)."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import YearEndAnswer


async def answers_of(session: AsyncSession, user_id: int, year: int) -> dict[str, YearEndAnswer]:
    """The user's answers for ``year`` by question key."""
    rows = await session.scalars(
        select(YearEndAnswer).where(YearEndAnswer.user_id == user_id, YearEndAnswer.year == year)
    )
    return {row.key: row for row in rows}


async def all_answers(session: AsyncSession, user_id: int) -> list[YearEndAnswer]:
    """Every year-end answer of the user, by year and question."""
    rows = await session.scalars(
        select(YearEndAnswer)
        .where(YearEndAnswer.user_id == user_id)
        .order_by(YearEndAnswer.year, YearEndAnswer.id)
    )
    return list(rows)


async def keep(
    session: AsyncSession,
    *,
    user_id: int,
    year: int,
    key: str,
    now: dtm.datetime,
    text: str | None = None,
    picked: list[str] | None = None,
    skipped: bool = False,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> YearEndAnswer:
    """Store the answer to ``key`` (replacing an earlier one for the same year)."""
    row = (await answers_of(session, user_id, year)).get(key)
    if row is None:
        row = YearEndAnswer(user_id=user_id, year=year, key=key, created_at=now, private=False)
        session.add(row)
    row.text = text
    row.original_text = text
    row.picked = picked
    row.skipped = skipped
    row.chat_id = chat_id
    row.message_id = message_id
    row.edited_at = None
    await session.flush()
    return row


async def apply_edit(
    session: AsyncSession, *, chat_id: int, message_id: int, text: str | None, now: dtm.datetime
) -> YearEndAnswer | None:
    """Apply an edit of the message an answer came in; None if no answer came in it."""
    row = await session.scalar(
        select(YearEndAnswer).where(
            YearEndAnswer.chat_id == chat_id, YearEndAnswer.message_id == message_id
        )
    )
    if row is None or text is None:
        return row
    row.text = text
    row.edited_at = now
    return row
