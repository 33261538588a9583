"""Keeping each user's next due instant (UTC, in the database) in step with their settings."""

from __future__ import annotations

import datetime as dtm

from bot.domain.schedule import next_slot
from bot.storage.models import User


def is_schedulable(user: User) -> bool:
    return bool(user.onboarded and user.timezone and not user.paused and not user.blocked)


def reschedule(user: User, now: dtm.datetime) -> None:
    """Set ``next_due_at`` to the user's next weekly slot after ``now`` (or clear it)."""
    if not is_schedulable(user):
        user.next_due_at = None
        return
    assert user.timezone is not None
    user.next_due_at = next_slot(now, user.review_weekday, user.review_hour, user.timezone)
