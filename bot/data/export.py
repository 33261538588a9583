"""Exporting a user's data: the JSON document (from the database) and a Markdown archive.

:func:`build_export` reads every row about one user into an
:class:`~bot.data.schema.ExportDocument`; :func:`archive_markdown` is a pure function from a
:class:`~bot.domain.journal.Journal` to a readable Markdown file with one section per week,
the user's text reproduced verbatim.
"""

from __future__ import annotations

import base64
import datetime as dtm
from collections import defaultdict
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.data.schema import (
    SCHEMA_VERSION,
    ExportDocument,
    ExportedAnswer,
    ExportedDelivery,
    ExportedFile,
    ExportedGoal,
    ExportedMessage,
    ExportedQuestion,
    ExportedReview,
    ExportedUser,
    ExportedWeek,
    ExportedYearEndAnswer,
)
from bot.domain.journal import (
    AnswerView,
    GoalView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
)
from bot.i18n import Translator, translator
from bot.reports.collect import duration_text
from bot.reports.site import parse_format
from bot.reports.stats import week_dates
from bot.storage import yearend as year_end_store
from bot.storage.journal import split_entries
from bot.storage.models import (
    Answer,
    Delivery,
    Entry,
    Goal,
    ImportedFile,
    Review,
    User,
    UserQuestion,
)

JSON_FILE_NAME = "weekly-review-export-{user_id}.json"
MARKDOWN_FILE_NAME = "weekly-review-{user_id}.md"


# --- JSON ----------------------------------------------------------------------------------


def _message(entry: Entry) -> ExportedMessage:
    return ExportedMessage(
        chat_id=entry.chat_id,
        message_id=entry.message_id,
        kind=MessageKind(entry.kind),
        text=entry.text,
        original_text=entry.original_text,
        file_id=entry.file_id,
        file_unique_id=entry.file_unique_id,
        duration=entry.duration,
        sent_at=entry.sent_at,
        edited_at=entry.edited_at,
        starred=entry.starred,
        tags=entry.tags,
        energy=entry.energy,
    )


def _answer(answer: Answer, messages: list[ExportedMessage]) -> ExportedAnswer:
    return ExportedAnswer(
        question_key=answer.question_key,
        section=answer.section,
        prompt=answer.prompt,
        position=answer.position,
        skipped=answer.skipped,
        rating=answer.rating,
        highlight=answer.highlight,
        private=answer.private,
        goal_id=answer.goal_id,
        created_at=answer.created_at,
        messages=messages,
    )


def _review(review: Review, answers: list[ExportedAnswer]) -> ExportedReview:
    return ExportedReview(
        status=ReviewStatus(review.status),
        question_keys=list(review.question_keys),
        position=review.position,
        wake_at=review.wake_at,
        deadline_at=review.deadline_at,
        prompted_at=review.prompted_at,
        started_at=review.started_at,
        finished_at=review.finished_at,
        created_at=review.created_at,
        answers=answers,
    )


def _user(user: User) -> ExportedUser:
    return ExportedUser(
        id=user.id,
        chat_id=user.chat_id,
        language=user.language,
        timezone=user.timezone,
        review_weekday=user.review_weekday,
        review_hour=user.review_hour,
        onboarded=user.onboarded,
        paused=user.paused,
        monthly_recap=user.monthly_recap,
        draft_day=user.draft_day,
        draft_format=parse_format(user.draft_format),
        created_at=user.created_at,
        last_seen_at=user.last_seen_at,
    )


