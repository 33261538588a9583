"""Building blocks shared by the recap and the draft: week labels, months, streaks, energy."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Iterable
from statistics import fmean

from babel.dates import format_interval, format_skeleton, get_month_names

from bot.domain.journal import WeekView
from bot.domain.weeks import IsoWeek

ENERGY_KEY = "energy"
HEADLINE_KEY = "headline"
NEXT_KEY = "next"


def week_dates(week: IsoWeek, lang: str, *, with_year: bool = False) -> str:
    """Local dates of a week: ``Apr 1 – 7`` / ``4월 1일~7일`` (Babel's interval formats); the
    year too when asked for, or when the week spans two years."""
    skeleton = "yMMMd" if with_year or week.monday.year != week.sunday.year else "MMMd"
    return str(format_interval(week.monday, week.sunday, skeleton, locale=lang))


def week_number(week: IsoWeek, lang: str) -> str:
    """The week's number as the user reads it: ``W14`` / ``14주차`` (as the review says)."""
    return f"{week.week}주차" if lang == "ko" else f"W{week.week}"


def week_label(week: IsoWeek, lang: str, *, with_year: bool = False) -> str:
    """A link-free reference to a week: ``W14, Apr 1 – 7`` / ``14주차, 4월 1일~7일`` (with
    ``with_year``: ``W14, Apr 1 – 7, 2025`` / ``14주차, 2025년 4월 1일~7일``)."""
    return f"{week_number(week, lang)}, {week_dates(week, lang, with_year=with_year)}"


def month_name(year: int, month: int, lang: str, *, with_year: bool = True) -> str:
    """``April 2026`` / ``2026년 4월`` (or without the year)."""
    if with_year:
        return str(format_skeleton("yMMMM", dtm.date(year, month, 1), locale=lang))
    return str(get_month_names("wide", context="stand-alone", locale=lang)[month])


def month_of(week: IsoWeek) -> tuple[int, int]:
    """The (year, month) a week belongs to: the month holding its Thursday."""
    return week.month_of_thursday()


def weeks_of_month(year: int, month: int) -> list[IsoWeek]:
    """The ISO weeks whose Thursday falls in ``month`` (4 or 5 of them)."""
    first = dtm.date(year, month, 1)
    # The first Thursday on or after the 1st.
    thursday = first + dtm.timedelta(days=(3 - first.weekday()) % 7)
    weeks = []
    while thursday.month == month:
        weeks.append(IsoWeek.of(thursday))
        thursday += dtm.timedelta(weeks=1)
    return weeks


def weeks_of_year(year: int) -> list[IsoWeek]:
    """Every ISO week whose Thursday falls in ``year`` (52 or 53): the ISO year's weeks."""
    return [w for month in range(1, 13) for w in weeks_of_month(year, month)]


def energy_of(view: WeekView) -> int | None:
    """The week's 1-5 energy rating, if the user gave one; a week without one takes the
    rounded mean of its imported moods (Daylio), if any."""
    answer = view.answer(ENERGY_KEY)
    if answer is not None and not answer.skipped and answer.rating is not None:
        return answer.rating
    moods = [n.energy for n in view.notes if n.energy is not None]
    return round(fmean(moods)) if moods else None


def average_energy(views: Iterable[WeekView]) -> float | None:
    """Mean energy over the weeks that have a rating, or None when none has."""
    ratings = [r for r in (energy_of(v) for v in views) if r is not None]
    return round(fmean(ratings), 1) if ratings else None
