"""Goals of a year: adding, editing, marking done, listing."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Goal


async def goals_of(session: AsyncSession, user_id: int, year: int | None = None) -> list[Goal]:
    query = select(Goal).where(Goal.user_id == user_id)
    if year is not None:
        query = query.where(Goal.year == year)
    return list(await session.scalars(query.order_by(Goal.year, Goal.position, Goal.id)))


async def add_goal(
    session: AsyncSession, user_id: int, year: int, text: str, now: dtm.datetime
) -> Goal:
    position = int(
        await session.scalar(
            select(func.count()).select_from(Goal).where(Goal.user_id == user_id, Goal.year == year)
        )
        or 0
    )
    goal = Goal(
        user_id=user_id, year=year, text=text, position=position, done=False, created_at=now
    )
    session.add(goal)
    await session.flush()
    return goal


async def goal_by_id(session: AsyncSession, user_id: int, goal_id: int) -> Goal | None:
    found: Goal | None = await session.scalar(
        select(Goal).where(Goal.id == goal_id, Goal.user_id == user_id)
    )
    return found
