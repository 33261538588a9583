"""The weekly prompt job: runs every ``SCHEDULER_INTERVAL_SECONDS`` and sends what is due.

The database is the only schedule: ``users.next_due_at`` says when a user's next weekly slot
is. Each tick

1. marks reviews that were never started as missed once their window closed;
2. takes users whose slot has come, moves their ``next_due_at`` on with a compare-and-set
   (so two processes cannot both take the same slot), and claims the week's review with a
   unique (user, week) row; the prompt is written to the outbox in that same transaction,
   so it goes out exactly once, even across restarts and replicas;
3. records weeks whose whole window passed while the bot was down as missed;
4. re-sends snoozed prompts when their time comes;
5. sends one reminder a day after an unstarted prompt.

Nothing here calls Telegram or waits for the rate limit: the sender does that after commit.

After three silent weeks in a row the user gets one "welcome back" message instead of a
prompt and then nothing until they write again.
"""

from __future__ import annotations

import datetime as dtm
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import metrics, operations
from bot.context import BotContext
from bot.domain.journal import ReviewStatus
from bot.domain.schedule import next_slot, review_week
from bot.i18n import translator
from bot.jobs import budget, periodic
from bot.pipeline.outgoing import Outgoing
from bot.pipeline.runtime import PIPELINE_KEY, Pipeline
from bot.review import flow
from bot.services import Services
from bot.storage import deliveries, reviews, users
from bot.storage.errors import is_transient
from bot.storage.models import Review, User

log = logging.getLogger(__name__)

JOB_NAME = "weekly-prompts"
BATCH = 200
RECOVER_AFTER = dtm.timedelta(seconds=30)  # stored updates nobody picked up (a dead replica)
REMINDER_AFTER = dtm.timedelta(days=1)
HOUSEKEEPING_EVERY = dtm.timedelta(seconds=30)
"""Purging old rows and recording the tick for ``health`` (late after 2 minutes) need not
happen on every pass when the interval is short: a 1-s scheduler would write twice a second."""
HOUSEKEEPING_KEY = "scheduler_housekeeping_at"
SILENT_WEEKS_BEFORE_WELCOME_BACK = 3


async def tick(context: BotContext) -> None:
    """One pass of the scheduler (the JobQueue calls this; tests call it directly).

    A busy database (held by a backup, a full disk) skips the pass with one WARNING line; the
    next tick does what is due, since the schedule lives in the database.
    """
    try:
        await _tick(context)
    except Exception as exc:
        if not is_transient(exc):
            raise
        reason = str(exc).splitlines()[0] if str(exc) else ""
        log.warning("tick_skipped", extra={"reason": f"{type(exc).__name__}: {reason}"[:200]})


async def _tick(context: BotContext) -> None:
    services = context.services
    began = services.clock.now()
    await run_due(services)
    await periodic.run_drafts(services)
    last = context.application.bot_data.get(HOUSEKEEPING_KEY)
    housekeeping = not isinstance(last, dtm.datetime) or began - last >= HOUSEKEEPING_EVERY
    if housekeeping:
        await periodic.tidy(services)
    now = services.clock.now()
    seconds = (now - began).total_seconds()
    if housekeeping:
        async with services.transaction() as session:
            await operations.record_tick(session, now, seconds)
        context.application.bot_data[HOUSEKEEPING_KEY] = began
    metrics.observe_tick(seconds)
    if metrics.enabled():  # the backlog counts are for /metrics only
        async with services.reading() as session:
            status = await operations.read_status(session, now)
        metrics.set_backlogs(status.inbox_backlog, status.outbox_backlog)
    pipeline: Pipeline = context.application.bot_data[PIPELINE_KEY]
    pipeline.sender.wake()
    await pipeline.recover(context.bot, older_than=RECOVER_AFTER)


async def run_due(services: Services) -> None:
    """One scheduler pass: everyone due now, in batches, then wake-ups and reminders."""
    now = services.clock.now()
    async with services.transaction() as session:
        await reviews.expire_overdue(session, now)
    seen: set[int] = set()
    while True:  # batches keep memory flat; the sender paces the prompts themselves
        async with services.transaction() as session:
            due = [u for u in await users.due_user_ids(session, now, BATCH) if u not in seen]
        for user_id in due:
            seen.add(user_id)
            await _open_week(services, user_id, now)
        if not due:
            break
    await _wake(services, now)
    await _remind(services, now)


