"""ISO weeks as the user lives them: week keys like ``2026-W47`` and their local dates."""

from __future__ import annotations

import datetime as dtm
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_WEEK_KEY = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO 8601 week (Monday to Sunday)."""

    year: int
    week: int

    def __post_init__(self) -> None:
        # Validates: raises ValueError for a week the year does not have.
        dtm.date.fromisocalendar(self.year, self.week, 1)

    @classmethod
    def of(cls, day: dtm.date) -> IsoWeek:
        """The week that contains ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def at(cls, instant: dtm.datetime, tz: ZoneInfo) -> IsoWeek:
        """The week that contains ``instant`` in time zone ``tz``."""
        return cls.of(instant.astimezone(tz).date())

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse ``2026-W47`` (also ``2026W47``, ``2026-w7``); ValueError otherwise."""
        match = _WEEK_KEY.match(text.strip())
        if not match:
            raise ValueError(f"not a week: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def key(self) -> str:
        """The stored form, ``2026-W07``."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dtm.date:
        return dtm.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dtm.date:
        return dtm.date.fromisocalendar(self.year, self.week, 7)

    @property
    def ordinal(self) -> int:
        """Consecutive weeks have consecutive ordinals (handy for rotation and streaks)."""
        return self.monday.toordinal() // 7

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + dtm.timedelta(weeks=weeks))

    def next(self) -> IsoWeek:
        return self.shift(1)

    def previous(self) -> IsoWeek:
        return self.shift(-1)

    def start(self, tz: ZoneInfo) -> dtm.datetime:
        """Local midnight at the start of Monday, as an aware datetime in ``tz``."""
        return dtm.datetime.combine(self.monday, dtm.time(), tzinfo=tz)

    def end(self, tz: ZoneInfo) -> dtm.datetime:
        """Local midnight at the end of Sunday (the next week's start)."""
        return self.next().start(tz)

    def month_of_thursday(self) -> tuple[int, int]:
        """(year, month) the week belongs to: the month of its Thursday, like ISO years."""
        thursday = dtm.date.fromisocalendar(self.year, self.week, 4)
        return thursday.year, thursday.month

    def __str__(self) -> str:
        return self.key


def weeks_in_year(year: int) -> int:
    """52 or 53: the number of ISO weeks in ``year``."""
    return dtm.date(year, 12, 28).isocalendar().week
