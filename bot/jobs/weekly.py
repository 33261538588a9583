"""The weekly prompt job: runs every ``SCHEDULER_INTERVAL_SECONDS`` and sends what is due.

The database is the only schedule: ``users.next_due_at`` says when a user's next weekly slot
is. Each tick

1. marks reviews that were never started as missed once their window closed;
2. takes users whose slot has come, moves their ``next_due_at`` on with a compare-and-set
   (so two processes cannot both take the same slot), and claims the week's review with a
   unique (user, week) row before sending the prompt: exactly once, even across restarts;
3. records weeks whose whole window passed while the bot was down as missed;
4. re-sends snoozed prompts and prompts whose first send failed;
5. sends one reminder a day after an unstarted prompt.

After three silent weeks in a row the user gets one "welcome back" message instead of a
prompt and then nothing until they write again.
"""

from __future__ import annotations

import datetime as dtm
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.domain.journal import ReviewStatus
from bot.domain.schedule import next_slot, review_week
from bot.i18n import translator
from bot.jobs import periodic
from bot.jobs.delivery import Outcome, attempt
from bot.review import flow
from bot.services import Services
from bot.storage import deliveries, reviews, users
from bot.storage.models import Review, User

log = logging.getLogger(__name__)

JOB_NAME = "weekly-prompts"
BATCH = 200
RETRY_DELAY = dtm.timedelta(minutes=5)
CLAIM_LEASE = dtm.timedelta(minutes=30)
REMINDER_AFTER = dtm.timedelta(days=1)
SILENT_WEEKS_BEFORE_WELCOME_BACK = 3


async def tick(context: BotContext) -> None:
    """One pass of the scheduler (the JobQueue calls this; tests call it directly)."""
    await run_due(context.services, context.bot)
    await periodic.run_recaps(context.services, context.bot)
    await periodic.run_drafts(context.services, context.bot)


async def run_due(services: Services, bot: Bot) -> None:
    """One scheduler pass: everyone due now, in batches, then wake-ups and reminders."""
    now = services.clock.now()
    async with services.transaction() as session:
        await reviews.expire_overdue(session, now)
    seen: set[int] = set()
    while True:  # batches keep memory flat; the rate limiter paces the sends themselves
        async with services.transaction() as session:
            due = [u for u in await users.due_user_ids(session, now, BATCH) if u not in seen]
        for user_id in due:
            seen.add(user_id)
            await _open_week(services, bot, user_id, now)
        if not due:
            break
    await _wake(services, bot, now)
    await _remind(services, bot, now)


async def _open_week(services: Services, bot: Bot, user_id: int, now: dtm.datetime) -> None:
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
                # Recorded as missed, never prompted: the window passed while we were down,
                # or the user is quiet after a welcome-back.
                await reviews.claim_review(
                    session,
                    user_id=user_id,
                    week=week.key,
                    keys=keys,
                    status=ReviewStatus.MISSED,
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
            # If this process dies before the prompt is out, another pass sends it after the
            # lease: a crash costs a late prompt, never a lost one.
            review.wake_at = now + CLAIM_LEASE
            welcome_back = await _silent_for_weeks(session, user, week.key)
            if welcome_back:
                user.dormant = True
                review.status = ReviewStatus.MISSED.value
        # Committed: the claim exists before anything is sent.
        if welcome_back:
            await _send_welcome_back(services, bot, user, now)
        else:
            await _deliver_prompt(services, bot, user, review, now)
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


async def _deliver_prompt(
    services: Services,
    bot: Bot,
    user: User,
    review: Review,
    now: dtm.datetime,
    *,
    reminder: bool = False,
) -> Outcome:
    outcome, _ = await attempt(
        flow.send_prompt(bot, user, review, now, reminder=reminder),
        user_id=user.id,
        what="reminder" if reminder else "prompt",
    )
    async with services.transaction() as session:
        if outcome is Outcome.SENT and not reminder:
            await reviews.transition(
                session,
                review.id,
                [ReviewStatus.CLAIMED, ReviewStatus.SNOOZED],
                ReviewStatus.PROMPTED,
                prompted_at=now,
                wake_at=None,
            )
        elif outcome is Outcome.BLOCKED:
            await _mark_blocked(session, user.id)
        elif outcome is Outcome.RETRY and not reminder:
            await reviews.transition(
                session,
                review.id,
                [ReviewStatus.CLAIMED, ReviewStatus.SNOOZED],
                ReviewStatus(review.status),
                wake_at=now + RETRY_DELAY,
            )
        elif outcome is Outcome.REJECTED and not reminder:
            await reviews.transition(
                session,
                review.id,
                [ReviewStatus.CLAIMED, ReviewStatus.SNOOZED],
                ReviewStatus.MISSED,
                wake_at=None,
            )
    log.info(
        "prompt_" + outcome.value,
        extra={"user": user.id, "week": review.week, "reminder": reminder},
    )
    return outcome


async def _mark_blocked(session: AsyncSession, user_id: int) -> None:
    user = await users.get_user(session, user_id)
    if user is not None:
        user.blocked = True
        user.next_due_at = None


async def _wake(services: Services, bot: Bot, now: dtm.datetime) -> None:
    """Snoozed prompts whose time has come, and prompts whose first send failed."""
    async with services.transaction() as session:
        due = [(r.id, r.user_id, r.wake_at) for r in await reviews.wake_due(session, now, BATCH)]
    for review_id, user_id, wake_at in due:
        assert wake_at is not None
        async with services.transaction() as session:
            if not await reviews.take_wake_up(session, review_id, wake_at):
                continue  # another process took this wake-up
            review = await reviews.review_by_id(session, user_id, review_id)
            user = await users.get_user(session, user_id)
        if review is None or user is None or user.blocked:
            continue
        await _deliver_prompt(services, bot, user, review, now)


async def _remind(services: Services, bot: Bot, now: dtm.datetime) -> None:
    """One reminder a day after a prompt nobody started (never for answered or skipped weeks)."""
    async with services.transaction() as session:
        due = await reviews.reminder_due(session, now - REMINDER_AFTER, now, BATCH)
        pending = []
        for review in due:
            if await deliveries.claim(session, review.user_id, "reminder", review.week, now):
                user = await users.get_user(session, review.user_id)
                if user is not None and not user.blocked and not user.paused:
                    pending.append((user, review))
    for user, review in pending:
        await _deliver_prompt(services, bot, user, review, now, reminder=True)


async def _send_welcome_back(services: Services, bot: Bot, user: User, now: dtm.datetime) -> None:
    tr = translator(user.language)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr("welcome_back.change_day"), callback_data="set:menu:day")],
            [InlineKeyboardButton(tr("welcome_back.pause"), callback_data="set:pause:on")],
        ]
    )
    outcome, _ = await attempt(
        bot.send_message(user.chat_id, tr("welcome_back.text"), reply_markup=keyboard),
        user_id=user.id,
        what="welcome_back",
    )
    if outcome is Outcome.BLOCKED:
        async with services.transaction() as session:
            await _mark_blocked(session, user.id)
    log.info("welcome_back_" + outcome.value, extra={"user": user.id})
