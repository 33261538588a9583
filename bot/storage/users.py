"""Queries about users: creation on first contact, settings, conversation state, due times."""

from __future__ import annotations

import datetime as dtm
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import User
from bot.storage.sqlite_driver import OFF_THE_LOOP


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    """The user, without flushing the session first: a lookup by id cannot depend on rows
    not written yet (:func:`create_user` writes a new user at once). So a batch of updates
    handled in one transaction writes its new rows together, not once per update."""
    with session.no_autoflush:
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


LASTING_STATES = frozenset({"review", "yearend"})
"""States of a flow over many messages (a review, the /yearend session). A question asked on
the side meanwhile (a time zone, a goal, a question's text, an import) keeps the flow in its
data under ``RESUME``, and the flow comes back when that question ends."""
RESUME = "resume"


async def set_state(
    session: AsyncSession,
    user: User,
    state: str | None,
    data: dict[str, Any] | None = None,
    *,
    now: dtm.datetime | None = None,
) -> None:
    """Remember what the user's next plain message means (survives restarts); with ``now``,
    also when it was asked (:func:`state_age`).

    Ending a question asked on the side of a review or /yearend (``state`` None) brings that
    flow back; see :data:`LASTING_STATES`.
    """
    resume = _interrupted(user, state)
    if state is None and resume is not None:
        user.state, user.state_data = resume.get("state"), resume.get("data")
        await session.flush()
        return
    user.state = state
    user.state_data = {**(data or {}), ASKED_AT: now.timestamp()} if now is not None else data
    if state is not None and resume is not None:
        user.state_data = {**(user.state_data or {}), RESUME: resume}
    await session.flush()


async def leave_side_question(session: AsyncSession, user: User) -> None:
    """Forget a question asked on the side (/settings, /goals and /questions start afresh),
    but not a review or /yearend session under way: its next answer still belongs to it."""
    if user.state not in LASTING_STATES:
        await set_state(session, user, None)


def _interrupted(user: User, state: str | None) -> dict[str, Any] | None:
    """The flow to keep (or bring back) when the state changes from ``user.state`` to
    ``state``: a lasting flow left for a side question, or the one a side question holds."""
    if user.state in LASTING_STATES:
        if state is None or state in LASTING_STATES:
            return None  # the flow itself ends, or another one replaces it
        return {"state": user.state, "data": user.state_data}
    if user.state is None or state in LASTING_STATES:
        return None
    kept = (user.state_data or {}).get(RESUME)
    return kept if isinstance(kept, dict) else None


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
    """Erase the user and, through ON DELETE CASCADE, every row about them (a year of them
    may take a while: on SQLite not on the event loop's thread)."""
    await session.execute(
        delete(User).where(User.id == user_id).execution_options(**{OFF_THE_LOOP: True})
    )
