"""The notification budget: how often the bot may write without being asked.

At most :data:`PER_WEEK` unasked notifications in any of the user's local ISO weeks, and at
most one a day. Unasked are the weekly prompt (or the welcome-back sent in its place), its
reminder, and the year-end draft. The weekly prompt always goes: it is the habit itself, so
every other unasked message leaves room for the week's prompt and yields to it:

* a reminder that does not fit is dropped;
* the year-end draft that does not fit waits a day (see :mod:`bot.jobs.periodic`);
* the monthly recap is never a message of its own: the first prompt after the 1st that
  asks about a week of the new month carries it as a line and a button
  (:func:`recap_to_offer`), and in January the year-end draft replaces December's recap.

Every unasked send is recorded as a ``deliveries`` row (kind ``notice``, period: the local
date), so the count is shared by every replica and one a day is a unique constraint.
"""

from __future__ import annotations

import datetime as dtm
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.weeks import IsoWeek
from bot.reports.stats import weeks_of_month
from bot.scheduling import next_recap_after
from bot.storage import deliveries
from bot.storage.models import Delivery, Entry, User

NOTICE = "notice"
PER_WEEK = 2


def _local(user: User, now: dtm.datetime) -> dtm.datetime:
    return now.astimezone(ZoneInfo(user.timezone or "UTC"))


async def spend(session: AsyncSession, user: User, now: dtm.datetime) -> None:
    """Record an unasked notification sent today (the weekly prompt may share a day)."""
    await deliveries.claim(session, user.id, NOTICE, _local(user, now).date().isoformat(), now)


async def _spent(session: AsyncSession, user: User, first: dtm.date, last: dtm.date) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.user_id == user.id,
                Delivery.kind == NOTICE,
                Delivery.period >= first.isoformat(),
                Delivery.period <= last.isoformat(),
            )
        )
        or 0
    )


def _ahead(user: User, now: dtm.datetime, end: dtm.datetime, *, draft: bool) -> list[dtm.datetime]:
    """Unasked sends already scheduled from ``now`` until ``end``: the prompt, the draft."""
    found = []
    if user.next_due_at is not None and not user.paused and now <= user.next_due_at < end:
        found.append(user.next_due_at)
    if draft and user.next_draft_at is not None and now <= user.next_draft_at < end:
        found.append(user.next_draft_at)
    return found


async def has_room(
    session: AsyncSession, user: User, now: dtm.datetime, *, for_draft: bool
) -> bool:
    """Whether a reminder (or, ``for_draft``, the year-end draft) may be sent now.

    It must be the only unasked message of the local day, and together with what this week
    already had and what is still scheduled in it (the prompt; for a reminder, the draft) stay
    within :data:`PER_WEEK`.
    """
    local = _local(user, now)
    today = local.date()
    week = IsoWeek.of(today)
    if await _spent(session, user, today, today):
        return False
    week_end = week.end(local.tzinfo)  # type: ignore[arg-type]
    ahead = _ahead(user, now, week_end, draft=not for_draft)
    if any(_local(user, at).date() == today for at in ahead):
        return False  # the day's one unasked message is still to come
    used = await _spent(session, user, week.monday, week.sunday)
    return used + len(ahead) + 1 <= PER_WEEK


async def recap_to_offer(
    session: AsyncSession, user: User, now: dtm.datetime, week: IsoWeek
) -> tuple[int, int] | None:
    """The month whose recap the prompt sent ``now`` about ``week`` should carry, or None.

    Each month once (``next_recap_at`` moves on to the next 1st), only during the month after
    it, only with something written in it, and not December when that year's draft was sent.
    A prompt that still asks about the month's last week (on Sunday, November 1, about the
    week of October 26) leaves it to the next prompt, so the recap holds that week too.
    """
    due = user.next_recap_at
    if not user.monthly_recap or due is None or due > now or user.timezone is None:
        return None
    opened = _local(user, due).date()
    last = opened - dtm.timedelta(days=1)
    year, month = last.year, last.month
    stale = _local(user, now).date().replace(day=1) != opened.replace(day=1)
    if not stale and week <= weeks_of_month(year, month)[-1]:
        return None  # next_recap_at stays: the next prompt carries it
    user.next_recap_at = next_recap_after(now, user.review_hour, user.timezone)
    if stale:
        return None  # the month after it is over: the recap is stale
    if month == 12 and await _draft_sent(session, user, year):
        return None  # the year-end draft replaces December's recap
    weeks = [w.key for w in weeks_of_month(year, month)]
    written = await session.scalar(
        select(func.count())
        .select_from(Entry)
        .where(Entry.user_id == user.id, Entry.week.in_(weeks))
    )
    return (year, month) if written else None


async def _draft_sent(session: AsyncSession, user: User, year: int) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.user_id == user.id, Delivery.kind == "draft", Delivery.period == str(year))
    )
    return bool(found)
