"""Keeping each user's due instants (UTC, in the database) in step with their settings.

Three instants per user: the next weekly prompt (``next_due_at``), the next automatic monthly
recap (``next_recap_at``: the 1st of next month at the review hour) and the next year-end draft
(``next_draft_at``: December ``draft_day`` at the review hour). Jobs only ever read these.
"""

from __future__ import annotations

import datetime as dtm
from zoneinfo import ZoneInfo

from bot.domain import schedule
from bot.domain.schedule import next_slot, review_week, slot_on
from bot.domain.weeks import IsoWeek
from bot.storage.models import User


def is_schedulable(user: User) -> bool:
    return bool(user.onboarded and user.timezone and not user.blocked)


def next_recap_after(now: dtm.datetime, hour: int, tz: str) -> dtm.datetime:
    """The first "1st of a month at ``hour``" strictly after ``now``."""
    local = now.astimezone(ZoneInfo(tz)).date()
    first = local.replace(day=1)
    candidate = slot_on(first, hour, tz)
    if candidate > now:
        return candidate
    following = (first + dtm.timedelta(days=32)).replace(day=1)
    return slot_on(following, hour, tz)


def next_draft_after(now: dtm.datetime, day: int, hour: int, tz: str) -> dtm.datetime:
    """The first "December ``day`` at ``hour``" strictly after ``now``."""
    year = now.astimezone(ZoneInfo(tz)).year
    candidate = slot_on(dtm.date(year, 12, day), hour, tz)
    if candidate > now:
        return candidate
    return slot_on(dtm.date(year + 1, 12, day), hour, tz)


def draft_year(slot: dtm.datetime, tz: str) -> int:
    """The year a draft slot is for: its December's, also when a full notification budget
    postponed it by a day or two into January."""
    local = slot.astimezone(ZoneInfo(tz))
    return local.year if local.month == 12 else local.year - 1


def reschedule(user: User, now: dtm.datetime) -> None:
    """Recompute every due instant of ``user`` after a settings change (or clear them).

    What has come but not been handled yet stays: a slot that passed seconds before the
    change (the jobs have not run yet), a monthly recap waiting for the next prompt to carry
    it, and a year-end draft that the notification budget pushed towards January. So does
    the pending slot when the new day, hour or zone would first ask about a later week (on
    Friday, Sunday → Thursday; on Sunday noon, 19:00 → 09:00): this week's prompt comes as
    planned, and the new schedule starts after it. A settings change, even one that changes
    nothing, must not skip a week, a recap or a draft.
    """
    if not is_schedulable(user):
        user.next_due_at = user.next_recap_at = user.next_draft_at = None
        return
    assert user.timezone is not None
    tz, hour = user.timezone, user.review_hour
    # A paused user keeps their slot: each one that passes records a neutral "paused" week.
    pending = user.next_due_at
    if not _has_come(pending, now):  # a passed slot is the weekly job's to handle
        slot = next_slot(now, user.review_weekday, hour, tz)
        if pending is None or review_week(slot, tz) <= review_week(pending, tz):
            user.next_due_at = slot  # else the pending slot still asks about an earlier week
    if not user.monthly_recap:
        user.next_recap_at = None
    elif not _has_come(user.next_recap_at, now):  # a due recap rides on the next prompt
        user.next_recap_at = next_recap_after(now, hour, tz)
    draft = next_draft_after(now, user.draft_day, hour, tz)
    waiting = user.next_draft_at
    if waiting is None or draft_year(waiting, tz) >= draft_year(draft, tz):
        user.next_draft_at = draft  # else an earlier year's draft is still to be sent


def _has_come(instant: dtm.datetime | None, now: dtm.datetime) -> bool:
    return instant is not None and instant <= now


def open_week(user: User, now: dtm.datetime) -> IsoWeek:
    """The oldest week of ``user`` that is not over at ``now`` (the latest prompt's week);
    without a schedule, the calendar week they are in."""
    zone = user.timezone or "UTC"
    if not user.onboarded or user.timezone is None:
        return IsoWeek.at(now, ZoneInfo(zone))
    return schedule.open_week(now, user.review_weekday, user.review_hour, zone)
