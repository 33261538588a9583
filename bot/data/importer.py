"""Importing an export file back into the database, idempotently.

Every row is matched on its natural key before anything is written, so importing the same file
twice (or into an account that already holds some of it) adds nothing twice:

* the user by Telegram id, reviews by (user, week), answers by (review, question key),
  messages by (chat id, message id), questions by key, goals by (year, position, text),
  deliveries by (kind, period);
* goal ids are given anew, and answers' ``goal_id`` and ``goal:<id>`` question keys follow.

Rows that are already present are left as they are, with one exception: when the account is
new or was never set up, the file's settings and question list are restored too.
"""

from __future__ import annotations

import datetime as dtm
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.data.schema import (
    SCHEMA_VERSION,
    ExportDocument,
    ExportedAnswer,
    ExportedMessage,
    ExportedQuestion,
    ExportedReview,
    ExportedUser,
)
from bot.domain.questions import GOAL_CHECKIN_PREFIX
from bot.i18n import pick_language
from bot.scheduling import reschedule
from bot.storage import entries, reviews
from bot.storage import yearend as year_end_store
from bot.storage.models import (
    Answer,
    Delivery,
    Entry,
    Goal,
    ImportedFile,
    Review,
    User,
    UserQuestion,
    YearEndAnswer,
)

ProblemKind = Literal["not_json", "not_export", "newer_version", "invalid", "conflict"]

# What the report counts, in the order it is shown.
COUNTED: tuple[str, ...] = (
    "reviews",
    "answers",
    "messages",
    "notes",
    "goals",
    "questions",
    "year_end",
)


class ImportProblem(ValueError):
    """The file cannot be imported; ``kind`` says why and the message says it in one line."""

    def __init__(self, kind: ProblemKind, message: str, *, version: int | None = None) -> None:
        super().__init__(message)
        self.kind: ProblemKind = kind
        self.version = version  # the file's schema version, for ``newer_version``


@dataclass
class ImportReport:
    """What an import added and what was already there, by kind of row."""

    user_id: int
    added: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    user_created: bool = False
    settings_restored: bool = False

    def count(self, kind: str, was_added: bool) -> None:
        (self.added if was_added else self.present)[kind] += 1

    def line(self, counts: Counter[str]) -> str:
        """``reviews 2, answers 14 …`` (the CLI's summary; the bot words it itself)."""
        return ", ".join(f"{kind} {counts[kind]}" for kind in COUNTED if counts[kind]) or "none"


# --- reading and validating ----------------------------------------------------------------


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    more = exc.error_count() - 1
    suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    return f"{where}: {message}{suffix}" if where else f"{message}{suffix}"


