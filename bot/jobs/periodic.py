"""The year-end draft in December, sent once; and tidying old rows.

Like the weekly prompts, the due time lives in the database (``next_draft_at``); a
compare-and-set moves it on and a (user, kind, period) delivery row is claimed in the
transaction that also queues the ``draft`` task, so a restart or a second process never sends
twice. The task composes and sends outside any transaction. When the notification budget
(:mod:`bot.jobs.budget`) has no room, the draft waits a day. The monthly recap is offered on
the first prompt of a month instead (see :func:`bot.jobs.budget.recap_to_offer`).
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.jobs import budget
from bot.pipeline.outgoing import Outgoing
from bot.scheduling import draft_year, next_draft_after
from bot.services import Services
from bot.storage import deliveries, inbox, outbox, users
from bot.storage.models import User

log = logging.getLogger(__name__)
BATCH = 200
DRAFT_GRACE = dtm.timedelta(days=31)  # a draft missed while down still goes out
KEEP_HANDLED = dtm.timedelta(days=2)  # handled updates: long enough to spot redeliveries
KEEP_SENT = dtm.timedelta(days=7)  # sent messages stay editable (a review's buttons) this long


Following = Callable[[User, dtm.datetime], dtm.datetime]


async def _due_user_ids(
    services: Services, column: InstrumentedAttribute[dtm.datetime | None], now: dtm.datetime
) -> list[int]:
    async with services.transaction() as session:
        return list(
            await session.scalars(
                select(User.id)
                .where(column.is_not(None), column <= now)
                .order_by(column)
                .limit(BATCH)
            )
        )


async def _take_slot(
    session: AsyncSession,
    user_id: int,
    column: InstrumentedAttribute[dtm.datetime | None],
    following_of: Following,
) -> tuple[User, dtm.datetime, dtm.datetime] | None:
    """Move the user's due time in ``column`` on by compare-and-set; None if someone else did."""
    user = await users.get_user(session, user_id)
    slot = getattr(user, column.key) if user is not None else None
    if user is None or slot is None or user.timezone is None:
        return None
    following = following_of(user, slot)
    moved = await session.execute(
        update(User)
        .where(User.id == user_id, column == slot)
        .values({column: following})
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        return None
    return user, slot, following


def _next_draft(user: User, slot: dtm.datetime) -> dtm.datetime:
    assert user.timezone is not None
    return next_draft_after(slot, user.draft_day, user.review_hour, user.timezone)


async def run_drafts(services: Services) -> None:
    """Queue the year's draft on the user's December day, once."""
    now = services.clock.now()
    for user_id in await _due_user_ids(services, User.next_draft_at, now):
        async with services.transaction() as session:
            user = await users.get_user(session, user_id)
            if user is None or user.next_draft_at is None:
                continue
            if now < user.next_draft_at + DRAFT_GRACE and not await budget.has_room(
                session, user, now, for_draft=True
            ):
                # The notification budget is spent today or this week: try again tomorrow.
                await session.execute(
                    update(User)
                    .where(User.id == user_id, User.next_draft_at == user.next_draft_at)
                    .values(next_draft_at=user.next_draft_at + dtm.timedelta(days=1))
                    .execution_options(synchronize_session=False)
                )
                log.info("draft_postponed", extra={"user": user_id})
                continue
            taken = await _take_slot(session, user_id, User.next_draft_at, _next_draft)
            if taken is None:
                continue
            user, slot, _ = taken
            assert user.timezone is not None
            year = draft_year(slot, user.timezone)  # a postponed draft may fall in January
            if user.blocked or now >= slot + DRAFT_GRACE:
                continue
            period = str(year)
            if not await deliveries.claim(session, user_id, "draft", period, now):
                continue
            await budget.spend(session, user, now)
            out = Outgoing(session, user.chat_id, now, user.id)
            out.task("draft", year=year, include_private=False, automatic=True)
        log.info("draft_queued", extra={"user": user_id, "year": period})


async def tidy(services: Services) -> None:
    """Forget handled updates and sent messages that nothing refers to any more."""
    now = services.clock.now()
    async with services.transaction() as session:
        await inbox.purge(session, now - KEEP_HANDLED)
        await outbox.purge(session, now - KEEP_SENT)
