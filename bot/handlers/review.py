"""The weekly review conversation: /review, the prompt's buttons, answers, Next, the summary.

Moving on is always explicit: every message sent while a question is open belongs to that
question, until the user taps **Next** (or **Skip**). A thought split over several quick
messages can therefore never end up split across two questions.
"""

from __future__ import annotations

import datetime as dtm
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.journal import ReviewStatus
from bot.domain.weeks import IsoWeek, week_meant
from bot.handlers import goals
from bot.handlers import keyboards as kb
from bot.handlers.content import Content
from bot.handlers.reactions import SAVED_REACTION
from bot.handlers.turn import Turn, private_turn
from bot.i18n import Safe
from bot.pipeline.outgoing import target_of
from bot.reports.stats import week_label
from bot.review import flow, messages
from bot.scheduling import open_week
from bot.storage import entries, reviews, users
from bot.storage.models import Review, User

log = logging.getLogger(__name__)

LATE_REVIEW_DAYS = 7
MAX_WEEKS_BACK = 60


# ---------------------------------------------------------------- /review


@private_turn()
async def review_command(turn: Turn) -> None:
    """/review [last | 2026-W46]: open this week's review, or a past week's."""
    if not turn.user.onboarded:
        turn.reply(turn.tr("settings.finish_setup_first"))
        return
    today = turn.current_week
    week = week_meant(turn.context.args or [], today, open_week(turn.user, turn.now))
    if week is None:
        turn.reply(turn.tr("review.usage", example=today.previous().key))
        return
    named = week_label(week, turn.user.language, with_year=week.year != today.year)
    if week > turn.current_week:
        turn.reply(turn.tr("review.future", week=named))
        return
    if week < turn.current_week.shift(-MAX_WEEKS_BACK):
        turn.reply(turn.tr("review.too_old", week=named))
        return
    await open_review(turn, week)


async def open_review(turn: Turn, week: IsoWeek) -> None:
    """Start (or resume) the review of ``week`` because the user asked for it."""
    review = await reviews.get_review(turn.session, turn.user.id, week.key)
    if review is None:
        keys = await flow.plan(turn.session, turn.user, week)
        if not keys:
            turn.reply(turn.tr("review.no_questions"))
            return
        review = await reviews.claim_review(
            turn.session,
            user_id=turn.user.id,
            week=week.key,
            keys=keys,
            status=ReviewStatus.PROMPTED,
            deadline=turn.now + dtm.timedelta(days=LATE_REVIEW_DAYS),
            now=turn.now,
        )
        assert review is not None  # we just checked that it did not exist
    if review.status == ReviewStatus.COMPLETED:
        await _send_summary(turn, review, again=True)
        return
    await _start(turn, review)


def _of_another_year(turn: Turn, week: IsoWeek) -> bool:
    """Whether ``week`` lies in another year than the user's today (its title says the year:
    ``/review 48`` in November can mean last year's week 48)."""
    return week.year != turn.now.astimezone(turn.zone).year


async def _start(turn: Turn, review: Review) -> None:
    if review.status != ReviewStatus.IN_PROGRESS:
        review.status = ReviewStatus.IN_PROGRESS.value
        review.started_at = review.started_at or turn.now
        review.wake_at = None
    await users.set_state(
        turn.session, turn.user, flow.REVIEW_STATE, {"review_id": review.id}, now=turn.now
    )
    if review.position == 0 and not await reviews.answers_of(turn.session, review.id):
        week = IsoWeek.parse(review.week)
        # A week that is over can still be declared skipped, so it is not counted as a gap.
        over = week < open_week(turn.user, turn.now)
        count = len(review.question_keys)
        another_year = _of_another_year(turn, week)
        turn.reply(
            *messages.starting(turn.tr, week, review.id, count, over, with_year=another_year)
        )
    await flow.send_question(turn.session, turn.out, turn.user, review)


# ---------------------------------------------------------------- buttons


@private_turn()
async def on_review_button(turn: Turn) -> None:
    """Any button of the review conversation (``rv:<action>:<id>[:…]``)."""
    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    ids = [n for n in map(kb.small_int, parts[2:]) if n is not None]
    if action in ("hl", "pv") and ids:
        await _toggle(turn, ids[0], action)
        return
    review = await reviews.review_by_id(turn.session, turn.user.id, ids[0]) if ids else None
    if review is None:
        turn.reply(turn.tr("error.stale_review_button"))
        return
    if action == "start" and review.status == ReviewStatus.COMPLETED:
        # The prompt's Start, tapped after the review was done through /review: show it.
        await _clear_keyboard(turn)
        await _send_summary(turn, review, again=True)
    elif action == "start" or action == "reopen":
        if action == "reopen" and review.status == ReviewStatus.COMPLETED:
            review.status = ReviewStatus.IN_PROGRESS.value
            review.position = 0
        await _clear_keyboard(turn)
        await _start(turn, review)
    elif action == "later" and len(parts) == 4:
        await _snooze(turn, review, parts[3])
    elif action == "skipweek":
        await _skip_week(turn, review)
    elif action in ("next", "skip", "rate") and len(ids) >= 2:
        if review.status != ReviewStatus.IN_PROGRESS or ids[1] != review.position:
            _stale(turn, review)
            return
        if action == "rate":
            if len(ids) == 3 and 1 <= ids[2] <= 5:
                await _rate(turn, review, ids[2])
            else:  # no such rating: nothing of ours made this button
                _stale(turn, review)
        else:
            await _clear_keyboard(turn)
            await _advance(turn, review, skip=action == "skip")
    else:
        _stale(turn, review)