def parse_document(raw: bytes | str) -> ExportDocument:
    """Validate an export file; :class:`ImportProblem` explains what is wrong with it."""
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportProblem("not_json", f"the file is not valid JSON ({exc})") from None
    except RecursionError:  # a hostile file of thousands of nested brackets
        raise ImportProblem("not_json", "the file nests too deeply to be an export") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ImportProblem("not_export", "the file is not a weekly-review-bot export")
    version = data["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportProblem("invalid", f"schema_version must be a positive integer: {version!r}")
    if version > SCHEMA_VERSION:
        raise ImportProblem(
            "newer_version",
            f"the file uses export schema version {version}, but this bot reads versions up to "
            f"{SCHEMA_VERSION}; update the bot, then import it again",
            version=version,
        )
    data = upgrade_document(data, version)
    try:
        return ExportDocument.model_validate(data)
    except ValidationError as exc:
        raise ImportProblem(
            "invalid", f"the file does not match the export schema: {_first_error(exc)}"
        ) from None


def upgrade_document(data: dict[str, Any], version: int) -> dict[str, Any]:
    """An older export brought up to :data:`SCHEMA_VERSION`, one step per version."""
    if version < 2:  # version 2 added the draft format and the year-end answers
        user = data.get("user")
        if isinstance(user, dict):
            user.setdefault("draft_format", "markdown")
        data = {"year_end": [], "files": [], **data, "schema_version": 2}
    return data


# --- writing -------------------------------------------------------------------------------


class _Importer:
    def __init__(self, session: AsyncSession, document: ExportDocument, now: dtm.datetime) -> None:
        self.session = session
        self.document = document
        self.now = now
        self.report = ImportReport(user_id=document.user.id)
        self.goal_ids: dict[int, int] = {}  # file id -> database id

    async def run(self) -> ImportReport:
        user = await self.user(self.document.user)
        await self.questions(user, self.document.questions)
        await self.goals(user)
        for week in sorted(self.document.weeks, key=lambda w: w.week):
            if week.review is not None:
                await self.review(user, week.week, week.review)
            for note in week.notes:
                await self.message(user, week.week, note, answer_id=None)
        await self.deliveries(user)
        await self.year_end(user)
        await self.files(user)
        await self.session.flush()
        return self.report

    async def user(self, data: ExportedUser) -> User:
        user = await self.session.get(User, data.id)
        if user is None:
            user = User(
                id=data.id,
                chat_id=data.chat_id,
                blocked=False,
                dormant=False,
                created_at=data.created_at,
                updated_at=self.now,
            )
            self.session.add(user)
            self.report.user_created = True
        if self.report.user_created or not user.onboarded:
            self.restore_settings(user, data)
        await self.session.flush()
        return user

    def restore_settings(self, user: User, data: ExportedUser) -> None:
        """Settings come from the file only for an account that is new or was never set up."""
        user.language = pick_language(data.language)
        user.timezone = data.timezone
        user.review_weekday = data.review_weekday
        user.review_hour = data.review_hour
        user.onboarded = data.onboarded
        user.paused = data.paused
        user.monthly_recap = data.monthly_recap
        user.draft_day = data.draft_day
        user.draft_format = data.draft_format
        user.state = user.state_data = None  # a half-finished setup is replaced by the file
        user.created_at = min(user.created_at or data.created_at, data.created_at)
        user.updated_at = self.now
        reschedule(user, self.now)
        self.report.settings_restored = True

    async def questions(self, user: User, questions: list[ExportedQuestion]) -> None:
        rows = {
            row.key: row
            for row in await self.session.scalars(
                select(UserQuestion).where(UserQuestion.user_id == user.id)
            )
        }
        restore = self.report.settings_restored
        end = max((row.position for row in rows.values()), default=-1) + 1
        for question in sorted(questions, key=lambda q: q.position):
            row = rows.get(question.key)
            if row is not None:
                self.report.count("questions", False)
                if restore:
                    row.text, row.section = question.text, question.section
                    row.enabled, row.position = question.enabled, question.position
                continue
            position = question.position if restore or not rows else end
            end = max(end, position) + 1
            self.session.add(
                UserQuestion(
                    user_id=user.id,
                    key=question.key,
                    text=question.text,
                    section=question.section,
                    enabled=question.enabled,
                    position=position,
                )
            )
            self.report.count("questions", True)

    async def goals(self, user: User) -> None:
        existing = {
            (g.year, g.position, g.text): g
            for g in await self.session.scalars(select(Goal).where(Goal.user_id == user.id))
        }
        # In the order of the file's ids, so new ids keep the original order.
        for data in sorted(self.document.goals, key=lambda g: g.id):
            goal = existing.get((data.year, data.position, data.text))
            self.report.count("goals", goal is None)
            if goal is None:
                goal = Goal(
                    user_id=user.id,
                    year=data.year,
                    text=data.text,
                    position=data.position,
                    done=data.done,
                    done_at=data.done_at,
                    created_at=data.created_at,
                )
                self.session.add(goal)
                await self.session.flush()
                existing[(data.year, data.position, data.text)] = goal
            self.goal_ids[data.id] = goal.id

    def key(self, key: str) -> str:
        """A question key with its goal reference (``goal:<id>``) moved to the new goal id."""
        if key.startswith(GOAL_CHECKIN_PREFIX):
            reference = key.removeprefix(GOAL_CHECKIN_PREFIX)
            if reference.isdigit() and int(reference) in self.goal_ids:
                return f"{GOAL_CHECKIN_PREFIX}{self.goal_ids[int(reference)]}"
        return key

    async def review(self, user: User, week: str, data: ExportedReview) -> None:
        review = await reviews.get_review(self.session, user.id, week)
        self.report.count("reviews", review is None)
        if review is None:
            review = Review(
                user_id=user.id,
                week=week,
                status=data.status.value,
                question_keys=[self.key(k) for k in data.question_keys],
                position=data.position,
                wake_at=data.wake_at,
                deadline_at=data.deadline_at,
                prompted_at=data.prompted_at,
                started_at=data.started_at,
                finished_at=data.finished_at,
                created_at=data.created_at,
            )
            self.session.add(review)
            await self.session.flush()
        for answer in data.answers:
            await self.answer(user, review, answer)

    async def answer(self, user: User, review: Review, data: ExportedAnswer) -> None:
        key = self.key(data.question_key)
        answer = await reviews.get_answer(self.session, review.id, key)
        self.report.count("answers", answer is None)
        if answer is None:
            answer = Answer(
                review_id=review.id,
                user_id=user.id,
                week=review.week,
                question_key=key,
                section=data.section,
                prompt=data.prompt,
                position=data.position,
                skipped=data.skipped,
                rating=data.rating,
                highlight=data.highlight,
                private=data.private,
                goal_id=self.goal_ids.get(data.goal_id) if data.goal_id is not None else None,
                created_at=data.created_at,
            )
            self.session.add(answer)
            await self.session.flush()
        for message in data.messages:
            await self.message(user, review.week, message, answer_id=answer.id)

    async def message(
        self, user: User, week: str, data: ExportedMessage, *, answer_id: int | None
    ) -> None:
        kind = "notes" if answer_id is None else "messages"
        entry = await entries.find_entry(self.session, data.chat_id, data.message_id)
        if entry is not None:
            if entry.user_id != user.id:
                raise ImportProblem(
                    "conflict",
                    f"message {data.message_id} of chat {data.chat_id} belongs to another "
                    "account; nothing was imported",
                )
            self.report.count(kind, False)
            return
        self.session.add(
            Entry(
                user_id=user.id,
                week=week,
                answer_id=answer_id,
                chat_id=data.chat_id,
                message_id=data.message_id,
                kind=data.kind.value,
                text=data.text,
                original_text=data.original_text,
                file_id=data.file_id,
                file_unique_id=data.file_unique_id,
                duration=data.duration,
                sent_at=data.sent_at,
                edited_at=data.edited_at,
                starred=data.starred,
                tags=data.tags,
                energy=data.energy,
            )
        )
        await self.session.flush()
        self.report.count(kind, True)

    async def deliveries(self, user: User) -> None:
        existing = {
            (d.kind, d.period)
            for d in await self.session.scalars(select(Delivery).where(Delivery.user_id == user.id))
        }
        for data in self.document.deliveries:
            if (data.kind, data.period) in existing:
                continue
            self.session.add(
                Delivery(
                    user_id=user.id, kind=data.kind, period=data.period, created_at=data.created_at
                )
            )

    async def files(self, user: User) -> None:
        existing = set(
            await self.session.scalars(
                select(ImportedFile.file_unique_id).where(ImportedFile.user_id == user.id)
            )
        )
        for data in self.document.files:
            if data.file_unique_id in existing:
                continue
            existing.add(data.file_unique_id)
            self.session.add(
                ImportedFile(
                    user_id=user.id,
                    file_unique_id=data.file_unique_id,
                    kind=data.kind,
                    content=data.content,
                    created_at=self.now,
                )
            )

    async def year_end(self, user: User) -> None:
        existing = {
            (a.year, a.key) for a in await year_end_store.all_answers(self.session, user.id)
        }
        for data in self.document.year_end:
            added = (data.year, data.key) not in existing
            self.report.count("year_end", added)
            if not added:
                continue
            self.session.add(
                YearEndAnswer(
                    user_id=user.id,
                    year=data.year,
                    key=data.key,
                    text=data.text,
                    original_text=data.original_text,
                    picked=data.picked,
                    skipped=data.skipped,
                    private=data.private,
                    chat_id=user.chat_id if data.message_id is not None else None,
                    message_id=data.message_id,
                    created_at=data.created_at,
                    edited_at=data.edited_at,
                )
            )


async def import_document(
    session: AsyncSession, document: ExportDocument, *, now: dtm.datetime
) -> ImportReport:
    """Merge ``document`` into the database inside a savepoint: all of it, or none of it.

    The caller decides whose file may be imported (the bot only accepts a file whose
    ``user.id`` is the sender's); everything written belongs to ``document.user.id``.
    """
    async with session.begin_nested():
        return await _Importer(session, document, now).run()
