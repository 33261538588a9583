"""Queries about users: creation on first contact, settings, conversation state, due times."""

from __future__ import annotations

import datetime as dtm
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import User


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def create_user(
    session: AsyncSession, *, user_id: int, chat_id: int, language: str, now: dtm.datetime
) -> User:
    """A new, not yet onboarded user (nothing is scheduled until onboarding ends)."""
    user = User(
        id=user_id,
        chat_id=chat_id,
        language=language,
        review_weekday=6,
        review_hour=19,
        onboarded=False,
        paused=False,
        blocked=False,
        dormant=False,
        monthly_recap=True,
        draft_day=31,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user


ASKED_AT = "asked_at"  # in state_data: when the state's question was asked (POSIX seconds)


async def set_state(
    session: AsyncSession,
    user: User,
    state: str | None,
    data: dict[str, Any] | None = None,
    *,
    now: dtm.datetime | None = None,
) -> None:
    """Remember what the user's next plain message means (survives restarts); with ``now``,
    also when it was asked (:func:`state_age`)."""
    user.state = state
    user.state_data = {**(data or {}), ASKED_AT: now.timestamp()} if now is not None else data
    await session.flush()


def state_age(user: User, now: dtm.datetime) -> dtm.timedelta | None:
    """How long ago the question behind ``user.state`` was asked; None when not recorded."""
    asked = (user.state_data or {}).get(ASKED_AT)
    if not isinstance(asked, int | float):
        return None
    return now - dtm.datetime.fromtimestamp(asked, dtm.UTC)


async def due_user_ids(session: AsyncSession, now: dtm.datetime, limit: int) -> list[int]:
    """Users whose weekly prompt is due, oldest first (uses the next_due_at index)."""
    rows = await session.scalars(
        select(User.id)
        .where(User.next_due_at.is_not(None), User.next_due_at <= now)
        .order_by(User.next_due_at)
        .limit(limit)
    )
    return list(rows)


async def move_due(
    session: AsyncSession, user_id: int, expected: dtm.datetime, new: dtm.datetime | None
) -> bool:
    """Advance a user's due time only if nobody else did (compare-and-set); True if we did."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.next_due_at == expected)
        .values(next_due_at=new)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Erase the user and, through ON DELETE CASCADE, every row about them."""
    await session.execute(delete(User).where(User.id == user_id))
