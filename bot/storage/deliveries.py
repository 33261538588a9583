"""Exactly-once claims for unasked messages: reminders, welcome-backs, recaps, drafts."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Delivery


async def claim(
    session: AsyncSession, user_id: int, kind: str, period: str, now: dtm.datetime
) -> bool:
    """Record that (user, kind, period) is being sent; False if it already was."""
    try:
        async with session.begin_nested():
            session.add(Delivery(user_id=user_id, kind=kind, period=period, created_at=now))
    except IntegrityError:
        return False
    return True


async def release(session: AsyncSession, user_id: int, kind: str, period: str) -> None:
    """Forget a claim whose send failed for a transient reason, so it is tried again."""
    await session.execute(
        delete(Delivery).where(
            Delivery.user_id == user_id, Delivery.kind == kind, Delivery.period == period
        )
    )
