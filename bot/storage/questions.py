"""A user's question list (defaults on/off, their own questions, the order) and review plans."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.questions import (
    DEFAULT_QUESTIONS,
    ROTATING_KEY,
    Question,
    Section,
    builtin,
    default_order,
    is_builtin,
    rotating_for,
)
from bot.domain.weeks import IsoWeek
from bot.storage.models import UserQuestion

CUSTOM_PREFIX = "custom-"


async def user_questions(session: AsyncSession, user_id: int) -> list[UserQuestion]:
    """The user's list in order, created from the defaults the first time it is needed."""
    rows = list(
        await session.scalars(
            select(UserQuestion)
            .where(UserQuestion.user_id == user_id)
            .order_by(UserQuestion.position)
        )
    )
    if rows:
        return rows
    sections = {q.key: q.section.value for q in DEFAULT_QUESTIONS}
    for position, key in enumerate(default_order()):
        row = UserQuestion(
            user_id=user_id,
            key=key,
            text=None,
            enabled=True,
            position=position,
            section=sections.get(key, "rotating"),
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


async def add_custom(
    session: AsyncSession, user_id: int, text: str, section: Section
) -> UserQuestion:
    """Append the user's own question to their list."""
    rows = await user_questions(session, user_id)
    number = 1 + int(
        await session.scalar(
            select(func.count())
            .select_from(UserQuestion)
            .where(UserQuestion.user_id == user_id, UserQuestion.key.startswith(CUSTOM_PREFIX))
        )
        or 0
    )
    row = UserQuestion(
        user_id=user_id,
        key=f"{CUSTOM_PREFIX}{number}",
        text=text,
        section=section.value,
        enabled=True,
        position=max((r.position for r in rows), default=-1) + 1,
    )
    session.add(row)
    await session.flush()
    return row


def move(rows: list[UserQuestion], key: str, offset: int) -> None:
    """Move ``key`` up (-1) or down (+1) in the list, renumbering positions."""
    ordered = sorted(rows, key=lambda r: r.position)
    index = next(i for i, r in enumerate(ordered) if r.key == key)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position


def plan_keys(rows: list[UserQuestion], week: IsoWeek) -> list[str]:
    """The question keys for ``week``'s review, the rotating slot filled for that week."""
    keys = []
    for row in sorted(rows, key=lambda r: r.position):
        if not row.enabled:
            continue
        keys.append(rotating_for(week).key if row.key == ROTATING_KEY else row.key)
    return keys


def resolve(key: str, rows: list[UserQuestion]) -> Question:
    """The definition behind a planned key (built-in, or the user's own question)."""
    if is_builtin(key):
        return builtin(key)
    for row in rows:
        if row.key == key:
            return Question(row.key, Section(row.section), text=row.text or "")
    return Question(key, Section.ODDS, text="")
