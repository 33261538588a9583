"""The export file's schema as pydantic models: what ``/export`` writes and importing accepts.

``docs/EXPORT.md`` documents every field and the version policy; ``docs/export-schema.json`` is
generated from these models (``python -m bot.data.schema > docs/export-schema.json``) and a
test keeps the two equal. Any change here bumps :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    Base64Bytes,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.domain.journal import MessageKind, ReviewStatus
from bot.domain.limits import MAX_GOAL_CHARS, MAX_QUESTION_CHARS, MAX_QUESTIONS
from bot.domain.questions import ROTATING_KEY, Section
from bot.domain.weeks import IsoWeek

SCHEMA_VERSION: Final = 2
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Key = Annotated[str, Field(min_length=1, max_length=64)]
Short = Annotated[str, Field(min_length=1, max_length=16)]


class _Model(BaseModel):
    """Unknown fields are refused: a typo or a file from elsewhere must not import silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ExportedUser(_Model):
    """The account and its settings."""

    id: int = Field(gt=0)
    """Telegram user id. A file is only ever imported into this account."""
    chat_id: int
    """The private chat with the bot: always equal to `id`."""
    language: str = Field(min_length=2, max_length=8)
    """Language of the bot's messages: `en` or `ko`."""
    timezone: str | None = Field(max_length=64)
    """IANA time zone (`Asia/Seoul`); null until set up."""
    review_weekday: int = Field(ge=0, le=6)
    """Day of the weekly review: 0 = Monday … 6 = Sunday."""
    review_hour: int = Field(ge=0, le=23)
    """Local hour of the weekly review."""
    onboarded: bool
    """Whether setup (/start) was finished."""
    paused: bool
    """Weekly questions paused with /pause."""
    monthly_recap: bool
    """Whether the monthly recap is sent."""
    draft_day: int = Field(ge=1, le=31)
    """Day of December the year-in-review draft is sent."""
    draft_format: Literal["markdown", "hugo", "jekyll", "mkdocs"]
    """Layout of the draft's ZIP the user chose last: plain Markdown or a Hugo, Jekyll or MkDocs
    blog post."""
    created_at: AwareDatetime
    """First contact with the bot."""
    last_seen_at: AwareDatetime | None
    """The user's latest message or button tap before the export."""

    @model_validator(mode="after")
    def _private_chat(self) -> ExportedUser:
        if self.chat_id != self.id:
            raise ValueError("chat_id must equal id: the bot only keeps private chats")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value


class ExportedQuestion(_Model):
    """One entry of the user's question list (/questions)."""

    key: Key
    """`headline`, `win` … (built-in), `rotating` (the rotating slot) or `custom-<n>`."""
    text: Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS)] | None
    """Wording of the user's own question (at most 300 characters, as when typed); null for
    built-in ones."""
    section: Short
    """Section of the year-end post the answers feed (`timeline`, `growth` …; `rotating` for
    the rotating slot)."""
    enabled: bool
    """Asked every week (true) or switched off."""
    position: int
    """Order in the list, smallest first."""

    @field_validator("section")
    @classmethod
    def _known_section(cls, value: str) -> str:
        if value != ROTATING_KEY and value not in Section.__members__.values():
            raise ValueError(f"unknown section {value!r}")
        return value


class ExportedGoal(_Model):
    """A goal for a year."""

    id: int
    """Reference within this file for `goal_id` and `goal:<id>` keys; renumbered on import."""
    year: int = Field(ge=1, le=9999)
    """The year the goal is for."""
    text: str = Field(min_length=1, max_length=MAX_GOAL_CHARS)
    """The goal, as written (at most 500 characters, as when typed)."""
    position: int
    """Order among the year's goals."""
    done: bool
    """Marked as reached."""
    done_at: AwareDatetime | None
    """When it was marked as reached."""
    created_at: AwareDatetime
    """When it was added."""


