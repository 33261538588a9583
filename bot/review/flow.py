"""How a review moves: planning its questions, sending the prompt, questions and summary.

Used by the review handlers (a user tapping and typing) and by the scheduler (prompts and
reminders), so both say exactly the same things.
"""

from __future__ import annotations

import datetime as dtm
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.domain.journal import MessageKind
from bot.domain.questions import GOAL_CHECKIN_PREFIX, Question, Section
from bot.domain.weeks import IsoWeek
from bot.i18n import translator
from bot.pipeline.outgoing import Outgoing, target_json
from bot.reports.stats import month_of, weeks_of_month
from bot.review import messages
from bot.storage import goals as goal_store
from bot.storage import questions as question_store
from bot.storage import reviews, users
from bot.storage.models import Answer, Review, User

EVENING_HOUR = 20
REVIEW_STATE = "review"


def zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone or "UTC")


async def plan(session: AsyncSession, user: User, week: IsoWeek) -> list[str]:
    """The question keys for ``week``: the user's enabled questions, rotation filled in, and in
    the first week of each month one check-in per open goal of that year."""
    rows = await question_store.user_questions(session, user.id)
    keys = question_store.plan_keys(rows, week)
    year, month = month_of(week)
    if weeks_of_month(year, month)[0] == week:
        open_goals = [g for g in await goal_store.goals_of(session, user.id, year) if not g.done]
        keys += [f"{GOAL_CHECKIN_PREFIX}{g.id}" for g in open_goals]
    return keys


async def resolve(session: AsyncSession, user: User, key: str) -> Question:
    """The question behind a planned key: built-in, the user's own, or a goal check-in."""
    goal_id = goal_id_of(key)
    if goal_id is not None:
        goal = await goal_store.goal_by_id(session, user.id, goal_id)
        tr = translator(user.language)
        text = tr.plain("goals.checkin_question", goal=goal.text if goal else "…")
        return Question(key, Section.GOALS, text=text)
    rows = await question_store.user_questions(session, user.id)
    return question_store.resolve(key, rows)


async def question_at(session: AsyncSession, user: User, review: Review, position: int) -> Question:
    return await resolve(session, user, review.question_keys[position])


def is_last_week_of_year(week: IsoWeek) -> bool:
    """True for the year's last week (weeks belong to the year of their Thursday)."""
    return month_of(week.next())[0] != month_of(week)[0]


def evening_available(user: User, now: dtm.datetime) -> bool:
    """ "This evening" makes sense until an hour before it."""
    return now.astimezone(zone_of(user)).hour < EVENING_HOUR - 1


def snooze_until(user: User, now: dtm.datetime, when: str) -> dtm.datetime:
    """When a "Later" choice is due again: in 1 h, this evening (20:00), tomorrow at review time."""
    local = now.astimezone(zone_of(user))
    if when == "evening" and evening_available(user, now):
        target = local.replace(hour=EVENING_HOUR, minute=0, second=0, microsecond=0)
    elif when == "tomorrow":
        day = local.date() + dtm.timedelta(days=1)
        target = dtm.datetime.combine(day, dtm.time(user.review_hour), tzinfo=zone_of(user))
    else:
        return now + dtm.timedelta(hours=1)
    return target.astimezone(dtm.UTC)


def send_prompt(
    out: Outgoing,
    user: User,
    review: Review,
    now: dtm.datetime,
    *,
    reminder: bool = False,
    recap: tuple[int, int] | None = None,
) -> None:
    """The weekly prompt (or its reminder), written to the outbox."""
    tr = translator(user.language)
    text, keyboard = messages.prompt(
        tr,
        IsoWeek.parse(review.week),
        review.id,
        len(review.question_keys),
        evening=evening_available(user, now),
        reminder=reminder,
        recap=recap,
    )
    out.send_message(text, keyboard)


async def send_question(session: AsyncSession, out: Outgoing, user: User, review: Review) -> None:
    """Send the open question and remember it in the conversation state (for tidying its Skip)."""
    q = await question_at(session, user, review, review.position)
    kept = await kept_for(session, review, q.key)
    sent = out.send_message(*await question_message(session, user, review, kept))
    data: dict[str, object] = {"review_id": review.id, "kept": kept is not None}
    data["question"] = target_json(await out.ref(sent))
    await users.set_state(session, user, REVIEW_STATE, data, now=out.now)  # asked now


async def question_message(
    session: AsyncSession, user: User, review: Review, kept: messages.Kept | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The open question's one control message, showing what is ``kept`` so far."""
    q = await question_at(session, user, review, review.position)
    tr = translator(user.language)
    return messages.question(tr, q, review.id, review.position, len(review.question_keys), kept)


async def has_answers(session: AsyncSession, review: Review) -> bool:
    """Whether any question of ``review`` holds something (text, media or a rating)."""
    answers = await reviews.answers_of(session, review.id)
    if any(a.rating is not None for a in answers):
        return True
    return bool(await reviews.answer_entries(session, [a.id for a in answers]))


async def kept_for(session: AsyncSession, review: Review, key: str) -> messages.Kept | None:
    """What is stored for question ``key`` of ``review`` (after a crash or a reopen), or None."""
    answer = await reviews.get_answer(session, review.id, key)
    if answer is None:
        return None
    parts = await reviews.answer_entries(session, [answer.id])
    text = "\n".join(e.text for e in parts if e.text)
    if answer.rating is None and not parts:
        return None
    preview = messages.preview(text) if text else None
    if preview is None and parts:  # photos or voice notes without words
        return messages.Kept(answer.rating)
    return messages.Kept(answer.rating, preview)


async def current_answer(
    session: AsyncSession, user: User, review: Review, now: dtm.datetime
) -> Answer:
    """The answer row of the question now open, created on first use."""
    q = await question_at(session, user, review, review.position)
    tr = translator(user.language)
    return await reviews.ensure_answer(
        session,
        review,
        key=q.key,
        section=q.section.value,
        prompt=messages.question_text(tr, q),
        now=now,
        goal_id=goal_id_of(q.key),
    )


def goal_id_of(key: str) -> int | None:
    if key.startswith(GOAL_CHECKIN_PREFIX):
        return int(key.removeprefix(GOAL_CHECKIN_PREFIX))
    return None


async def summary_lines(
    session: AsyncSession, user: User, review: Review
) -> list[messages.SummaryLine]:
    tr = translator(user.language)
    answers = await reviews.answers_of(session, review.id)
    entries = await reviews.answer_entries(session, [a.id for a in answers])
    lines = []
    for answer in answers:
        parts = [e for e in entries if e.answer_id == answer.id]
        text = "\n".join(e.text for e in parts if e.text)
        if answer.rating is not None:
            text = f"{answer.rating}/5" + (f" · {text}" if text else "")
        q = await resolve(session, user, answer.question_key)
        lines.append(
            messages.SummaryLine(
                answer_id=answer.id,
                title=messages.question_title(tr, q),
                preview=messages.preview(text),
                skipped=answer.skipped and not parts and answer.rating is None,
                highlight=answer.highlight,
                private=answer.private,
                media=sum(1 for e in parts if e.kind != MessageKind.TEXT.value),
            )
        )
    return lines
