"""The monthly recap as plain values: what a month held, in the user's own words.

``build_month_recap`` is pure; :mod:`bot.reports.recap_html` turns its result into Telegram
messages. The recap is private to its owner, so private answers are included (and marked).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.journal import Journal, WeekView
from bot.domain.questions import Section
from bot.domain.tally import Verdict, tally, verdict
from bot.domain.weeks import IsoWeek
from bot.reports import collect
from bot.reports.collect import FocusPair, Note, NoteCounts, Quote
from bot.reports.stats import average_energy, weeks_of_month

# The themed sections shown after highlights, lessons, people and focus, in this order.
OTHER_SECTIONS: tuple[Section, ...] = (
    Section.GROWTH,
    Section.HEALTH,
    Section.READING,
    Section.ODDS,
    Section.GOALS,
)


class WeekState(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"  # the user chose to skip
    PAUSED = "paused"  # weekly questions were paused
    MISSED = "missed"  # the week was due, is over, and has no answer
    OPEN = "open"  # the week the latest prompt asked about, not answered yet
    FUTURE = "future"  # not asked about yet


@dataclass(frozen=True)
class RecapWeek:
    week: IsoWeek
    state: WeekState
    headline: Quote | None = None


@dataclass(frozen=True)
class SectionQuotes:
    section: Section
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class RecapNumbers:
    weeks_answered: int
    weeks_counted: int  # the M of "N of M": due and over, or answered (bot.domain.tally)
    weeks_in_month: int
    current_streak: int
    longest_streak: int
    average_energy: float | None
    previous_average_energy: float | None  # the month before

    @property
    def energy_change(self) -> float | None:
        if self.average_energy is None or self.previous_average_energy is None:
            return None
        return round(self.average_energy - self.previous_average_energy, 1)


@dataclass(frozen=True)
class Gap:
    """A begun week without a headline, and the command that fills it in."""

    week: IsoWeek

    @property
    def command(self) -> str:
        return f"/review {self.week.key}"


@dataclass(frozen=True)
class MonthRecap:
    year: int
    month: int
    weeks: tuple[RecapWeek, ...]
    highlights: tuple[Quote, ...]  # ⭐ answers first, then the other wins
    lessons: tuple[Quote, ...]
    people: tuple[Quote, ...]
    focus: tuple[FocusPair, ...]
    other: tuple[SectionQuotes, ...]  # non-empty sections only, in OTHER_SECTIONS order
    notes: tuple[Note, ...]
    note_counts: NoteCounts
    numbers: RecapNumbers
    gaps: tuple[Gap, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing was written this month: no answered week and no note."""
        return self.numbers.weeks_answered == 0 and not self.notes

    @property
    def previous_month(self) -> tuple[int, int]:
        return (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)


_STATE_OF = {
    Verdict.ANSWERED: WeekState.ANSWERED,
    Verdict.SKIPPED: WeekState.SKIPPED,
    Verdict.PAUSED: WeekState.PAUSED,
    Verdict.MISSED: WeekState.MISSED,
}


def _state(view: WeekView | None, week: IsoWeek, open_from: IsoWeek) -> WeekState:
    found = verdict(view, week, open_from)
    if found is Verdict.OPEN:
        return WeekState.OPEN if week == open_from else WeekState.FUTURE
    return _STATE_OF[found]


def _streaks(journal: Journal, end: IsoWeek, open_from: IsoWeek) -> tuple[int, int]:
    """(current, longest) streak as of ``end``, counted from the first stored week on."""
    if not journal.weeks:
        return 0, 0
    first = min(min(v.week for v in journal.weeks), end)
    span = [first.shift(i) for i in range(end.ordinal - first.ordinal + 1)]
    counted = tally(journal.weeks, span, open_from)
    return counted.current_streak, counted.longest_streak


def build_month_recap(journal: Journal, year: int, month: int, open_from: IsoWeek) -> MonthRecap:
    """Everything the recap of ``year``-``month`` shows, seen when ``open_from`` is the
    user's oldest week that is not over (:func:`bot.scheduling.open_week`)."""
    by_week = {v.week: v for v in journal.weeks}
    month_weeks = journal.since_joined(weeks_of_month(year, month))
    views = [by_week[w] for w in month_weeks if w in by_week]

    headline_of = collect.headlines(views, include_private=True)
    weeks = tuple(
        RecapWeek(w, _state(by_week.get(w), w, open_from), headline_of.get(w)) for w in month_weeks
    )
    other = tuple(
        SectionQuotes(section, tuple(found))
        for section in OTHER_SECTIONS
        if (found := [q for q in collect.collect_section(views, section, True) if q.has_words])
    )
    found_notes = collect.notes(views)

    end = min(month_weeks[-1], open_from) if month_weeks else open_from
    current, longest = _streaks(journal, end, open_from)
    month_tally = tally(views, month_weeks, open_from)
    previous = weeks_of_month(*((year - 1, 12) if month == 1 else (year, month - 1)))
    numbers = RecapNumbers(
        weeks_answered=month_tally.answered,
        weeks_counted=month_tally.counted,
        weeks_in_month=len(month_weeks),
        current_streak=current,
        longest_streak=longest,
        average_energy=average_energy(views),
        previous_average_energy=average_energy(by_week[w] for w in previous if w in by_week),
    )
    return MonthRecap(
        year=year,
        month=month,
        weeks=weeks,
        highlights=tuple(collect.highlights(views, include_private=True)),
        lessons=tuple(collect.collect_section(views, Section.LESSONS, True)),
        people=tuple(collect.collect_section(views, Section.PEOPLE, True)),
        focus=tuple(
            collect.focus_pairs(views, include_private=True, following={v.week: v for v in views})
        ),
        other=other,
        notes=tuple(found_notes),
        note_counts=collect.count_notes(found_notes),
        numbers=numbers,
        gaps=tuple(  # weeks that are over, not declared off, and have no headline
            Gap(w.week)
            for w in weeks
            if w.state in (WeekState.ANSWERED, WeekState.MISSED)
            and w.week < open_from
            and w.headline is None
        ),
    )
