"""Tests for the /recap month argument."""

from __future__ import annotations

import datetime as dtm

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reports.months import MonthChoice, MonthError, MonthErrorReason, parse_month

TODAY = dtm.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("2026-10", (2026, 10)),
        ("2026/10", (2026, 10)),
        ("2026.10", (2026, 10)),
        ("2026-7", (2026, 7)),
        ("2025-12", (2025, 12)),
        ("10", (2026, 10)),
        ("11", (2026, 11)),
        ("12", (2025, 12)),  # a bare month is the latest one not in the future
        ("oct", (2026, 10)),
        ("Oct.", (2026, 10)),
        ("October", (2026, 10)),
        ("  OCTOBER  ", (2026, 10)),
        ("sept", (2026, 9)),
        ("december", (2025, 12)),
        ("October 2025", (2025, 10)),
        ("oct 2024", (2024, 10)),
        ("this", (2026, 11)),
        ("this month", (2026, 11)),
        ("last", (2026, 10)),
        ("Last Month", (2026, 10)),
        ("10월", (2026, 10)),
        ("12월", (2025, 12)),
        ("2026년 10월", (2026, 10)),
        ("2025년10월", (2025, 10)),
        ("지난달", (2026, 10)),
        ("지난 달", (2026, 10)),
        ("이번달", (2026, 11)),
        ("이번 달", (2026, 11)),
        ("시월", (2026, 10)),
        ("십이월", (2025, 12)),
        ("2024년 시월", (2024, 10)),
    ],
)
def test_understood_months(arg: str, expected: tuple[int, int]) -> None:
    result = parse_month(arg, TODAY)
    assert isinstance(result, MonthChoice)
    assert (result.year, result.month) == expected
    assert not result.defaulted_to_last


def test_empty_means_this_month() -> None:
    assert parse_month("", TODAY) == MonthChoice(2026, 11)
    assert parse_month("   ", TODAY) == MonthChoice(2026, 11)


@pytest.mark.parametrize("day", [1, 2, 3])
def test_empty_in_the_first_days_means_last_month_and_says_so(day: int) -> None:
    assert parse_month("", dtm.date(2026, 11, day)) == MonthChoice(2026, 10, True)


def test_empty_on_the_fourth_is_this_month() -> None:
    assert parse_month("", dtm.date(2026, 11, 4)) == MonthChoice(2026, 11)


def test_last_in_january_is_last_december() -> None:
    january = dtm.date(2027, 1, 15)
    assert parse_month("last", january) == MonthChoice(2026, 12)
    assert parse_month("", dtm.date(2027, 1, 2)) == MonthChoice(2026, 12, True)
    assert parse_month("지난달", january) == MonthChoice(2026, 12)


@pytest.mark.parametrize("arg", ["2026-12", "2027-01", "2026년 12월", "December 2026", "2030/1"])
def test_future_months_are_refused(arg: str) -> None:
    assert parse_month(arg, TODAY) == MonthError(MonthErrorReason.FUTURE)


@pytest.mark.parametrize(
    "arg",
    [
        "13",
        "0",
        "2026-13",
        "2026-00",
        "13월",
        "octobre",
        "banana",
        "2026",
        "W47",
        "10 10",
        "-1",
        "x" * 4096,
        "1" * 4096,
    ],
)
def test_garbage_is_invalid(arg: str) -> None:
    assert parse_month(arg, TODAY) == MonthError(MonthErrorReason.INVALID)


@given(st.text(max_size=60))
def test_any_input_gives_a_choice_or_an_error(arg: str) -> None:
    result = parse_month(arg, TODAY)
    if isinstance(result, MonthChoice):
        assert 1 <= result.month <= 12
        assert (result.year, result.month) <= (TODAY.year, TODAY.month)
    else:
        assert result.reason in set(MonthErrorReason)