async def _open_week(services: Services, user_id: int, now: dtm.datetime) -> None:
    """Handle every passed slot of one user: missed weeks recorded, the current one prompted."""
    while True:
        async with services.transaction() as session:
            user = await users.get_user(session, user_id)
            if user is None or user.next_due_at is None or user.next_due_at > now:
                return
            if user.timezone is None:
                return
            slot = user.next_due_at
            following = next_slot(slot, user.review_weekday, user.review_hour, user.timezone)
            if not await users.move_due(session, user_id, slot, following):
                return  # another process took this slot
            week = review_week(slot, user.timezone)
            keys = await flow.plan(session, user, week)
            window_passed = now >= following
            if window_passed or user.paused or user.blocked or user.dormant or not keys:
                # Never prompted: paused (a neutral week); or missed: the window passed while
                # we were down, or the user is quiet after a welcome-back.
                await reviews.claim_review(
                    session,
                    user_id=user_id,
                    week=week.key,
                    keys=keys,
                    status=ReviewStatus.PAUSED if user.paused else ReviewStatus.MISSED,
                    deadline=following,
                    now=now,
                )
                if window_passed:
                    continue
                return
            review = await reviews.claim_review(
                session,
                user_id=user_id,
                week=week.key,
                keys=keys,
                status=ReviewStatus.CLAIMED,
                deadline=following,
                now=now,
            )
            if review is None:
                return  # the user opened this week's review already, or another process did
            out = Outgoing(session, user.chat_id, now, user.id)
            await budget.spend(session, user, now)  # the week's prompt always goes
            if await _silent_for_weeks(session, user, week.key):
                user.dormant = True
                review.status = ReviewStatus.MISSED.value
                _welcome_back(out, user)
                log.info("welcome_back_queued", extra={"user": user.id})
            else:
                recap = await budget.recap_to_offer(session, user, now, week)
                _prompt(out, user, review, now, recap=recap)
        return


async def _silent_for_weeks(session: AsyncSession, user: User, week: str) -> bool:
    """True when the last weeks were all missed and the user has not written since."""
    recent = await reviews.recent_reviews(session, user.id, week, SILENT_WEEKS_BEFORE_WELCOME_BACK)
    if len(recent) < SILENT_WEEKS_BEFORE_WELCOME_BACK:
        return False
    # Only weeks the user was actually asked about count: weeks lost while the bot was down
    # (never prompted) say nothing about the user.
    if any(r.status != ReviewStatus.MISSED or r.prompted_at is None for r in recent):
        return False
    silence_began = min(r.created_at for r in recent)
    return user.last_seen_at is None or user.last_seen_at < silence_began


def _prompt(
    out: Outgoing,
    user: User,
    review: Review,
    now: dtm.datetime,
    *,
    reminder: bool = False,
    recap: tuple[int, int] | None = None,
) -> None:
    """Queue the prompt (or its reminder); the review counts as prompted from now on."""
    flow.send_prompt(out, user, review, now, reminder=reminder, recap=recap)
    if not reminder:
        review.status = ReviewStatus.PROMPTED.value
        review.prompted_at = now
        review.wake_at = None
    log.info(
        "reminder_queued" if reminder else "prompt_queued",
        extra={"user": user.id, "week": review.week},
    )


async def _wake(services: Services, now: dtm.datetime) -> None:
    """Snoozed prompts whose time has come (and claims left behind by an older version)."""
    async with services.transaction() as session:
        due = [(r.id, r.user_id, r.wake_at) for r in await reviews.wake_due(session, now, BATCH)]
    for review_id, user_id, wake_at in due:
        assert wake_at is not None
        async with services.transaction() as session:
            if not await reviews.take_wake_up(session, review_id, wake_at):
                continue  # another process took this wake-up
            review = await reviews.review_by_id(session, user_id, review_id)
            user = await users.get_user(session, user_id)
            if review is None or user is None or user.blocked or user.paused or user.dormant:
                continue  # /pause after "Later" means no prompt, the snoozed one included
            _prompt(Outgoing(session, user.chat_id, now, user.id), user, review, now)


async def _remind(services: Services, now: dtm.datetime) -> None:
    """One reminder a day after a prompt nobody started (never for answered or skipped weeks)."""
    async with services.transaction() as session:
        due = await reviews.reminder_due(session, now - REMINDER_AFTER, now, BATCH)
        for review in due:
            if await deliveries.claim(session, review.user_id, "reminder", review.week, now):
                user = await users.get_user(session, review.user_id)
                if user is None or user.blocked or user.paused:
                    continue
                if not await budget.has_room(session, user, now, for_draft=False):
                    log.info("reminder_dropped", extra={"user": user.id, "week": review.week})
                    continue  # the week's notifications are spent: no nagging
                await budget.spend(session, user, now)
                out = Outgoing(session, user.chat_id, now, user.id)
                _prompt(out, user, review, now, reminder=True)


def _welcome_back(out: Outgoing, user: User) -> None:
    tr = translator(user.language)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr("welcome_back.change_day"), callback_data="set:menu:day")],
            [InlineKeyboardButton(tr("welcome_back.pause"), callback_data="set:pause:on")],
        ]
    )
    out.send_message(tr("welcome_back.text"), keyboard)
