"""SQLAlchemy models: every row the bot keeps about a user, all hanging off ``users``.

Deleting a user row cascades to everything else (``ondelete="CASCADE"``), which is how
``/delete`` erases a user completely.
"""

from __future__ import annotations

import datetime as dtm
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dtm.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


PIPELINE_TABLES = frozenset({"inbox_updates", "outbox_messages", "service_state"})
"""Tables of the message pipeline, not of one user: ``/delete`` clears a chat's rows in the
first two by chat id (see :mod:`bot.storage.inbox` and :mod:`bot.storage.outbox`)."""


def _user_fk() -> Any:
    return mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    """A Telegram user who talked to the bot in a private chat, with their settings."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    review_weekday: Mapped[int] = mapped_column(SmallInteger, default=6)  # Monday=0 … Sunday=6
    review_hour: Mapped[int] = mapped_column(SmallInteger, default=19)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)  # 403 from Telegram
    dormant: Mapped[bool] = mapped_column(Boolean, default=False)  # quiet after "welcome back"
    monthly_recap: Mapped[bool] = mapped_column(Boolean, default=True)
    draft_day: Mapped[int] = mapped_column(SmallInteger, default=31)  # day of December
    # The draft ZIP's layout the user picked last (bot.reports.site.FORMATS).
    draft_format: Mapped[str] = mapped_column(
        String(16), default="markdown", server_default="markdown"
    )
    next_due_at: Mapped[dtm.datetime | None] = mapped_column(index=True)
    next_recap_at: Mapped[dtm.datetime | None] = mapped_column(index=True)  # the 1st, review hour
    next_draft_at: Mapped[dtm.datetime | None] = mapped_column(index=True)  # December draft day
    # Conversation pointer that survives restarts: what the next plain message means.
    state: Mapped[str | None] = mapped_column(String(32))
    state_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # sealed
    # The id of the user's data key in the keyring (bot.crypto): what seals their words.
    key_id: Mapped[str | None] = mapped_column(String(32))
    last_seen_at: Mapped[dtm.datetime | None]  # the user's latest message or tap, to the minute
    created_at: Mapped[dtm.datetime]
    updated_at: Mapped[dtm.datetime]


class UserQuestion(Base):
    """A user's question list: defaults switched on or off, their own questions, the order."""

    __tablename__ = "user_questions"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)  # only for the user's own questions
    section: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer)


class Review(Base):
    """One week's review for one user; the unique (user, week) row is the exactly-once claim."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("user_id", "week"),
        Index("ix_reviews_status_wake_at", "status", "wake_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    week: Mapped[str] = mapped_column(String(8))  # "2026-W47"
    # claimed → prompted → in_progress → completed; or snoozed, skipped, missed.
    status: Mapped[str] = mapped_column(String(16))
    question_keys: Mapped[list[str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    wake_at: Mapped[dtm.datetime | None]  # when a snoozed or unsent prompt is due again
    deadline_at: Mapped[dtm.datetime]  # after this an unanswered prompt counts as missed
    prompted_at: Mapped[dtm.datetime | None]
    started_at: Mapped[dtm.datetime | None]
    finished_at: Mapped[dtm.datetime | None]
    created_at: Mapped[dtm.datetime]


class Answer(Base):
    """The answer to one question of one review (its messages are ``Entry`` rows)."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("review_id", "question_key"),
        Index("ix_answers_user_week", "user_id", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    user_id: Mapped[int] = _user_fk()
    week: Mapped[str] = mapped_column(String(8))
    question_key: Mapped[str] = mapped_column(String(64))
    section: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)  # the question as it was asked
    position: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(SmallInteger)  # energy 1-5
    highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    created_at: Mapped[dtm.datetime]


class Entry(Base):
    """One message the user sent: a note (``answer_id`` empty) or part of an answer."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_id"),
        Index("ix_entries_user_week", "user_id", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    week: Mapped[str] = mapped_column(String(8))
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # text, photo, voice
    text: Mapped[str | None] = mapped_column(Text)
    original_text: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_unique_id: Mapped[str | None] = mapped_column(String(128))
    duration: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[dtm.datetime]
    edited_at: Mapped[dtm.datetime | None]
    # Notes brought in from another journal (bot.imports): ⭐, tags, and a mood's energy 1–5.
    starred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    energy: Mapped[int | None] = mapped_column(SmallInteger)


class ImportedFile(Base):
    """A photo that came with an imported entry (Telegram has no copy): the draft's ZIP
    includes it. ``file_unique_id`` is the entry's (``import-<md5>``)."""

    __tablename__ = "imported_files"
    __table_args__ = (UniqueConstraint("user_id", "file_unique_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    file_unique_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dtm.datetime]


class Goal(Base):
    """A goal for a year; check-in answers point at it through ``Answer.goal_id``."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_user_year", "user_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[dtm.datetime | None]
    created_at: Mapped[dtm.datetime]


class YearEndAnswer(Base):
    """One answer of the guided year-end session (``/yearend``) for one year.

    Like a review answer: the user's text (and its first version, kept on edits), the message
    it came in (so an edit finds it), a private flag, and for the "moments" question the
    answers the user picked (``week/question_key`` references).
    """

    __tablename__ = "year_end_answers"
    __table_args__ = (
        UniqueConstraint("user_id", "year", "key"),
        UniqueConstraint("chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    original_text: Mapped[str | None] = mapped_column(Text)
    picked: Mapped[list[str] | None] = mapped_column(JSON)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dtm.datetime]
    edited_at: Mapped[dtm.datetime | None]


class Delivery(Base):
    """An unasked message claimed once per user, kind and period (recap, draft, reminder…)."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("user_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dtm.datetime]


class InboxUpdate(Base):
    """An update as Telegram sent it, stored before it is confirmed (by offset or webhook 200).

    ``chat_key`` orders handling: one chat's updates are handled one at a time, in
    ``update_id`` order. ``payload`` is cleared once the update is handled, so a user's words
    are not kept twice; a failed update keeps it, so nothing is lost.
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (Index("ix_inbox_updates_pending", "processed_at", "chat_key", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dtm.datetime]
    processed_at: Mapped[dtm.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))


class OutboxMessage(Base):
    """A request to Telegram, written in the same transaction as the data it acknowledges.

    The sender sends each chat's rows in ``id`` order, paced, after commit. A sent row keeps
    only the ``message_id`` it produced (the payload is cleared), so later rows can edit or
    delete that message by referring to the row (``ref``).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_pending", "sent_at", "chat_id", "id"),
        {"sqlite_autoincrement": True},  # ids only grow: they order sends and name messages
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[dtm.datetime]
    not_before: Mapped[dtm.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dtm.datetime | None]  # also set when dropped (``error`` says why)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))


class ServiceState(Base):
    """Small named values the running service keeps: the polling offset, the last tick."""

    __tablename__ = "service_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dtm.datetime]


# Sealing is part of the models: importing them registers the events that encrypt and decrypt
# every column a user wrote (bot.crypto.sealing lists them).
import bot.crypto.sealing  # noqa: E402, F401