class ExportedMessage(_Model):
    """One message the user sent: part of an answer, or a note."""

    chat_id: int
    """The user's private chat (`user.chat_id`); with `message_id` it identifies the message."""
    message_id: int
    """Telegram message id within the chat."""
    kind: MessageKind
    """`text`, `photo` or `voice`."""
    text: str | None
    """The text, or the caption of a photo / voice note, as it reads now (after edits)."""
    original_text: str | None
    """The text as first sent, before any edit."""
    file_id: str | None = Field(max_length=256)
    """Telegram `file_id` of a photo or voice note (the file itself stays on Telegram)."""
    file_unique_id: str | None = Field(max_length=128)
    """Telegram `file_unique_id` of the photo or voice note."""
    duration: int | None = Field(ge=0)
    """Length of a voice note in seconds."""
    sent_at: AwareDatetime
    """When the message was sent."""
    edited_at: AwareDatetime | None
    """When the message was last edited; null if never."""
    starred: bool = False
    """⭐ on a note imported from another journal (added in version 2)."""
    tags: list[Annotated[str, Field(max_length=200)]] | None = None
    """Tags of a note imported from another journal (added in version 2)."""
    energy: int | None = Field(default=None, ge=1, le=5)
    """Energy 1–5 from a mood imported from Daylio (added in version 2)."""


class ExportedAnswer(_Model):
    """The answer to one question of a weekly review."""

    question_key: Key
    """Which question (`headline`, `custom-2`, `goal:<goal id>` …)."""
    section: Short
    """Section of the year-end post the answer feeds."""
    prompt: str
    """The question as it was asked."""
    position: int
    """Order within the review."""
    skipped: bool
    """The user tapped Skip."""
    rating: int | None = Field(ge=1, le=5)
    """Energy rating 1-5 (energy question only)."""
    highlight: bool
    """Marked ⭐ (a highlight of the year)."""
    private: bool
    """Marked 🔒 (left out of drafts unless asked for)."""
    goal_id: int | None
    """For goal check-ins: the `id` of a goal in `goals`."""
    created_at: AwareDatetime
    """When the question was first answered."""
    messages: list[ExportedMessage]
    """The messages that make up the answer, oldest first."""


class ExportedReview(_Model):
    """A week's review."""

    status: ReviewStatus
    """Where the review stands: `completed`, `skipped`, `missed`, `in_progress` …"""
    question_keys: list[Key]
    """The questions planned for the week, in order."""
    position: int = Field(ge=0)
    """Index of the question the review was at."""
    wake_at: AwareDatetime | None
    """When a snoozed prompt was due again."""
    deadline_at: AwareDatetime
    """After this an unstarted review counts as missed."""
    prompted_at: AwareDatetime | None
    """When the prompt was delivered."""
    started_at: AwareDatetime | None
    """When the user started answering."""
    finished_at: AwareDatetime | None
    """When the review was finished."""
    created_at: AwareDatetime
    """When the review was opened."""
    answers: list[ExportedAnswer]
    """The answers, in question order."""

    @model_validator(mode="after")
    def _one_answer_per_question(self) -> ExportedReview:
        keys = [a.question_key for a in self.answers]
        if len(keys) != len(set(keys)):
            raise ValueError("a review has two answers to the same question")
        return self


class ExportedWeek(_Model):
    """Everything stored for one ISO week."""

    week: str = Field(pattern=r"^\d{4}-W\d{2}$")
    """ISO week, `2026-W47`."""
    review: ExportedReview | None
    """The week's review; null when none was opened (notes only)."""
    notes: list[ExportedMessage]
    """Messages sent outside a review, oldest first."""

    @field_validator("week")
    @classmethod
    def _real_week(cls, value: str) -> str:
        IsoWeek.parse(value)  # raises ValueError for weeks a year does not have
        return value


class ExportedDelivery(_Model):
    """A message the bot sent on its own, recorded so it is sent only once."""

    kind: Short
    """What was sent: `recap`, `draft` …"""
    period: Short
    """For which period: `2026-11`, `2026` …"""
    created_at: AwareDatetime
    """When it was sent."""


