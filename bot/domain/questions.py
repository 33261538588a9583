"""The weekly questions: the default set, the rotating bank, and which section each one feeds.

Question wording lives in the message catalogs under ``question.<key>``; this module only
knows keys, sections and the rotation rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.weeks import IsoWeek


class Section(StrEnum):
    """A part of the year-end post that answers feed (see the seed posts)."""

    TIMELINE = "timeline"  # month-by-month headlines
    HIGHLIGHTS = "highlights"  # wins and achievements
    GROWTH = "growth"  # work and growth
    LESSONS = "lessons"  # mistakes and lessons
    PEOPLE = "people"
    HEALTH = "health"  # health and energy
    READING = "reading"  # reading, writing, quotes
    ODDS = "odds"  # odds and ends
    FOCUS = "focus"  # next week's focus, looking ahead
    GOALS = "goals"  # goal check-ins


class Kind(StrEnum):
    """How a question is answered."""

    TEXT = "text"  # free messages
    ENERGY = "energy"  # a 1-5 tap plus an optional note


@dataclass(frozen=True)
class Question:
    """A question definition; ``text`` is set only for the user's own questions."""

    key: str
    section: Section
    kind: Kind = Kind.TEXT
    text: str | None = None

    @property
    def is_custom(self) -> bool:
        return self.text is not None


DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question("headline", Section.TIMELINE),
    Question("win", Section.HIGHLIGHTS),
    Question("challenge", Section.LESSONS),
    Question("people", Section.PEOPLE),
    Question("energy", Section.HEALTH, Kind.ENERGY),
    Question("next", Section.FOCUS),
)

ROTATING_KEY = "rotating"  # the place of the rotating question in a user's order

ROTATING_BANK: tuple[Question, ...] = (
    Question("read_watch", Section.READING),
    Question("wrote_made", Section.READING),
    Question("quote", Section.READING),
    Question("remember", Section.ODDS),
    Question("learned_self", Section.GROWTH),
    Question("learned_craft", Section.GROWTH),
    Question("surprise", Section.ODDS),
    Question("grateful", Section.PEOPLE),
    Question("too_much_time", Section.LESSONS),
    Question("decision", Section.GROWTH),
    Question("differently", Section.LESSONS),
    Question("laugh", Section.ODDS),
    Question("started_finished", Section.GROWTH),
    Question("rest", Section.HEALTH),
)

GOAL_CHECKIN_PREFIX = "goal:"

_BY_KEY = {q.key: q for q in (*DEFAULT_QUESTIONS, *ROTATING_BANK)}


def builtin(key: str) -> Question:
    """A default or bank question by key; KeyError for anything else."""
    return _BY_KEY[key]


def is_builtin(key: str) -> bool:
    return key in _BY_KEY


def rotating_for(week: IsoWeek) -> Question:
    """The bank question for ``week``: consecutive weeks always get different questions."""
    return ROTATING_BANK[week.ordinal % len(ROTATING_BANK)]


def default_order() -> list[str]:
    """Keys in the default order, the rotating question last."""
    return [q.key for q in DEFAULT_QUESTIONS] + [ROTATING_KEY]
