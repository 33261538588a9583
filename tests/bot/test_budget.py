"""The notification budget: at most 2 unasked notifications in a week, at most one a day."""

from __future__ import annotations

import datetime as dtm
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.schedule import slot_on
from bot.domain.weeks import IsoWeek
from bot.storage.models import Delivery
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import onboard

ZONE = "Asia/Seoul"
SEOUL = ZoneInfo(ZONE)


async def hourly(bot: Bot, until: dtm.datetime) -> None:
    """Tick every hour on the hour until ``until`` (prompts, reminders and drafts fall on it)."""
    now = bot.clock.now().replace(minute=0, second=0, microsecond=0)
    while now < until:
        now += dtm.timedelta(hours=1)
        bot.clock.set(now)
        await bot.tick()


def unasked(bot: Bot, user: FakeUser, since: int) -> list[tuple[dtm.datetime, str]]:
    """(local time, text) of every message the bot sent on its own after ``since``."""
    return [
        (dtm.datetime.fromtimestamp(call.result["date"], SEOUL), call.text or "")
        for call in bot.api.messages_to(user.chat_id)
        if call.seq > since
    ]


def assert_within_budget(sent: list[tuple[dtm.datetime, str]]) -> None:
    by_week = Counter(IsoWeek.of(at.date()) for at, _ in sent)
    by_day = Counter(at.date() for at, _ in sent)
    assert max(by_week.values(), default=0) <= 2, by_week
    assert max(by_day.values(), default=0) <= 1, by_day


async def test_week_53_gets_the_draft_and_the_prompt_only(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)  # Sunday 19:00 in Seoul; the draft comes on December 31
    await user.send("Finished the marathon training plan")
    bot.clock.set(slot_on(dtm.date(2026, 12, 20), 19, ZONE))
    since = user.mark()
    await hourly(bot, slot_on(dtm.date(2027, 1, 10), 20, ZONE))
    sent = unasked(bot, user, since)
    assert_within_budget(sent)
    week_53 = [(at.date(), text) for at, text in sent if IsoWeek.of(at.date()) == IsoWeek(2026, 53)]
    assert [day for day, _ in week_53] == [dtm.date(2026, 12, 31), dtm.date(2027, 1, 3)]
    assert "Your 2026 in review" in week_53[0][1]  # the draft, in one message
    assert "Week 53" in week_53[1][1]
    assert not any("recap" in text for _, text in week_53)  # the draft replaced December's


async def test_a_reminder_goes_when_there_is_room(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(slot_on(dtm.date(2026, 11, 22), 18, ZONE))
    since = user.mark()
    await hourly(bot, slot_on(dtm.date(2026, 11, 24), 19, ZONE))
    sent = unasked(bot, user, since)
    assert [at.date() for at, _ in sent] == [dtm.date(2026, 11, 22), dtm.date(2026, 11, 23)]
    assert "Week 47" in sent[1][1]  # the reminder of the unanswered prompt


async def test_a_draft_due_on_a_prompt_day_waits_a_day(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, day="Monday")  # Monday 19:00: December 28, 2026 is a Monday
    await user.send("a note")
    await user.send("/settings")
    await user.tap("📝 Draft day")
    await user.tap("December 28")
    bot.clock.set(slot_on(dtm.date(2026, 12, 27), 12, ZONE))
    since = user.mark()
    await hourly(bot, slot_on(dtm.date(2026, 12, 30), 20, ZONE))
    sent = unasked(bot, user, since)
    assert_within_budget(sent)
    days = {at.date(): text for at, text in sent}
    assert "Week 52" in days[dtm.date(2026, 12, 28)]  # the prompt keeps its day
    assert "Your 2026 in review" in days[dtm.date(2026, 12, 29)]  # the draft, a day later
    assert len(bot.api.calls_to("sendDocument")) == 1


async def test_a_draft_postponed_into_january_is_still_the_year_that_ended(bot: Bot) -> None:
    """December 31, 2026 is a Thursday: that day's prompt takes the day's notification, so
    the draft goes on January 1, and it must still be 2026's."""
    user = bot.user()
    await onboard(user, day="Thursday")  # the draft comes on December 31 by default
    await user.send("Moved to a new flat in March")
    bot.clock.set(slot_on(dtm.date(2026, 12, 24), 18, ZONE))  # before week 52's prompt
    since = user.mark()
    await hourly(bot, slot_on(dtm.date(2027, 1, 2), 20, ZONE))
    sent = unasked(bot, user, since)
    assert_within_budget(sent)
    days = {at.date(): text for at, text in sent}
    assert "Week 53" in days[dtm.date(2026, 12, 31)]  # the prompt keeps its day
    assert "Your 2026 in review" in days[dtm.date(2027, 1, 1)]  # the draft, a day later
    [draft] = bot.api.calls_to("sendDocument")
    [(name, content)] = draft.files.values()
    assert name == "review-2026.md"
    assert "Moved to a new flat in March" in content.decode()
    async with bot.services.reading() as session:  # 2027's own draft is still to come
        claimed = await session.scalars(
            select(Delivery.period).where(Delivery.user_id == 1001, Delivery.kind == "draft")
        )
        assert list(claimed) == ["2026"]
