"""Loading a user's stored weeks and goals as a :class:`~bot.domain.journal.Journal` snapshot.

Queries touch only the user's rows and the requested weeks, through the (user, week) indexes,
so a recap costs the same whatever else the database holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from bot.domain.journal import (
    AnswerView,
    GoalView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
    YearEndView,
)
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.storage.models import Answer, Entry, Goal, Review, User, YearEndAnswer

M = TypeVar("M")


def _message(entry: Entry) -> StoredMessage:
    return StoredMessage(
        kind=MessageKind(entry.kind),
        text=entry.text,
        sent_at=entry.sent_at,
        file_id=entry.file_id,
        file_unique_id=entry.file_unique_id,
        duration=entry.duration,
        edited=entry.edited_at is not None,
        starred=entry.starred,
        tags=tuple(entry.tags or ()),
        energy=entry.energy,
    )


def split_entries(
    entries: Iterable[Entry], convert: Callable[[Entry], M]
) -> tuple[dict[int, list[M]], dict[str, list[M]]]:
    """Messages by the answer they belong to, and notes by week, in the given order."""
    by_answer: dict[int, list[M]] = defaultdict(list)
    notes: dict[str, list[M]] = defaultdict(list)
    for entry in entries:
        if entry.answer_id is None:
            notes[entry.week].append(convert(entry))
        else:
            by_answer[entry.answer_id].append(convert(entry))
    return by_answer, notes


def _section(value: str) -> Section:
    try:
        return Section(value)
    except ValueError:
        return Section.ODDS


async def load_journal(
    session: AsyncSession, user: User, first: IsoWeek | None = None, last: IsoWeek | None = None
) -> Journal:
    """The user's weeks between ``first`` and ``last`` (inclusive; None = unbounded) and goals."""

    def in_range(column: Mapped[str]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if first is not None:
            conditions.append(column >= first.key)
        if last is not None:
            conditions.append(column <= last.key)
        return conditions

    reviews = list(
        await session.scalars(
            select(Review).where(Review.user_id == user.id, *in_range(Review.week))
        )
    )
    answers = list(
        await session.scalars(
            select(Answer)
            .where(Answer.user_id == user.id, *in_range(Answer.week))
            .order_by(Answer.week, Answer.position, Answer.id)
        )
    )
    entries = list(
        await session.scalars(
            select(Entry)
            .where(Entry.user_id == user.id, *in_range(Entry.week))
            .order_by(Entry.sent_at, Entry.id)
        )
    )
    goals = list(
        await session.scalars(
            select(Goal).where(Goal.user_id == user.id).order_by(Goal.year, Goal.position, Goal.id)
        )
    )

    year_end = list(
        await session.scalars(
            select(YearEndAnswer)
            .where(YearEndAnswer.user_id == user.id, ~YearEndAnswer.skipped)
            .order_by(YearEndAnswer.year, YearEndAnswer.id)
        )
    )

    by_answer, notes = split_entries(entries, _message)

    views_by_week: dict[str, list[AnswerView]] = defaultdict(list)
    checkins: dict[int, list[tuple[IsoWeek, AnswerView]]] = defaultdict(list)
    for answer in answers:
        view = AnswerView(
            question_key=answer.question_key,
            section=_section(answer.section),
            prompt=answer.prompt,
            position=answer.position,
            messages=tuple(by_answer.get(answer.id, ())),
            skipped=answer.skipped,
            rating=answer.rating,
            highlight=answer.highlight,
            private=answer.private,
            goal_id=answer.goal_id,
        )
        views_by_week[answer.week].append(view)
        if answer.goal_id is not None:
            checkins[answer.goal_id].append((IsoWeek.parse(answer.week), view))

    status = {r.week: ReviewStatus(r.status) for r in reviews}
    weeks = sorted(set(status) | set(views_by_week) | set(notes))
    joined = IsoWeek.at(user.created_at, ZoneInfo(user.timezone or "UTC"))
    first_week = min([joined, *(IsoWeek.parse(w) for w in weeks[:1])])
    return Journal(
        language=user.language,
        timezone=user.timezone or "UTC",
        first_week=first_week,
        weeks=tuple(
            WeekView(
                week=IsoWeek.parse(week),
                status=status.get(week),
                answers=tuple(views_by_week.get(week, ())),
                notes=tuple(notes.get(week, ())),
            )
            for week in weeks
        ),
        goals=tuple(
            GoalView(
                id=g.id,
                year=g.year,
                text=g.text,
                done=g.done,
                checkins=tuple(checkins.get(g.id, ())),
            )
            for g in goals
        ),
        year_end=tuple(
            YearEndView(
                year=row.year,
                key=row.key,
                text=row.text,
                picked=tuple(row.picked or ()),
                private=row.private,
            )
            for row in year_end
        ),
    )
