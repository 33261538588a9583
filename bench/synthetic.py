"""Deterministic synthetic data: a user's weeks as journal snapshots, and the same as table rows.

Every answered week holds the seven default questions (headline, win, challenge, people,
energy, next, the rotating one) with some multi-line answers, ⭐ and private flags, photos,
voice notes and notes; the first week of each month adds a check-in per goal of that year.
The same :class:`~bot.domain.journal.WeekView` values feed the pure benchmarks directly and
the database benchmarks through :func:`week_rows`, so both measure the same content.

Rows inserted with SQLAlchemy Core bypass the events that seal what users wrote
(:mod:`bot.crypto.sealing`), so the database benchmarks give their users data keys with
:func:`add_data_keys` and seal the rows with :func:`seal_rows`: the bot then reads them as
rows it wrote itself.
"""

from __future__ import annotations

import base64
import datetime as dtm
import functools
import hashlib
import itertools
import json
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from bot.domain.journal import (
    AnswerView,
    GoalView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
)
from bot.domain.questions import GOAL_CHECKIN_PREFIX, Section, rotating_for
from bot.domain.weeks import IsoWeek
from bot.reports.stats import month_of, weeks_of_month

if TYPE_CHECKING:  # imported where used: the pure benchmarks need neither the ORM nor a cipher
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.config import KeySettings
    from bot.crypto.vault import Vault
    from bot.storage.models import Base

Row = dict[str, Any]

LINES: dict[str, tuple[str, ...]] = {
    "en": (
        "Shipped the evaluation page and watched people actually use it",
        "Read three papers on preference tuning and wrote notes on each",
        "Long walk by the river with Mina; we talked about moving cities",
        "Too many meetings, not enough deep work — blocked two mornings next week",
        "Fixed the flaky test that had been haunting CI since March",
        "Cooked dinner for the whole team, the kimchi stew was a hit",
        "Gave a talk at the meetup: *attention visualisation* & batch_packing_",
        "Slept badly most of the week; the new pillow did not help",
        "Finally finished the book about habits (the last chapter was the best)",
        "Said no to a project I would have regretted, felt strangely good",
        "Ran 5 km without stopping for the first time since the injury",
        "Wrote 2,000 words of the essay, deleted half, kept the good half",
    ),
    "ko": (
        "평가 페이지를 배포했고 사람들이 실제로 쓰는 걸 봤다",
        "선호도 튜닝 논문 세 편을 읽고 각각 메모를 남겼다",
        "민아와 강변을 오래 걸으며 이사 이야기를 했다",
        "회의가 너무 많아 깊이 일할 시간이 없었다 — 다음 주 오전 두 번을 비워 뒀다",
        "3월부터 CI를 괴롭히던 불안정한 테스트를 드디어 고쳤다",
        "팀 전체에게 저녁을 해 줬는데 김치찌개가 인기였다",
        "밋업에서 발표했다: *어텐션 시각화* & batch_packing_",
        "거의 일주일 내내 잠을 설쳤다. 새 베개도 소용없었다",
        "습관에 관한 책을 드디어 다 읽었다 (마지막 장이 제일 좋았다)",
        "후회했을 프로젝트를 거절했더니 이상하게 기분이 좋았다",
        "부상 이후 처음으로 쉬지 않고 5km를 달렸다",
        "에세이를 2,000자 썼다가 절반을 지우고 좋은 절반만 남겼다",
    ),
}
PROMPTS = {
    "headline": "What was this week's headline?",
    "win": "What went well?",
    "challenge": "What was hard, and what did you learn?",
    "people": "Who mattered this week?",
    "energy": "How was your energy (1-5)?",
    "next": "What is your focus for next week?",
}
GOALS_PER_YEAR = 3


def _lines(lang: str, seed: int, count: int) -> str:
    corpus = LINES.get(lang, LINES["en"])
    return "\n".join(corpus[(seed + i * 5) % len(corpus)] for i in range(count))


def _sent(week: IsoWeek, minute: int) -> dtm.datetime:
    sunday_evening = dtm.datetime.combine(week.sunday, dtm.time(19), tzinfo=dtm.UTC)
    return sunday_evening + dtm.timedelta(minutes=minute)


def _text(text: str, week: IsoWeek, minute: int) -> StoredMessage:
    return StoredMessage(MessageKind.TEXT, text, _sent(week, minute))


def _photo(week: IsoWeek, variant: int, n: int, caption: str | None) -> StoredMessage:
    unique = f"AQAD{week.year}{week.week:02d}v{variant}p{n}"
    return StoredMessage(
        MessageKind.PHOTO,
        caption,
        _sent(week, 30 + n),
        file_id=f"AgAC{unique}",
        file_unique_id=unique,
    )


