"""The week a user means by /review's arguments, in one place (``week_meant``)."""

from __future__ import annotations

import pytest

from bot.domain.weeks import IsoWeek, week_meant

TODAY = IsoWeek(2026, 16)  # Tuesday 2026-04-14 is in week 16 ...
REVIEWING = IsoWeek(2026, 15)  # ... and early in the week the slot reviews week 15


@pytest.mark.parametrize(
    ("words", "week"),
    [
        ([], IsoWeek(2026, 15)),
        (["last"], IsoWeek(2026, 15)),  # not week 14: "last week" is the calendar's
        (["지난주"], IsoWeek(2026, 15)),
        (["last", "week"], IsoWeek(2026, 15)),
        (["this"], IsoWeek(2026, 16)),
        (["이번주"], IsoWeek(2026, 16)),
        (["8"], IsoWeek(2026, 8)),
        (["W8"], IsoWeek(2026, 8)),
        (["w08"], IsoWeek(2026, 8)),
        (["8주차"], IsoWeek(2026, 8)),
        (["2026-W08"], IsoWeek(2026, 8)),
        (["20"], IsoWeek(2025, 20)),  # week 20 of this year is still ahead: last year's
        (["16"], IsoWeek(2026, 16)),
    ],
)
def test_words_name_the_week_the_user_means(words: list[str], week: IsoWeek) -> None:
    assert week_meant(words, TODAY, REVIEWING) == week


@pytest.mark.parametrize("words", [["53"], ["0"], ["99"], ["2026"], ["soon"], ["8", "9"], ["W"]])
def test_words_that_name_no_week(words: list[str]) -> None:
    assert week_meant(words, TODAY, REVIEWING) is None