async def build_export(session: AsyncSession, user: User, now: dtm.datetime) -> ExportDocument:
    """Every row about ``user`` as an export document (only this user's rows are read)."""
    owned = user.id
    questions = await session.scalars(
        select(UserQuestion)
        .where(UserQuestion.user_id == owned)
        .order_by(UserQuestion.position, UserQuestion.id)
    )
    goals = await session.scalars(
        select(Goal).where(Goal.user_id == owned).order_by(Goal.year, Goal.position, Goal.id)
    )
    reviews = await session.scalars(
        select(Review).where(Review.user_id == owned).order_by(Review.week)
    )
    answers = await session.scalars(
        select(Answer)
        .where(Answer.user_id == owned)
        .order_by(Answer.week, Answer.position, Answer.id)
    )
    entries = await session.scalars(
        select(Entry).where(Entry.user_id == owned).order_by(Entry.sent_at, Entry.id)
    )
    deliveries = await session.scalars(
        select(Delivery).where(Delivery.user_id == owned).order_by(Delivery.created_at, Delivery.id)
    )

    by_answer, notes = split_entries(entries, _message)
    by_review: dict[int, list[ExportedAnswer]] = defaultdict(list)
    for answer in answers:
        by_review[answer.review_id].append(_answer(answer, by_answer.get(answer.id, [])))
    review_of = {r.week: _review(r, by_review.get(r.id, [])) for r in reviews}

    return ExportDocument(
        schema_version=SCHEMA_VERSION,
        exported_at=now,
        user=_user(user),
        questions=[
            ExportedQuestion(
                key=q.key, text=q.text, section=q.section, enabled=q.enabled, position=q.position
            )
            for q in questions
        ],
        goals=[
            ExportedGoal(
                id=g.id,
                year=g.year,
                text=g.text,
                position=g.position,
                done=g.done,
                done_at=g.done_at,
                created_at=g.created_at,
            )
            for g in goals
        ],
        weeks=[
            ExportedWeek(week=week, review=review_of.get(week), notes=notes.get(week, []))
            for week in sorted(set(review_of) | set(notes))
        ],
        deliveries=[
            ExportedDelivery(kind=d.kind, period=d.period, created_at=d.created_at)
            for d in deliveries
        ],
        year_end=[
            ExportedYearEndAnswer(
                year=a.year,
                key=a.key,  # type: ignore[arg-type]  # one of the six keys (bot.handlers.yearend)
                text=a.text,
                original_text=a.original_text,
                picked=a.picked,
                skipped=a.skipped,
                private=a.private,
                message_id=a.message_id,
                created_at=a.created_at,
                edited_at=a.edited_at,
            )
            for a in await year_end_store.all_answers(session, owned)
        ],
        files=[
            ExportedFile(
                file_unique_id=f.file_unique_id,
                kind=f.kind,
                content=base64.b64encode(f.content),  # Base64Bytes validates encoded input
            )
            for f in await session.scalars(
                select(ImportedFile).where(ImportedFile.user_id == owned).order_by(ImportedFile.id)
            )
        ],
    )


def export_bytes(document: ExportDocument) -> bytes:
    """The document as the UTF-8 JSON file users download (indented, non-ASCII kept)."""
    return (document.model_dump_json(indent=2) + "\n").encode("utf-8")


# --- Markdown archive ----------------------------------------------------------------------