def _voice(week: IsoWeek, variant: int, n: int) -> StoredMessage:
    unique = f"AgAD{week.year}{week.week:02d}v{variant}a{n}"
    return StoredMessage(
        MessageKind.VOICE,
        None,
        _sent(week, 40 + n),
        file_id=f"AwAC{unique}",
        file_unique_id=unique,
        duration=30 + n * 7,
    )


def _answer(
    key: str, section: Section, position: int, messages: Sequence[StoredMessage], **flags: Any
) -> AnswerView:
    prompt = PROMPTS.get(key, f"Rotating question: {key.replace('_', ' ')}?")
    return AnswerView(key, section, prompt, position, tuple(messages), **flags)


def goal_ids_for(first_goal_id: int, first_year: int, year: int) -> list[int]:
    """The ids :func:`goals` gives ``year``'s goals when numbering starts at ``first_year``."""
    start = first_goal_id + (year - first_year) * GOALS_PER_YEAR
    return list(range(start, start + GOALS_PER_YEAR))


@functools.lru_cache(maxsize=4096)
def week_view(
    week: IsoWeek, lang: str, variant: int = 0, goal_ids: tuple[int, ...] = ()
) -> WeekView:
    """One completed week (see the module docstring); ``variant`` varies flags and wording."""
    h = week.ordinal * 31 + variant
    minute = itertools.count()
    line = functools.partial(_lines, lang)

    headline = [_text(line(h, 2 if h % 5 == 0 else 1), week, next(minute))]
    win = [_text(line(h + 1, 1), week, next(minute))]
    if h % 4 == 0:
        win.append(_photo(week, variant, 1, line(h + 2, 1)))
    challenge_text = "\n".join(f"- {t}" for t in line(h + 3, 3).split("\n"))
    challenge = [_text(challenge_text if h % 3 == 0 else line(h + 3, 1), week, next(minute))]
    people = [_text(line(h + 4, 1), week, next(minute))]
    if h % 6 == 0:
        people.append(_voice(week, variant, 1))
    energy = [_text(line(h + 5, 1), week, next(minute))] if h % 3 == 0 else []
    focus = [_text(line(h + 6, 1), week, next(minute))]
    rotating = rotating_for(week)
    answers = [
        _answer("headline", Section.TIMELINE, 0, headline, highlight=h % 9 == 0),
        _answer("win", Section.HIGHLIGHTS, 1, win, highlight=h % 5 == 1),
        _answer("challenge", Section.LESSONS, 2, challenge, private=h % 7 == 0),
        _answer("people", Section.PEOPLE, 3, people),
        _answer("energy", Section.HEALTH, 4, energy, rating=1 + h % 5),
        _answer("next", Section.FOCUS, 5, focus),
        _answer(
            rotating.key,
            rotating.section,
            6,
            [] if h % 11 == 0 else [_text(line(h + 7, 2), week, next(minute))],
            skipped=h % 11 == 0,
        ),
    ]
    year, month = month_of(week)
    if weeks_of_month(year, month)[0] == week:
        for offset, goal_id in enumerate(goal_ids):
            checkin = (_text(line(h + 8 + offset, 1), week, next(minute)),)
            key = f"{GOAL_CHECKIN_PREFIX}{goal_id}"
            prompt = f"How is goal #{goal_id} going?"
            answers.append(
                AnswerView(key, Section.GOALS, prompt, 7 + offset, checkin, goal_id=goal_id)
            )
    notes: list[StoredMessage] = []
    for n in range(h % 4):
        if n == 1:
            notes.append(_photo(week, variant, 10 + n, line(h + 9, 1) if h % 2 else None))
        elif n == 2:
            notes.append(_voice(week, variant, 10 + n))
        else:
            notes.append(_text(line(h + 10, 2 if h % 2 else 1), week, 50 + n))
    return WeekView(week, ReviewStatus.COMPLETED, tuple(answers), tuple(notes))


def goals(first_goal_id: int, years: Sequence[int], lang: str) -> tuple[GoalView, ...]:
    """Three goals for each of ``years`` (the first of each year done), numbered from
    ``first_goal_id`` in year order; check-ins live in the week views."""
    found: list[GoalView] = []
    ids = itertools.count(first_goal_id)
    for year in years:
        for n in range(GOALS_PER_YEAR):
            text = f"{_lines(lang, year + n, 1)} ({year})"
            found.append(GoalView(next(ids), year, text, done=n == 0))
    return tuple(found)


