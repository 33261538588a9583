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


_LAST_WORDS = frozenset({"last", "previous", "지난주", "저번주", "지난", "저번"})
_THIS_WORDS = frozenset({"this", "current", "이번주", "이번", "금주"})
_WEEK_NUMBER = re.compile(r"^(?:w|week|wk)?\s*(\d{1,2})(?:\s*주차?)?$", re.IGNORECASE)


def week_meant(args: list[str], today: IsoWeek, reviewing: IsoWeek) -> IsoWeek | None:
    """The week a user means by ``/review`` arguments; None when the words name no week.

    ``today`` is the calendar week the user is in (their time zone), ``reviewing`` the week
    their weekly slot reviews right now (the week before, early in the week):

    * nothing → ``reviewing``, the week the latest prompt asked about;
    * ``last`` / ``지난주`` → the calendar week before ``today``;
    * ``this`` / ``이번주`` → ``today``;
    * ``8``, ``W8``, ``W08``, ``8주차`` → the latest week 8 that is not in the future;
    * ``2026-W08`` → that week.
    """
    text = " ".join(args).strip().lower()
    if not text:
        return reviewing
    joined = text.replace(" ", "")  # "지난 주" as well as "지난주"
    if joined in _LAST_WORDS or text in {f"{w} week" for w in ("last", "previous")}:
        return today.previous()
    if joined in _THIS_WORDS or text == "this week":
        return today
    number = _WEEK_NUMBER.match(text)
    if number is not None:
        week = int(number.group(1))
        for year in (today.year, today.year - 1):
            try:
                candidate = IsoWeek(year, week)
            except ValueError:
                continue
            if candidate <= today:
                return candidate
        return None
    try:
        return IsoWeek.parse(text)
    except ValueError:
        return None
