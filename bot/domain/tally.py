"""How a user's weeks count: answered, a declared week off, a gap, or not due yet.

One rule for every recap, chart, draft and streak:

* a week with an answer counts as **answered**, whenever the answer came;
* a declared skip ("Skip this week", also for a past week) and a week while prompts were
  paused are **neutral**: they neither extend nor break a streak, and "N of M" leaves them out;
* the week the latest prompt asked about, and any later week, is **open** until its deadline
  (the next prompt): unanswered, it is "not yet due", never a gap;
* only a week that was due, is over, and was left unanswered is a **gap** (missed).

``open_from`` is :func:`bot.scheduling.open_week` for the user at the time of the report.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.journal import ReviewStatus, WeekView
from bot.domain.weeks import IsoWeek


class Verdict(enum.Enum):
    ANSWERED = "answered"
    SKIPPED = "skipped"  # neutral: the user said so
    PAUSED = "paused"  # neutral: prompts were paused
    OPEN = "open"  # not due yet: its prompt may still be answered on time
    MISSED = "missed"  # a gap: due, over and unanswered

    @property
    def neutral(self) -> bool:
        return self in (Verdict.SKIPPED, Verdict.PAUSED, Verdict.OPEN)


def verdict(view: WeekView | None, week: IsoWeek, open_from: IsoWeek | None) -> Verdict:
    """How ``week`` (with what is stored for it, if anything) counts."""
    if view is not None and view.answered:
        return Verdict.ANSWERED
    if view is not None and view.status is ReviewStatus.SKIPPED:
        return Verdict.SKIPPED
    if view is not None and view.status is ReviewStatus.PAUSED:
        return Verdict.PAUSED
    if open_from is not None and week >= open_from:
        return Verdict.OPEN
    return Verdict.MISSED


@dataclass(frozen=True)
class Tally:
    """The counts of a span of weeks (a month, a year)."""

    answered: int
    skipped: int
    paused: int
    missed: int
    open: int
    current_streak: int  # the run of answered weeks reaching the end of the span
    longest_streak: int

    @property
    def counted(self) -> int:
        """The M of "N of M": weeks that were due and are over, plus answered open weeks."""
        return self.answered + self.missed


def tally(views: Iterable[WeekView], weeks: Sequence[IsoWeek], open_from: IsoWeek | None) -> Tally:
    """Count ``weeks`` (consecutive, oldest first) by :func:`verdict`."""
    by_week = {v.week: v for v in views}
    verdicts = [verdict(by_week.get(week), week, open_from) for week in weeks]
    longest = run = 0
    for found in verdicts:
        if found is Verdict.ANSWERED:
            run += 1
            longest = max(longest, run)
        elif found is Verdict.MISSED:
            run = 0
    return Tally(
        answered=verdicts.count(Verdict.ANSWERED),
        skipped=verdicts.count(Verdict.SKIPPED),
        paused=verdicts.count(Verdict.PAUSED),
        missed=verdicts.count(Verdict.MISSED),
        open=verdicts.count(Verdict.OPEN),
        current_streak=run,
        longest_streak=longest,
    )
