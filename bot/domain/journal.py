"""Read-only snapshots of what a user stored, the input of the pure recap and draft builders.

The storage layer loads these from the database; reports only ever see these plain values,
so they can be built and tested without a database or Telegram.
"""

from __future__ import annotations

import datetime as dtm
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek


class ReviewStatus(StrEnum):
    """Where a week's review stands."""

    CLAIMED = "claimed"  # row exists, prompt not yet delivered
    PROMPTED = "prompted"  # prompt delivered, not started
    SNOOZED = "snoozed"  # "Later": prompt due again at wake_at
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SKIPPED = "skipped"  # the user chose "Skip this week"
    PAUSED = "paused"  # the slot passed while weekly questions were paused
    MISSED = "missed"  # the week passed in silence


class MessageKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"


@dataclass(frozen=True)
class StoredMessage:
    """One message as stored: text (or caption), or a photo / voice note with its file id."""

    kind: MessageKind
    text: str | None
    sent_at: dtm.datetime
    file_id: str | None = None
    file_unique_id: str | None = None
    duration: int | None = None
    edited: bool = False
    starred: bool = False  # ⭐ from an imported journal (answers carry their own flag)
    tags: tuple[str, ...] = ()  # from an imported journal
    energy: int | None = None  # 1–5, from an imported mood (Daylio)


@dataclass(frozen=True)
class AnswerView:
    """The answer to one question: its messages in order, and the user's flags."""

    question_key: str
    section: Section
    prompt: str
    position: int
    messages: tuple[StoredMessage, ...] = ()
    skipped: bool = False
    rating: int | None = None
    highlight: bool = False
    private: bool = False
    goal_id: int | None = None

    @property
    def text(self) -> str:
        """All text of the answer, one message per line (photos contribute their captions)."""
        return "\n".join(m.text for m in self.messages if m.text)

    @property
    def has_content(self) -> bool:
        return not self.skipped and (bool(self.messages) or self.rating is not None)


@dataclass(frozen=True)
class WeekView:
    """Everything stored for one week: the review (if any) and the notes."""

    week: IsoWeek
    status: ReviewStatus | None = None  # None: no review was ever opened for this week
    answers: tuple[AnswerView, ...] = ()
    notes: tuple[StoredMessage, ...] = ()

    def answer(self, question_key: str) -> AnswerView | None:
        for answer in self.answers:
            if answer.question_key == question_key:
                return answer
        return None

    @property
    def answered(self) -> bool:
        """True when at least one question of the review has content."""
        return any(a.has_content for a in self.answers)


@dataclass(frozen=True)
class GoalView:
    """A goal of a year with its check-in answers in week order."""

    id: int
    year: int
    text: str
    done: bool = False
    checkins: tuple[tuple[IsoWeek, AnswerView], ...] = ()


@dataclass(frozen=True)
class YearEndView:
    """One answer of the guided year-end session: text, or the moments picked (references
    ``2026-W14/win`` to answers of the year)."""

    year: int
    key: str
    text: str | None = None
    picked: tuple[str, ...] = ()
    private: bool = False


@dataclass(frozen=True)
class Journal:
    """A user's stored weeks (sorted) and goals, plus the settings reports need."""

    language: str
    timezone: str
    weeks: tuple[WeekView, ...] = ()
    goals: tuple[GoalView, ...] = field(default=())
    # The first week the user could have reviewed (when they joined, or their oldest stored
    # week): earlier weeks are neither counted nor named as gaps. None: no such limit.
    first_week: IsoWeek | None = None
    year_end: tuple[YearEndView, ...] = ()  # the /yearend answers of every year

    def since_joined(self, weeks: list[IsoWeek]) -> list[IsoWeek]:
        """``weeks`` without those before :attr:`first_week`."""
        if self.first_week is None:
            return weeks
        return [w for w in weeks if w >= self.first_week]

    def week(self, week: IsoWeek) -> WeekView | None:
        for view in self.weeks:
            if view.week == week:
                return view
        return None