def journal(
    weeks: Sequence[IsoWeek], lang: str = "en", *, variant: int = 0, first_goal_id: int = 1
) -> Journal:
    """A journal with every week of ``weeks`` answered and goals from the year before the
    first week to the year after the last; check-ins point at their year's goals."""
    first_year, last_year = weeks[0].year - 1, weeks[-1].year + 1
    years = list(range(first_year, last_year + 1))
    views = tuple(
        week_view(w, lang, variant, tuple(goal_ids_for(first_goal_id, first_year, month_of(w)[0])))
        for w in weeks
    )
    all_goals = goals(first_goal_id, years, lang)
    checkins: dict[int, list[tuple[IsoWeek, AnswerView]]] = {}
    for view in views:
        for answer in view.answers:
            if answer.goal_id is not None:
                checkins.setdefault(answer.goal_id, []).append((view.week, answer))
    return Journal(
        language=lang,
        timezone="UTC",
        weeks=views,
        goals=tuple(
            GoalView(g.id, g.year, g.text, g.done, tuple(checkins.get(g.id, ()))) for g in all_goals
        ),
    )


def weeks_ending(last: IsoWeek, count: int) -> list[IsoWeek]:
    """``count`` consecutive weeks ending with ``last``."""
    return [last.shift(-offset) for offset in range(count - 1, -1, -1)]


def image_paths(source: Journal) -> dict[str, str]:
    """file_unique_id -> relative path for every photo, as the ZIP export maps them."""
    paths: dict[str, str] = {}
    for view in source.weeks:
        messages = [m for a in view.answers for m in a.messages] + list(view.notes)
        for n, message in enumerate(m for m in messages if m.kind is MessageKind.PHOTO):
            if message.file_unique_id:
                paths[message.file_unique_id] = f"images/w{view.week.week:02d}-{n + 1}.jpg"
    return paths


# --- the same data as table rows -----------------------------------------------------------


@dataclass
class Ids:
    """Explicit primary keys, so bulk inserts need no RETURNING and rows can point at rows."""

    review: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    answer: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    entry: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    message: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    question: Iterator[int] = field(default_factory=lambda: itertools.count(1))


@dataclass
class Rows:
    """Rows per table, in insertion order (parents before children)."""

    reviews: list[Row] = field(default_factory=list)
    answers: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.reviews) + len(self.answers) + len(self.entries)


def user_row(user_id: int, lang: str, now: dtm.datetime, **values: Any) -> Row:
    """An onboarded user in UTC, reviewing on Sundays at 19:00; ``values`` override columns."""
    row: Row = {
        "id": user_id,
        "chat_id": user_id,
        "language": lang,
        "timezone": "UTC",
        "review_weekday": 6,
        "review_hour": 19,
        "onboarded": True,
        "paused": False,
        "blocked": False,
        "dormant": False,
        "monthly_recap": True,
        "draft_day": 31,
        "next_due_at": None,
        "next_recap_at": None,
        "next_draft_at": None,
        "state": None,
        "state_data": None,
        "last_seen_at": now,
        "created_at": now,
        "updated_at": now,
    }
    row.update(values)
    return row


def goal_rows(source: Journal, user_id: int, now: dtm.datetime) -> list[Row]:
    return [
        {
            "id": g.id,
            "user_id": user_id,
            "year": g.year,
            "text": g.text,
            "position": n,
            "done": g.done,
            "done_at": now if g.done else None,
            "created_at": now,
        }
        for n, g in enumerate(source.goals)
    ]


def _entry(
    message: StoredMessage, ids: Ids, user_id: int, chat_id: int, week: str, answer: int | None
) -> Row:
    return {
        "id": next(ids.entry),
        "user_id": user_id,
        "week": week,
        "answer_id": answer,
        "chat_id": chat_id,
        "message_id": next(ids.message),
        "kind": message.kind.value,
        "text": message.text,
        "original_text": None,
        "file_id": message.file_id,
        "file_unique_id": message.file_unique_id,
        "duration": message.duration,
        "sent_at": message.sent_at,
        "edited_at": None,
    }