def _stale(turn: Turn, review: Review) -> None:
    """A button of an earlier step: name the review's own week, since a bare /review opens
    the week that is open now (a newer one, once the next prompt came)."""
    turn.reply(turn.tr("error.stale_review_step", week=review.week))


async def _snooze(turn: Turn, review: Review, when: str) -> None:
    if review.status not in (ReviewStatus.PROMPTED, ReviewStatus.SNOOZED, ReviewStatus.CLAIMED):
        _stale(turn, review)
        return
    until = flow.snooze_until(turn.user, turn.now, when)
    review.status = ReviewStatus.SNOOZED.value
    review.wake_at = until
    # A snoozed prompt may run past the usual deadline; give it a day after the wake-up.
    review.deadline_at = max(review.deadline_at, until + dtm.timedelta(days=1))
    local = until.astimezone(turn.zone)
    today = turn.now.astimezone(turn.zone).date()
    when = "review.snooze_today" if local.date() == today else "review.snooze_tomorrow"
    turn.edit_or_reply(
        turn.tr(
            "review.snoozed",
            when=turn.tr(when, time=f"{local:%H:%M}"),
            title=Safe(messages.week_title(turn.tr, IsoWeek.parse(review.week))),
        ),
        _recap_offer(turn),
    )


async def _skip_week(turn: Turn, review: Review) -> None:
    """Declare the week skipped: from its prompt, or before answering a past week."""
    begun = review.status == ReviewStatus.IN_PROGRESS and await flow.has_answers(
        turn.session, review
    )
    if review.status == ReviewStatus.COMPLETED or begun:
        _stale(turn, review)
        return
    if review.status == ReviewStatus.IN_PROGRESS:  # its first question is on screen: tidy it
        data = turn.user.state_data or {}
        question = target_of(data.get("question"))
        if data.get("review_id") == review.id:  # not another review the user is in
            if question is not None:
                turn.out.delete(question)
            await users.set_state(turn.session, turn.user, None)
    review.status = ReviewStatus.SKIPPED.value
    review.wake_at = None
    review.finished_at = turn.now
    week = IsoWeek.parse(review.week)
    # The full key: "/review 45" alone would open week 45 of the current year.
    turn.edit_or_reply(
        turn.tr("review.week_skipped", week=week.week, key=week.key), _recap_offer(turn)
    )


async def _rate(turn: Turn, review: Review, rating: int) -> None:
    answer = await flow.current_answer(turn.session, turn.user, review, turn.now)
    answer.rating = rating
    answer.skipped = False
    await _show_rating(turn, review, rating)


async def _advance(turn: Turn, review: Review, *, skip: bool) -> None:
    answer = await flow.current_answer(turn.session, turn.user, review, turn.now)
    has_content = answer.rating is not None or bool(
        await reviews.answer_entries(turn.session, [answer.id])
    )
    if not has_content:
        answer.skipped = True
    elif skip:
        pass  # "Skip" after writing something keeps what was written
    review.position += 1
    await users.set_state(
        turn.session, turn.user, flow.REVIEW_STATE, {"review_id": review.id}, now=turn.now
    )
    if review.position >= len(review.question_keys):
        await _finish(turn, review)
        return
    await flow.send_question(turn.session, turn.out, turn.user, review)


async def _finish(turn: Turn, review: Review) -> None:
    review.status = ReviewStatus.COMPLETED.value
    review.finished_at = turn.now
    review.position = len(review.question_keys) - 1
    await users.set_state(turn.session, turn.user, None)
    log.info("review_completed", extra={"user": turn.user.id, "week": review.week})
    await _send_summary(turn, review)
    week = IsoWeek.parse(review.week)
    if flow.is_last_week_of_year(week):
        await goals.ask_for_goals(turn, week.month_of_thursday()[0] + 1)


