"""A settings change never skips what has already come: a passed slot, a recap, a draft."""

from __future__ import annotations

import datetime as dtm
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.schedule import slot_on
from bot.storage.models import Delivery
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import onboard, stored_reviews, stored_user

SEOUL = "Asia/Seoul"


async def _change_nothing(user: FakeUser) -> None:
    """Open /settings and pick the language already set: a save that changes nothing."""
    await user.send("/settings")
    await user.tap("🌐 Language")
    await user.tap("✓ English")


async def _recap_prompt(bot: Bot, *, change: bool) -> str:
    user = bot.user()
    await onboard(user)  # Seoul, Sunday 19:00, monthly recap on
    await user.send("a note in November")
    bot.clock.set(slot_on(dtm.date(2026, 11, 29), 19, SEOUL))
    await bot.tick()  # still November: no recap yet
    bot.clock.set(dtm.datetime(2026, 12, 2, 3, 0, tzinfo=dtm.UTC))  # the recap is due
    await bot.tick()
    if change:
        await _change_nothing(user)
    mark = user.mark()
    bot.clock.set(slot_on(dtm.date(2026, 12, 6), 19, SEOUL))
    await bot.tick()
    [prompt] = user.texts_since(mark)
    return prompt


async def test_the_prompt_after_the_1st_carries_last_months_recap(bot: Bot) -> None:
    assert "November recap" in await _recap_prompt(bot, change=False)


async def test_a_settings_save_after_the_1st_keeps_the_recap_for_the_next_prompt(
    bot: Bot,
) -> None:
    assert "November recap" in await _recap_prompt(bot, change=True)


async def test_a_settings_save_seconds_after_the_slot_keeps_that_weeks_prompt(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)  # Sunday 19:00 Seoul
    slot = slot_on(dtm.date(2026, 11, 22), 19, SEOUL)
    bot.clock.set(slot + dtm.timedelta(seconds=10))  # the slot passed; no tick yet
    await user.send("/settings")
    await user.tap("📬 Turn monthly recap off")
    mark = user.mark()
    bot.clock.set(slot + dtm.timedelta(seconds=30))
    await bot.tick()
    assert user.texts_since(mark), "the week's prompt was not sent"
    assert "2026-W47" in [review.week for review in await stored_reviews(bot, user.user_id)]
    stored = await stored_user(bot, user.user_id)
    assert stored is not None
    assert stored.next_due_at == slot_on(dtm.date(2026, 11, 29), 19, SEOUL)


async def test_a_settings_save_while_the_draft_is_postponed_keeps_that_years_draft(
    bot: Bot,
) -> None:
    user = bot.user()
    await onboard(user, day="Thursday")  # draft on December 31, a Thursday in 2026
    await user.send("Moved to a new flat in March")
    now = slot_on(dtm.date(2026, 12, 24), 18, SEOUL)
    # Hour by hour: the Dec 31 prompt spends that day's notification, so the draft waits.
    while now < dtm.datetime(2027, 1, 1, 0, 0, tzinfo=dtm.UTC):
        now += dtm.timedelta(hours=1)
        bot.clock.set(now)
        await bot.tick()
    stored = await stored_user(bot, user.user_id)
    assert stored is not None
    assert stored.next_draft_at is not None
    assert stored.next_draft_at.astimezone(ZoneInfo(SEOUL)).date() == dtm.date(2027, 1, 1)
    await user.send("/settings")
    await user.tap("📬 Turn monthly recap off")
    end = slot_on(dtm.date(2027, 1, 3), 20, SEOUL)
    while now < end:
        now += dtm.timedelta(hours=1)
        bot.clock.set(now)
        await bot.tick()
    async with bot.services.reading() as session:
        drafts = list(
            await session.scalars(
                select(Delivery.period).where(
                    Delivery.user_id == user.user_id, Delivery.kind == "draft"
                )
            )
        )
    assert drafts == ["2026"]
    stored = await stored_user(bot, user.user_id)
    assert stored is not None
    assert stored.next_draft_at is not None
    assert stored.next_draft_at.astimezone(ZoneInfo(SEOUL)).date() == dtm.date(2027, 12, 31)


async def _prompts_after_a_change(bot: Bot, change: list[str]) -> list[tuple[str, str]]:
    """Onboard (Sunday 19:00 Seoul) on Monday 2026-11-16, make ``change`` in /settings on
    Friday 2026-11-20, then tick hour by hour to 2026-12-01: each prompted week, with the
    local weekday of its prompt."""
    user = bot.user()
    bot.clock.set(dtm.datetime(2026, 11, 16, 1, 0, tzinfo=dtm.UTC))
    await onboard(user)
    now = slot_on(dtm.date(2026, 11, 20), 10, SEOUL)
    bot.clock.set(now)
    await user.send("/settings")
    for label in change:
        await user.tap(label)
    while now < dtm.datetime(2026, 12, 1, tzinfo=dtm.UTC):
        now += dtm.timedelta(hours=1)
        bot.clock.set(now)
        await bot.tick()
    return [
        (review.week, f"{review.prompted_at.astimezone(ZoneInfo(SEOUL)):%a}")
        for review in await stored_reviews(bot, user.user_id)
        if review.prompted_at is not None
    ]


async def test_moving_the_review_day_before_today_keeps_this_weeks_prompt(bot: Bot) -> None:
    # Friday: Thursday's slot of this week is gone, so the next Thursday reviews next week.
    # The Sunday prompt for this week must still come.
    prompts = await _prompts_after_a_change(bot, ["📅 Day", "Thursday"])
    assert prompts == [("2026-W47", "Sun"), ("2026-W48", "Thu")]


async def test_moving_the_review_hour_earlier_keeps_this_weeks_prompt(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)  # Sunday 19:00 Seoul
    now = slot_on(dtm.date(2026, 11, 22), 12, SEOUL)  # Sunday noon: 19:00 is still to come
    bot.clock.set(now)
    await user.send("/settings")
    await user.tap("⏰ Time")
    await user.tap("09:00")
    stored = await stored_user(bot, user.user_id)
    assert stored is not None
    assert stored.next_due_at == slot_on(dtm.date(2026, 11, 22), 19, SEOUL)
    while now < slot_on(dtm.date(2026, 11, 29), 10, SEOUL):
        now += dtm.timedelta(hours=1)
        bot.clock.set(now)
        await bot.tick()
    prompted = [
        (review.week, review.prompted_at)
        for review in await stored_reviews(bot, user.user_id)
        if review.prompted_at is not None
    ]
    assert [week for week, _ in prompted] == ["2026-W47", "2026-W48"]
    # From the next week on, the new hour: W48's prompt came at 09:00 on Sunday the 29th.
    assert prompted[1][1] is not None
    assert prompted[1][1].astimezone(ZoneInfo(SEOUL)).hour == 9


async def test_moving_the_review_day_later_in_the_week_needs_no_extra_prompt(bot: Bot) -> None:
    # Friday → Saturday: the new slot reviews the same week, so it comes on the new day.
    prompts = await _prompts_after_a_change(bot, ["📅 Day", "Saturday"])
    assert prompts == [("2026-W47", "Sat"), ("2026-W48", "Sat")]