def week_rows(view: WeekView, user_id: int, chat_id: int, ids: Ids, into: Rows) -> None:
    """Append the review, answer and entry rows that store ``view`` for one user."""
    week = view.week.key
    prompted = dtm.datetime.combine(view.week.sunday, dtm.time(19), tzinfo=dtm.UTC)
    review_id = next(ids.review)
    into.reviews.append(
        {
            "id": review_id,
            "user_id": user_id,
            "week": week,
            "status": (view.status or ReviewStatus.COMPLETED).value,
            "question_keys": [a.question_key for a in view.answers],
            "position": len(view.answers),
            "wake_at": None,
            "deadline_at": prompted + dtm.timedelta(days=7),
            "prompted_at": prompted,
            "started_at": prompted,
            "finished_at": prompted + dtm.timedelta(hours=1),
            "created_at": prompted,
        }
    )
    for answer in view.answers:
        answer_id = next(ids.answer)
        into.answers.append(
            {
                "id": answer_id,
                "review_id": review_id,
                "user_id": user_id,
                "week": week,
                "question_key": answer.question_key,
                "section": answer.section.value,
                "prompt": answer.prompt,
                "position": answer.position,
                "skipped": answer.skipped,
                "rating": answer.rating,
                "highlight": answer.highlight,
                "private": answer.private,
                "goal_id": answer.goal_id,
                "created_at": prompted,
            }
        )
        into.entries += [_entry(m, ids, user_id, chat_id, week, answer_id) for m in answer.messages]
    into.entries += [_entry(m, ids, user_id, chat_id, week, None) for m in view.notes]


# --- the same rows, sealed as the bot stores them (bot.crypto) ------------------------------

# The master key of every benchmark database (base64 of 32 bytes, like ENCRYPTION_KEY).
MASTER_KEY = base64.b64encode(hashlib.sha256(b"weekly-review-bot benchmarks").digest()).decode()


def key_settings() -> KeySettings:
    """Where a benchmark's vault finds its master key and keyring: :data:`MASTER_KEY`, and
    the default keyring beside the database, whatever the environment or ``.env`` say."""
    from bot.config import KeySettings

    return KeySettings(
        encryption_key=MASTER_KEY,  # type: ignore[arg-type]
        encryption_key_file=None,
        keyring_url="",
        _env_file=None,  # type: ignore[call-arg]
    )


@asynccontextmanager
async def open_vault(
    engine: AsyncEngine, database_url: str, now: dtm.datetime
) -> AsyncIterator[Vault]:
    """An open vault attached to ``engine`` (:func:`bot.crypto.vault.vault_for`), so its
    sessions seal and open as the bot's do."""
    from bot.crypto.vault import vault_for

    async with vault_for(key_settings(), database_url, engine, now) as vault:
        yield vault


@dataclass(frozen=True)
class DataKey:
    key_id: str
    aead: Any  # the cipher object (cryptography's AESGCM, or whatever bot.crypto.cipher holds)


async def add_data_keys(
    vault: Vault, user_ids: Sequence[int], now: dtm.datetime
) -> dict[int, DataKey]:
    """A new data key for each of ``user_ids``, wrapped and stored as ``Vault.new_key`` does,
    but in one keyring transaction (the vault commits each key alone, which takes minutes for
    thousands of users); put ``key_id`` into each user's row."""
    from bot.crypto import cipher
    from bot.crypto.keyring import data_keys

    master = vault.master
    made: dict[int, DataKey] = {}
    rows: list[Row] = []
    for user_id in user_ids:
        key_id = secrets.token_hex(8)
        secret = cipher.new_data_key()
        rows.append(
            {
                "key_id": key_id,
                "wrapped": master.wrap(key_id, secret),
                "master": master.fingerprint_hex,
                "created_at": now,
            }
        )
        made[user_id] = DataKey(key_id, cipher.AESGCM(secret))
    async with vault.keyring.engine.begin() as connection:
        for start in range(0, len(rows), 5_000):
            await connection.execute(data_keys.insert(), rows[start : start + 5_000])
    return made


def seal_rows(model: type[Base], rows: Sequence[Row], keys: Mapping[int, DataKey]) -> list[Row]:
    """``rows`` of ``model`` for a Core INSERT with their sealed columns sealed, each with its
    user's key and bound to its row as :mod:`bot.crypto.sealing` does it."""
    from bot.crypto import cipher, sealing

    spec = sealing.SEALED[model]
    sealed: list[Row] = []
    for row in rows:
        view = SimpleNamespace(**row)
        user_id = spec.user(view)
        if user_id is None:
            raise ValueError("seal_rows seals users' rows, not the service queues")
        identity = spec.row(view) or str(row["id"])
        key = keys[user_id]
        out = dict(row)
        for column, kind in spec.columns.items():
            value = out.get(column)
            if value is None:
                continue
            where = sealing.aad(model, column, user_id, identity)
            if kind == "bytes":
                out[column] = cipher.seal_bytes(key.aead, key.key_id, bytes(value), where)
                continue
            if kind == "json":
                value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            out[column] = cipher.seal_text(key.aead, key.key_id, value, where)
        sealed.append(out)
    return sealed
