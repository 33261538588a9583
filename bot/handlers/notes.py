"""Notes: anything sent outside a review is kept for the user's current week; edits are applied."""

from __future__ import annotations

import datetime as dtm
import logging

from bot.domain.weeks import IsoWeek
from bot.handlers import goals, questions, review, setup
from bot.handlers.content import Content, content_of, edited_text
from bot.handlers.reactions import EDIT_REACTION, SAVED_REACTION
from bot.handlers.turn import Turn, private_turn
from bot.review.flow import REVIEW_STATE
from bot.storage import entries, users

PENDING_IMPORT = "import_pending"  # bot.handlers.data.PENDING_IMPORT; loaded on first use
YEAREND_STATE = "yearend"  # bot.handlers.yearend.STATE; that module loads on first use
PROMPT_EXPIRES = dtm.timedelta(hours=1)
REVIEW_EXPIRES = dtm.timedelta(hours=12)  # as /yearend's SESSION_HOURS
EXPIRING_STATES = {
    setup.ASK_TIMEZONE: PROMPT_EXPIRES,
    goals.ADD_GOALS: PROMPT_EXPIRES,
    goals.EDIT_GOAL: PROMPT_EXPIRES,
    questions.ASK_QUESTION: PROMPT_EXPIRES,
    REVIEW_STATE: REVIEW_EXPIRES,
}
"""How long a question may wait for its answer before a plain message is a note again."""

log = logging.getLogger(__name__)


@private_turn()
async def note_command(turn: Turn) -> None:
    """/note <text>: keep a note for this week."""
    message = turn.message
    assert message is not None
    content = content_of(message)
    if content is None or not (content.text or "").strip():
        turn.reply(turn.tr("note.usage"))
        return
    await save_note(turn, content)


@private_turn()
async def on_message(turn: Turn) -> None:
    """Text, photo or voice: an answer during a review, a setting we asked for, or a note."""
    message = turn.message
    assert message is not None
    content = content_of(message)
    if content is None:
        turn.reply(turn.tr("unsupported.kind"))
        return
    state = await _live_state(turn)
    if state == PENDING_IMPORT and users.RESUME in (turn.user.state_data or {}):
        # A journal's preview came during a review or /yearend: typing goes on with that
        # (the preview's buttons then say so), if it is still live; else it is a note.
        await users.set_state(turn.session, turn.user, None)
        state = await _live_state(turn)
    if state == setup.ASK_TIMEZONE and content.text is not None and message.text is not None:
        await setup.handle_timezone_text(turn, content.text)
        return
    if state in (goals.ADD_GOALS, goals.EDIT_GOAL) and message.text is not None:
        await goals.handle_goal_text(turn, message.text)
        return
    if state == questions.ASK_QUESTION and content.text is not None and message.text is not None:
        await questions.handle_question_text(turn, content.text)
        return
    if state == YEAREND_STATE:
        from bot.handlers import yearend

        if await yearend.handle_message(turn, content):
            return
    if state is not None and await review.handle_message(turn, content):
        return
    await save_note(turn, content)


async def _live_state(turn: Turn) -> str | None:
    """The user's state, unless its question waited longer than :data:`EXPIRING_STATES`
    allows: a settings prompt or a review walked away from must not take a later note as a
    goal, a question, a time zone or an answer (the note is kept as a note; the review stays
    in progress for /review). Setting the time zone during a newcomer's onboarding never
    expires."""
    user = turn.user
    age = users.state_age(user, turn.now)
    limit = EXPIRING_STATES.get(user.state or "")
    if (
        user.state == setup.ASK_TIMEZONE
        and not user.onboarded
        and (user.state_data or {}).get("flow", setup.ONBOARDING) == setup.ONBOARDING
    ):
        limit = None
    # A state saved before questions were timed (no age) counts as walked away from.
    if limit is not None and (age is None or age > limit):
        log.info("prompt_expired", extra={"user": user.id, "state": user.state})
        await users.set_state(turn.session, user, None)
        if user.state is not None:  # a review or /yearend the question was asked beside
            return await _live_state(turn)  # back, and as live as its own question is
        return None
    return user.state


async def save_note(turn: Turn, content: Content) -> None:
    message = turn.message
    assert message is not None
    # The week it was sent in, not the one it is handled in: after a backlog (a restart,
    # load) a note sent on Sunday night still belongs to that week, and that year.
    week = IsoWeek.at(min(message.date, turn.now), turn.zone)
    first_of_week = await entries.add_note(
        turn.session,
        user_id=turn.user.id,
        week=week.key,
        chat_id=message.chat_id,
        message_id=message.message_id,
        kind=content.kind,
        text=content.text,
        sent_at=message.date,
        file_id=content.file_id,
        file_unique_id=content.file_unique_id,
        duration=content.duration,
    )
    log.info("note_saved", extra={"user": turn.user.id, "week": week.key, "kind": content.kind})
    # The reaction acknowledges every note; the first of the week also says where notes go.
    turn.out.react(message.message_id, SAVED_REACTION)
    if first_of_week:
        key = "note.saved" if turn.user.onboarded else "note.saved_finish_setup"
        turn.reply(turn.tr(key, week=week.week))


@private_turn(create=False)
async def on_edit(turn: Turn) -> None:
    """An edited message: update the stored text (the first version is kept too)."""
    message = turn.update.edited_message
    assert message is not None
    entry = await entries.apply_edit(
        turn.session,
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=edited_text(message),
        now=turn.now,
    )
    if entry is None:
        from bot.storage import yearend as year_end_store

        answer = await year_end_store.apply_edit(
            turn.session,
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=edited_text(message),
            now=turn.now,
        )
        if answer is None:
            return  # an edit of something we never stored (a command, a time zone answer)
        log.info("yearend_edited", extra={"user": turn.user.id, "key": answer.key})
        turn.out.react(message.message_id, EDIT_REACTION)
        return
    log.info("entry_edited", extra={"user": turn.user.id, "entry": entry.id})
    turn.out.react(message.message_id, EDIT_REACTION)
