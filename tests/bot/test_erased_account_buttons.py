"""Buttons left on screen by an account that /delete erased act on nothing of the new one.

SQLite gives a new row the id a deleted one had, so a week-47 prompt's "Skip this week", or
an old summary's 🔒, would otherwise name the new account's review or answer. (Telegram
dates only recent messages in a button's tap, so this holds for buttons of the last hours.)
"""

from __future__ import annotations

import datetime as dtm

from bot.domain.journal import ReviewStatus
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import finish_review, onboard, stored_answers, stored_reviews, stored_user

SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)  # Sunday 19:00 in Seoul
STALE = "That button is no longer valid"


async def _erase_and_start_over(bot: Bot, user: FakeUser) -> None:
    """/delete, then a fresh start minutes later, reviewing the same week 47 again."""
    bot.clock.advance(dtm.timedelta(minutes=2))
    await user.send("/delete")
    await user.tap("🗑 Delete everything")
    assert await stored_user(bot, 1001) is None
    bot.clock.advance(dtm.timedelta(minutes=3))
    await onboard(user)
    await user.send("/review")  # the new account's review of week 47: the old one's id


async def test_an_old_prompts_skip_does_not_skip_the_new_accounts_week(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    await bot.tick()
    old_prompt = user.last_message().message_id
    await _erase_and_start_over(bot, user)
    await user.tap("Skip this week", old_prompt)
    assert STALE in user.last_text()
    [review] = await stored_reviews(bot, 1001)
    assert (review.week, review.status) == ("2026-W47", ReviewStatus.IN_PROGRESS)


async def test_an_old_summarys_lock_does_not_touch_the_new_accounts_answer(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    await bot.tick()
    await user.tap("▶️ Start")
    await user.send("old headline")
    await finish_review(user)
    old_summary = user.last_message().message_id
    await _erase_and_start_over(bot, user)
    await user.send("new headline")
    await finish_review(user)
    await user.tap("🔒 1", old_summary)
    [headline] = [a for a in await stored_answers(bot, 1001) if a.question_key == "headline"]
    assert not headline.private
    assert STALE in user.last_text()
