"""Reviews and answers: claiming a week exactly once, progress through questions, flags."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.journal import ReviewStatus
from bot.storage.models import Answer, Entry, Review

OPEN_STATUSES = (ReviewStatus.CLAIMED, ReviewStatus.PROMPTED, ReviewStatus.SNOOZED)


async def claim_review(
    session: AsyncSession,
    *,
    user_id: int,
    week: str,
    keys: Sequence[str],
    status: ReviewStatus,
    deadline: dtm.datetime,
    now: dtm.datetime,
) -> Review | None:
    """Insert the (user, week) review; None when it already exists (someone claimed it first).

    The unique constraint makes this the exactly-once point: a second process, a double tick or
    a restart all fail here instead of sending the prompt again.
    """
    review = Review(
        user_id=user_id,
        week=week,
        status=status.value,
        question_keys=list(keys),
        position=0,
        deadline_at=deadline,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(review)
    except IntegrityError:
        return None
    return review


async def get_review(session: AsyncSession, user_id: int, week: str) -> Review | None:
    found: Review | None = await session.scalar(
        select(Review).where(Review.user_id == user_id, Review.week == week)
    )
    return found


async def review_by_id(session: AsyncSession, user_id: int, review_id: int) -> Review | None:
    """The review, only if it belongs to ``user_id`` (button data is never trusted blindly)."""
    found: Review | None = await session.scalar(
        select(Review).where(Review.id == review_id, Review.user_id == user_id)
    )
    return found


async def recent_reviews(
    session: AsyncSession, user_id: int, before_week: str, limit: int
) -> list[Review]:
    """The user's latest reviews for weeks before ``before_week``, newest first."""
    return list(
        await session.scalars(
            select(Review)
            .where(Review.user_id == user_id, Review.week < before_week)
            .order_by(Review.week.desc())
            .limit(limit)
        )
    )


async def transition(
    session: AsyncSession,
    review_id: int,
    expected: Sequence[ReviewStatus],
    new: ReviewStatus,
    **values: object,
) -> bool:
    """Move a review to ``new`` only from one of ``expected`` (compare-and-set across processes)."""
    result = await session.execute(
        update(Review)
        .where(Review.id == review_id, Review.status.in_([s.value for s in expected]))
        .values(status=new.value, **values)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def wake_due(session: AsyncSession, now: dtm.datetime, limit: int) -> list[Review]:
    """Snoozed or unsent reviews whose ``wake_at`` has come."""
    return list(
        await session.scalars(
            select(Review)
            .where(
                Review.status.in_([ReviewStatus.SNOOZED.value, ReviewStatus.CLAIMED.value]),
                Review.wake_at.is_not(None),
                Review.wake_at <= now,
            )
            .order_by(Review.wake_at)
            .limit(limit)
        )
    )


async def take_wake_up(session: AsyncSession, review_id: int, wake_at: dtm.datetime) -> bool:
    """Clear a due ``wake_at`` if it is still the one we saw; True for the process that did."""
    result = await session.execute(
        update(Review)
        .where(Review.id == review_id, Review.wake_at == wake_at)
        .values(wake_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def reminder_due(
    session: AsyncSession, prompted_before: dtm.datetime, now: dtm.datetime, limit: int
) -> list[Review]:
    """Prompted, never started reviews whose prompt is older than a day and still open."""
    return list(
        await session.scalars(
            select(Review)
            .where(
                Review.status == ReviewStatus.PROMPTED.value,
                Review.prompted_at <= prompted_before,
                Review.deadline_at > now,
            )
            .order_by(Review.prompted_at)
            .limit(limit)
        )
    )


async def expire_overdue(session: AsyncSession, now: dtm.datetime) -> int:
    """Reviews never started before their deadline become missed; returns how many."""
    result = await session.execute(
        update(Review)
        .where(Review.status.in_([s.value for s in OPEN_STATUSES]), Review.deadline_at <= now)
        .values(status=ReviewStatus.MISSED.value, wake_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def answers_of(session: AsyncSession, review_id: int) -> list[Answer]:
    return list(
        await session.scalars(
            select(Answer).where(Answer.review_id == review_id).order_by(Answer.position)
        )
    )


async def get_answer(session: AsyncSession, review_id: int, key: str) -> Answer | None:
    found: Answer | None = await session.scalar(
        select(Answer).where(Answer.review_id == review_id, Answer.question_key == key)
    )
    return found


async def answer_by_id(session: AsyncSession, user_id: int, answer_id: int) -> Answer | None:
    found: Answer | None = await session.scalar(
        select(Answer).where(Answer.id == answer_id, Answer.user_id == user_id)
    )
    return found


async def ensure_answer(
    session: AsyncSession,
    review: Review,
    *,
    key: str,
    section: str,
    prompt: str,
    now: dtm.datetime,
    goal_id: int | None = None,
) -> Answer:
    """The answer row for ``key`` in ``review``, created on first use."""
    answer = await get_answer(session, review.id, key)
    if answer is None:
        answer = Answer(
            review_id=review.id,
            user_id=review.user_id,
            week=review.week,
            question_key=key,
            section=section,
            prompt=prompt,
            position=review.question_keys.index(key)
            if key in review.question_keys
            else len(review.question_keys),
            skipped=False,
            highlight=False,
            private=False,
            goal_id=goal_id,
            created_at=now,
        )
        session.add(answer)
        await session.flush()
    return answer


async def answer_entries(session: AsyncSession, answer_ids: Sequence[int]) -> list[Entry]:
    if not answer_ids:
        return []
    return list(
        await session.scalars(
            select(Entry).where(Entry.answer_id.in_(answer_ids)).order_by(Entry.sent_at, Entry.id)
        )
    )