async def _send_summary(turn: Turn, review: Review, *, again: bool = False) -> None:
    lines = await flow.summary_lines(turn.session, turn.user, review)
    week = IsoWeek.parse(review.week)
    intro = turn.tr("review.already_done", week=week.week) if again else None
    text, keyboard = messages.summary(
        turn.tr, week, lines, intro=intro, with_year=_of_another_year(turn, week)
    )
    if again:
        reopen = InlineKeyboardButton(
            turn.tr("review.button.reopen"), callback_data=f"rv:reopen:{review.id}"
        )
        rows = keyboard.inline_keyboard if keyboard is not None else ()
        keyboard = InlineKeyboardMarkup([*rows, [reopen]])
    turn.reply(text, keyboard)


async def _toggle(turn: Turn, answer_id: int, action: str) -> None:
    answer = await reviews.answer_by_id(turn.session, turn.user.id, answer_id)
    if answer is None:
        turn.reply(turn.tr("error.stale_review_button"))
        return
    if action == "hl":
        answer.highlight = not answer.highlight
    else:
        answer.private = not answer.private
    await turn.session.flush()
    review = await reviews.review_by_id(turn.session, turn.user.id, answer.review_id)
    assert review is not None
    lines = await flow.summary_lines(turn.session, turn.user, review)
    week = IsoWeek.parse(review.week)
    text, keyboard = messages.summary(turn.tr, week, lines, with_year=_of_another_year(turn, week))
    turn.edit_or_reply(text, keyboard)


# ---------------------------------------------------------------- answers


async def handle_message(turn: Turn, content: Content) -> bool:
    """Take a message as part of the open question's answer; False when no review is open."""
    if turn.user.state != flow.REVIEW_STATE:
        return False
    review_id = (turn.user.state_data or {}).get("review_id")
    review = (
        await reviews.review_by_id(turn.session, turn.user.id, int(review_id))
        if isinstance(review_id, int)
        else None
    )
    if review is None or review.status != ReviewStatus.IN_PROGRESS:
        await users.set_state(turn.session, turn.user, None)
        return False
    message = turn.message
    assert message is not None
    answer = await flow.current_answer(turn.session, turn.user, review, turn.now)
    answer.skipped = False
    await entries.add_entry(
        turn.session,
        user_id=turn.user.id,
        week=review.week,
        chat_id=message.chat_id,
        message_id=message.message_id,
        kind=content.kind,
        text=content.text,
        sent_at=message.date,
        answer_id=answer.id,
        file_id=content.file_id,
        file_unique_id=content.file_unique_id,
        duration=content.duration,
    )
    await _acknowledge(turn, review)
    return True


async def _acknowledge(turn: Turn, review: Review) -> None:
    """👌 on the user's message; the first one also turns the question's Skip into Next."""
    message = turn.message
    assert message is not None
    turn.out.react(message.message_id, SAVED_REACTION)
    data = dict(turn.user.state_data or {})
    if data.get("kept"):  # the question shows Next already; the answer's clock restarts
        await users.set_state(turn.session, turn.user, flow.REVIEW_STATE, data, now=turn.now)
        return
    question = target_of(data.get("question"))
    if question is not None:
        answer = await flow.current_answer(turn.session, turn.user, review, turn.now)
        kept = messages.Kept(answer.rating)
        text, keyboard = await flow.question_message(turn.session, turn.user, review, kept)
        turn.out.edit_text(question, text, keyboard)
    data.update(review_id=review.id, kept=True)
    await users.set_state(turn.session, turn.user, flow.REVIEW_STATE, data, now=turn.now)


async def _show_rating(turn: Turn, review: Review, rating: int) -> None:
    """The tapped rating, marked on the question's own message, which now offers Next."""
    kept = messages.Kept(rating)
    turn.edit_or_reply(*await flow.question_message(turn.session, turn.user, review, kept))
    data = _review_data(turn.user)
    data.update(review_id=review.id, kept=True)
    await users.set_state(turn.session, turn.user, flow.REVIEW_STATE, data, now=turn.now)


def _review_data(user: User) -> dict[str, Any]:
    """The review's own state data: also while a question asked on the side (a goal, a time
    zone) holds it to come back to, whose data must not become the review's."""
    data = user.state_data or {}
    if user.state != flow.REVIEW_STATE:
        kept = data.get(users.RESUME)
        if isinstance(kept, dict) and kept.get("state") == flow.REVIEW_STATE:
            data = kept.get("data") or {}
        else:
            data = {}
    return dict(data)


async def _clear_keyboard(turn: Turn) -> None:
    """Remove the buttons of the tapped message so old taps cannot repeat (a prompt keeps
    its month's recap button)."""
    query = turn.update.callback_query
    if query is None or query.message is None:
        return
    turn.out.edit_keyboard(query.message.message_id, _recap_offer(turn))


def _recap_offer(turn: Turn) -> InlineKeyboardMarkup | None:
    """The tapped prompt's "📅 October in review" button, which outlives its other buttons:
    the prompt is the only place that offers the month's recap."""
    query = turn.update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if any(str(button.callback_data or "").startswith("rc:") for button in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None
