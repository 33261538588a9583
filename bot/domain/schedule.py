"""Weekly slot arithmetic: when a user's weekly review is due, and which week it reviews.

A user's slot is a local wall-clock time, ``(weekday, hour, minute)`` with weekday 0 = Monday
.. 6 = Sunday, in an IANA time zone. The scheduler relies on these rules:

* **One slot per local week.** Every local date with the chosen weekday has exactly one slot
  instant, and those instants strictly increase, so walking :func:`next_slot` from slot to
  slot never fires twice in one local week and never skips one, across DST changes too.
* **Spring-forward gap.** When the chosen wall time does not exist on that date (the clocks
  jump over it), the slot is the first valid instant after the gap, i.e. the moment of the
  transition: 02:30 on Berlin's spring-forward Sunday fires at 03:00 CEST (01:00 UTC); on
  Lord Howe Island, whose clocks jump 30 minutes, 02:00 fires at 02:30.
* **Fall-back overlap.** When the wall time happens twice, the slot is the first occurrence
  (``fold=0``); the repeat is not a second slot.
* **Strictly after.** :func:`next_slot` returns the first slot strictly after the given
  instant, so passing the slot just fired yields the following week's slot.
* **Which week a review covers** (:func:`review_week`): a slot on Thursday..Sunday (local)
  reviews the ISO week containing it; a slot on Monday..Wednesday reviews the previous ISO
  week (a Monday-morning review looks back on last week), across year boundaries and
  53-week years alike.

All instants are timezone-aware; results are in UTC. Unknown zone names raise
:class:`zoneinfo.ZoneInfoNotFoundError`; invalid weekday, hour or minute and naive datetimes
raise ValueError.
"""

from __future__ import annotations

import datetime as dtm
from zoneinfo import ZoneInfo

from bot.domain.weeks import IsoWeek

_THURSDAY = 3


def _require_aware(value: dtm.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _require_range(value: int, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _validate_slot(weekday: int, hour: int, minute: int) -> None:
    _require_range(weekday, "weekday", 0, 6)
    _require_range(hour, "hour", 0, 23)
    _require_range(minute, "minute", 0, 59)


def _local_wall(instant: dtm.datetime, zone: ZoneInfo) -> dtm.datetime:
    """The naive local wall-clock reading of ``instant`` in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant_at_or_after(wall: dtm.datetime, zone: ZoneInfo) -> dtm.datetime:
    """The first instant whose local reading in ``zone`` is at or after the naive ``wall``.

    That is ``wall`` itself when it exists (its first occurrence when it happens twice),
    and the end of the gap when the clocks skip over it.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dtm.UTC)
    if _local_wall(first, zone) == wall:
        return first
    # In a gap, fold=0 applies the offset from before the transition (an instant after it)
    # and fold=1 the offset from after it (an instant before it): the transition, the first
    # instant shown at or after ``wall``, lies in between. Transitions fall on whole seconds.
    other = wall.replace(tzinfo=zone, fold=1).astimezone(dtm.UTC)
    low, high = min(first, other), max(first, other)
    step_low, step_high = 0, int((high - low).total_seconds())
    while step_low < step_high:
        middle = (step_low + step_high) // 2
        if _local_wall(low + dtm.timedelta(seconds=middle), zone) >= wall:
            step_high = middle
        else:
            step_low = middle + 1
    return low + dtm.timedelta(seconds=step_low)


def slot_on(day: dtm.date, hour: int, tz: str, minute: int = 0) -> dtm.datetime:
    """The slot instant (aware UTC) for local date ``day`` at ``hour:minute`` in ``tz``.

    Applies the gap and overlap rules of this module; ``day``'s weekday is not checked.
    """
    _require_range(hour, "hour", 0, 23)
    _require_range(minute, "minute", 0, 59)
    wall = dtm.datetime.combine(day, dtm.time(hour, minute))
    return _first_instant_at_or_after(wall, ZoneInfo(tz))


def next_slot(
    after: dtm.datetime, weekday: int, hour: int, tz: str, minute: int = 0
) -> dtm.datetime:
    """The first weekly slot strictly after the aware instant ``after``, as aware UTC."""
    _require_aware(after, "after")
    _validate_slot(weekday, hour, minute)
    zone = ZoneInfo(tz)
    today = after.astimezone(zone).date()
    # The chosen weekday in the week before ``today``: its slot is (almost always) already
    # past, so stepping week by week from there cannot jump over the wanted slot.
    day = today + dtm.timedelta(days=(weekday - today.weekday()) % 7 - 7)
    while True:
        slot = slot_on(day, hour, tz, minute)
        if slot > after:
            return slot
        day += dtm.timedelta(weeks=1)


def slots_between(
    start: dtm.datetime,
    end: dtm.datetime,
    weekday: int,
    hour: int,
    tz: str,
    minute: int = 0,
) -> list[dtm.datetime]:
    """Every slot in ``(start, end]``, oldest first, as aware UTC datetimes."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    slots: list[dtm.datetime] = []
    slot = next_slot(start, weekday, hour, tz, minute)
    while slot <= end:
        slots.append(slot)
        slot = next_slot(slot, weekday, hour, tz, minute)
    return slots


def previous_slot(
    at: dtm.datetime, weekday: int, hour: int, tz: str, minute: int = 0
) -> dtm.datetime:
    """The latest weekly slot at or before the aware instant ``at``, as aware UTC."""
    # Eight days back is before the latest slot whatever daylight saving time did.
    slot = next_slot(at - dtm.timedelta(days=8), weekday, hour, tz, minute)
    while (following := next_slot(slot, weekday, hour, tz, minute)) <= at:
        slot = following
    return slot


def open_week(now: dtm.datetime, weekday: int, hour: int, tz: str, minute: int = 0) -> IsoWeek:
    """The oldest week that is not over: the one the latest slot asked about.

    Its deadline is the next slot, so until then an answer for it is on time. Earlier weeks
    are over; it and later ones are "not yet due" (see :mod:`bot.domain.tally`).
    """
    return review_week(previous_slot(now, weekday, hour, tz, minute), tz)


def review_week(slot: dtm.datetime, tz: str) -> IsoWeek:
    """The ISO week a review fired at ``slot`` covers (see the module docstring)."""
    _require_aware(slot, "slot")
    local_day = slot.astimezone(ZoneInfo(tz)).date()
    week = IsoWeek.of(local_day)
    return week if local_day.weekday() >= _THURSDAY else week.previous()