class _Archive:
    """Writes the Markdown archive of one journal in one language."""

    def __init__(self, journal: Journal, lang: str) -> None:
        self.journal = journal
        self.lang = lang
        self.tr: Translator = translator(lang)
        try:
            self.zone = ZoneInfo(journal.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")

    def when(self, instant: dtm.datetime) -> str:
        local = instant.astimezone(self.zone)
        day = format_skeleton("MMMEd", local, locale=self.lang)
        return f"{day} {format_skeleton('Hm', local, locale=self.lang)}"

    def media(self, message: StoredMessage) -> str | None:
        if message.kind is MessageKind.PHOTO:
            return self.tr.plain("data.archive.photo")
        if message.kind is MessageKind.VOICE:
            duration = duration_text(message.duration)
            if duration:
                return self.tr.plain("data.archive.voice", duration=duration)
            return self.tr.plain("data.archive.voice.unknown")
        return None

    def message(self, message: StoredMessage) -> list[str]:
        """A message as paragraphs: its media mention, then its text exactly as written."""
        blocks = []
        mention = self.media(message)
        if mention:
            blocks.append(f"*{mention}*")
        if message.text:
            blocks.append(message.text)
        return blocks

    def markers(self, answer: AnswerView) -> str | None:
        parts = []
        if answer.highlight:
            parts.append(self.tr.plain("data.archive.highlight"))
        if answer.private:
            parts.append(self.tr.plain("data.archive.private"))
        if answer.rating is not None:
            parts.append(self.tr.plain("data.archive.energy", rating=answer.rating))
        return " · ".join(parts) or None

    def answer(self, answer: AnswerView) -> list[str]:
        blocks = [f"### {answer.prompt}"]
        markers = self.markers(answer)
        if markers:
            blocks.append(f"*{markers}*")
        for message in answer.messages:
            blocks += self.message(message)
        if answer.skipped and not answer.messages and answer.rating is None:
            blocks.append(f"*{self.tr.plain('data.archive.skipped')}*")
        return blocks

    def week(self, view: WeekView) -> list[str]:
        blocks = [f"## {view.week.key} · {week_dates(view.week, self.lang)}"]
        if view.status is not None:
            blocks.append(f"*{self.tr.plain(f'data.archive.status.{view.status.value}')}*")
        for answer in view.answers:
            blocks += self.answer(answer)
        if view.notes:
            blocks.append(f"### {self.tr.plain('data.archive.notes')}")
            for note in view.notes:
                blocks.append(f"*{self.when(note.sent_at)}*")
                blocks += self.message(note)
        return blocks

    def goals(self, goals: Sequence[GoalView]) -> list[str]:
        if not goals:
            return []
        blocks = [f"## {self.tr.plain('data.archive.goals')}"]
        years: dict[int, list[GoalView]] = defaultdict(list)
        for goal in goals:
            years[goal.year].append(goal)
        for year in sorted(years):
            blocks.append(f"### {year}")
            for goal in years[year]:
                blocks.append(f"{'✅' if goal.done else '⬜'} {goal.text}")
        return blocks

    def year_end(self) -> list[str]:
        """The /yearend answers by year, private ones marked (the picked moments by week)."""
        blocks: list[str] = []
        for year in sorted({a.year for a in self.journal.year_end}):
            blocks.append(f"## {self.tr.plain('data.archive.year_end', year=year)}")
            for answer in (a for a in self.journal.year_end if a.year == year):
                label = self.tr.plain(f"yearend.label.{answer.key}")
                lock = " 🔒" if answer.private else ""
                value = answer.text if answer.text is not None else self.moments(answer.picked)
                blocks += [f"### {label}{lock}", value]
        return blocks

    def moments(self, refs: Sequence[str]) -> str:
        """Picked moments (stored as ``2026-W14/win``) as a list of questions, each with the
        heading of its week, under which the archive shows the answer."""
        prompts = {
            f"{view.week.key}/{answer.question_key}": (view.week, answer.prompt)
            for view in self.journal.weeks
            for answer in view.answers
        }
        items = []
        for ref in refs:
            found = prompts.get(ref)
            if found is None:  # its week was deleted or never stored: say what was picked
                items.append(f"- {ref}")
                continue
            week, prompt = found
            items.append(f"- {prompt} ({week.key} · {week_dates(week, self.lang)})")
        return "\n".join(items)

    def compile(self) -> str:
        blocks = [f"# {self.tr.plain('data.archive.title')}"]
        if not self.journal.weeks and not self.journal.goals:
            blocks.append(self.tr.plain("data.archive.empty"))
        for view in self.journal.weeks:
            blocks += self.week(view)
        blocks += self.goals(self.journal.goals)
        blocks += self.year_end()
        return _join(blocks)


def _join(blocks: Iterable[str]) -> str:
    return "\n\n".join(blocks) + "\n"


def archive_markdown(journal: Journal, lang: str | None = None) -> str:
    """Every week of ``journal`` as Markdown: ``## 2026-W47 · Nov 16 – 22`` per week, each
    answer under its question prompt, then the notes, then the goals.

    Messages are separate paragraphs and their text is reproduced exactly as stored (nothing
    escaped or re-wrapped); photos and voice notes are mentioned by kind, since the files
    stay on Telegram. Private answers are included and marked. ``lang`` defaults to the
    journal's language.
    """
    return _Archive(journal, lang or journal.language).compile()
