"""Understand the month a user asks ``/recap`` about: "2026-10", "oct", "last", "10월", "지난달"."""

from __future__ import annotations

import datetime as dtm
import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from babel.dates import get_month_names

MAX_ARG_LENGTH = 40  # anything longer is not a month
GRACE_DAYS = 3  # a bare /recap in the first days of a month means the month that just ended


class MonthErrorReason(StrEnum):
    INVALID = "invalid"  # not a month at all (garbage, month 13, too long)
    FUTURE = "future"  # a month that has not started yet


@dataclass(frozen=True)
class MonthChoice:
    """The month to recap; ``defaulted_to_last`` when a bare /recap picked last month."""

    year: int
    month: int
    defaulted_to_last: bool = False


@dataclass(frozen=True)
class MonthError:
    reason: MonthErrorReason


_THIS = {"this", "this month", "current", "now", "이번달", "이번 달", "이달"}
_LAST = {
    "last",
    "last month",
    "prev",
    "previous",
    "previous month",
    "지난달",
    "지난 달",
    "저번달",
    "저번 달",
    "전달",
    "지난",
}
_KOREAN_NATIVE = {
    "일월": 1,
    "이월": 2,
    "삼월": 3,
    "사월": 4,
    "오월": 5,
    "유월": 6,
    "육월": 6,
    "칠월": 7,
    "팔월": 8,
    "구월": 9,
    "시월": 10,
    "십월": 10,
    "십일월": 11,
    "십이월": 12,
}


@functools.cache
def _month_names() -> dict[str, int]:
    """English (wide and short, from Babel) and Korean month names; loaded on first use."""
    names: dict[str, int] = dict(_KOREAN_NATIVE)
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale="en").items():
            names[str(name).lower()] = int(number)
    names["sept"] = 9
    return names


_NUMBER = r"(\d{1,2})"
_YEAR = r"(\d{4})"
_YEAR_MONTH = re.compile(rf"{_YEAR}\s*[-/.]\s*{_NUMBER}\.?")
_KOREAN_YEAR_MONTH = re.compile(rf"{_YEAR}\s*년\s*{_NUMBER}\s*월")
_KOREAN_MONTH = re.compile(rf"{_NUMBER}\s*월")
_BARE_NUMBER = re.compile(_NUMBER)
_NAME_YEAR = re.compile(rf"([^\d\s,]+)\.?,?\s*{_YEAR}(?:\s*년)?")
_YEAR_NAME = re.compile(rf"{_YEAR}\s*(?:년\s*)?([^\d\s]+)")


def _previous(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _latest(month: int, today: dtm.date) -> MonthChoice:
    """The latest ``month`` that is not in the future."""
    year = today.year if month <= today.month else today.year - 1
    return MonthChoice(year, month)


def _explicit(year: int, month: int, today: dtm.date) -> MonthChoice | MonthError:
    if not 1 <= month <= 12 or year < 1:
        return MonthError(MonthErrorReason.INVALID)
    if (year, month) > (today.year, today.month):
        return MonthError(MonthErrorReason.FUTURE)
    return MonthChoice(year, month)


def _name(word: str) -> int | None:
    return _month_names().get(word.strip().rstrip(".").lower())


def parse_month(arg: str, today: dtm.date) -> MonthChoice | MonthError:
    """The month ``arg`` names, seen from ``today`` (the user's local date)."""
    if len(arg) > MAX_ARG_LENGTH:
        return MonthError(MonthErrorReason.INVALID)
    text = " ".join(arg.split()).lower()
    if not text:
        if today.day <= GRACE_DAYS:
            return MonthChoice(*_previous(today.year, today.month), defaulted_to_last=True)
        return MonthChoice(today.year, today.month)
    if text in _THIS:
        return MonthChoice(today.year, today.month)
    if text in _LAST:
        return MonthChoice(*_previous(today.year, today.month))
    for pattern in (_YEAR_MONTH, _KOREAN_YEAR_MONTH):
        if match := pattern.fullmatch(text):
            return _explicit(int(match.group(1)), int(match.group(2)), today)
    for pattern in (_KOREAN_MONTH, _BARE_NUMBER):
        if match := pattern.fullmatch(text):
            number = int(match.group(1))
            if not 1 <= number <= 12:
                return MonthError(MonthErrorReason.INVALID)
            return _latest(number, today)
    if (named := _name(text)) is not None:
        return _latest(named, today)
    if (match := _NAME_YEAR.fullmatch(text)) and (named := _name(match.group(1))) is not None:
        return _explicit(int(match.group(2)), named, today)
    if (match := _YEAR_NAME.fullmatch(text)) and (named := _name(match.group(2))) is not None:
        return _explicit(int(match.group(1)), named, today)
    return MonthError(MonthErrorReason.INVALID)