class ExportedFile(_Model):
    """A photo that came with a note imported from another journal (Telegram has no copy)."""

    file_unique_id: Annotated[str, Field(max_length=128)]
    """The `file_unique_id` its note names (`import-<md5>`)."""
    kind: Short
    """The image type: `jpeg`, `png`, `heic` …"""
    content: Base64Bytes
    """The image itself, base64-encoded."""


class ExportedYearEndAnswer(_Model):
    """An answer of the guided year-end session (/yearend)."""

    year: int = Field(ge=2000, le=9999)
    """The year it looks back on."""
    key: Literal["moments", "name", "lesson", "leave", "thanks", "believe"]
    """Which question: the moments picked, the year's name, the biggest lesson, what to leave
    behind, whom to thank, what the user still believes."""
    text: str | None
    """The answer as it reads now (null for `moments` and for a skipped question)."""
    original_text: str | None
    """The answer as first sent, before any edit."""
    picked: list[Annotated[str, Field(max_length=80)]] | None
    """For `moments`: the answers picked, as `2026-W14/win` (week and question key)."""
    skipped: bool
    """The user skipped the question."""
    private: bool
    """🔒: left out of the draft unless the user asks for everything."""
    message_id: int | None
    """The Telegram message the answer came in (in the user's chat), so edits find it."""
    created_at: AwareDatetime
    """When it was answered."""
    edited_at: AwareDatetime | None
    """When it was last edited."""


class ExportDocument(_Model):
    """Everything weekly-review-bot stores about one user."""

    model_config = ConfigDict(title="weekly-review-bot export")

    schema_version: Literal[2]
    """Version of this format; see the version policy in docs/EXPORT.md."""
    exported_at: AwareDatetime
    """When the file was made."""
    user: ExportedUser
    """The account and its settings."""
    questions: list[ExportedQuestion] = Field(max_length=MAX_QUESTIONS)
    """The weekly question list, in order (at most 20, as in /questions)."""
    goals: list[ExportedGoal]
    """Goals by year."""
    weeks: list[ExportedWeek]
    """Every week with a review or notes, oldest first."""
    deliveries: list[ExportedDelivery]
    """Recaps and drafts already sent."""
    year_end: list[ExportedYearEndAnswer]
    """Answers of the guided year-end session, by year (added in version 2)."""
    files: list[ExportedFile]
    """Photos of notes imported from another journal (added in version 2)."""

    @model_validator(mode="after")
    def _consistent(self) -> ExportDocument:
        _unique("week", [w.week for w in self.weeks])
        _unique("question key", [q.key for q in self.questions])
        _unique("goal id", [g.id for g in self.goals])
        _unique("delivery", [(d.kind, d.period) for d in self.deliveries])
        _unique("year-end answer", [(a.year, a.key) for a in self.year_end])
        _unique(
            "year-end message",
            [a.message_id for a in self.year_end if a.message_id is not None],
        )
        messages = [m for w in self.weeks for m in _messages_of(w)]
        _unique("message", [(m.chat_id, m.message_id) for m in messages])
        for message in messages:
            if message.chat_id != self.user.chat_id:
                raise ValueError(
                    f"message {message.message_id} is from chat {message.chat_id}, "
                    "not from the user's own chat"
                )
        goal_ids = {g.id for g in self.goals}
        for week in self.weeks:
            for answer in week.review.answers if week.review else ():
                if answer.goal_id is not None and answer.goal_id not in goal_ids:
                    raise ValueError(
                        f"week {week.week}: answer {answer.question_key!r} points at goal "
                        f"{answer.goal_id}, which is not in the file"
                    )
        return self


def _messages_of(week: ExportedWeek) -> list[ExportedMessage]:
    answers = week.review.answers if week.review else []
    return [*week.notes, *(m for a in answers for m in a.messages)]


def _unique(what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"the file lists the {what} {value!r} twice")
        seen.add(value)


def export_json_schema() -> dict[str, Any]:
    """The JSON Schema of the export file (what `docs/export-schema.json` holds)."""
    schema = ExportDocument.model_json_schema(mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


if __name__ == "__main__":
    print(json.dumps(export_json_schema(), indent=2, ensure_ascii=False))
