"""Several weeks of one user's life with a controlled clock: a DST change, a skipped week, a
snoozed week, a late answer and a restart mid-conversation; then every answer is where it
belongs. Also: the prompt fires at the chosen local hour in every listed time zone."""

from __future__ import annotations

import datetime as dtm

import pytest

from bot.domain.journal import ReviewStatus
from bot.domain.schedule import slot_on
from bot.domain.weeks import IsoWeek
from tests.conftest import Bot, BotFactory
from tests.fakes import FakeUser
from tests.helpers import (
    finish_review,
    onboard,
    stored_answers,
    stored_entries,
    stored_reviews,
    stored_user,
)

BERLIN = "Europe/Berlin"


def _prompts(user: FakeUser, mark: int) -> list[str]:
    return [t for t in user.texts_since(mark) if "Time for your weekly review" in t]


async def _answer_headline_and_finish(user: FakeUser, headline: str) -> None:
    await user.send(headline)
    await finish_review(user)


async def test_weeks_across_a_dst_change(factory: BotFactory) -> None:
    bot = await factory.start()
    bot.clock.set(dtm.datetime(2027, 3, 8, 12, 0, tzinfo=dtm.UTC))
    user = bot.user()
    await onboard(user, zone="Berlin", day="Sunday", hour="02:00")

    # W10: Sunday 14 March 02:00 CET = 01:00 UTC.
    slot = dtm.datetime(2027, 3, 14, 1, 0, tzinfo=dtm.UTC)
    bot.clock.set(slot - dtm.timedelta(seconds=1))
    mark = user.mark()
    await bot.tick()
    assert _prompts(user, mark) == []
    bot.clock.set(slot)
    await bot.tick()
    assert len(_prompts(user, mark)) == 1
    await user.tap("▶️ Start")
    await _answer_headline_and_finish(user, "W10 headline")

    # W11: skipped.
    bot.clock.set(dtm.datetime(2027, 3, 21, 1, 0, tzinfo=dtm.UTC))
    await bot.tick()
    await user.tap("Skip this week")

    # W12: 28 March, clocks jump 02:00 → 03:00; the slot fires once, at 03:00 CEST (01:00 UTC).
    mark = user.mark()
    bot.clock.set(dtm.datetime(2027, 3, 28, 0, 59, tzinfo=dtm.UTC))
    await bot.tick()
    assert _prompts(user, mark) == []
    bot.clock.set(dtm.datetime(2027, 3, 28, 1, 0, tzinfo=dtm.UTC))
    await bot.tick()
    await bot.tick()
    assert len(_prompts(user, mark)) == 1
    await user.tap("⏰ In 1 hour")
    bot.clock.advance(hours=1, seconds=1)
    await bot.tick()
    assert len(_prompts(user, mark)) == 2  # the snoozed prompt came back, once
    await user.tap("▶️ Start")
    await _answer_headline_and_finish(user, "W12 headline after snooze")

    # A late answer for the skipped W11, written in W12.
    await user.send("/review 2027-W11")
    await _answer_headline_and_finish(user, "W11 headline, late")

    # W13: Sunday 4 April 02:00 CEST = 00:00 UTC; a restart in the middle of the review.
    bot.clock.set(dtm.datetime(2027, 4, 4, 0, 0, tzinfo=dtm.UTC))
    await bot.tick()
    await user.tap("▶️ Start")
    await user.send("W13 headline")
    await user.tap("Next ➡️")
    bot = await factory.restart(bot)
    user = bot.user()
    await user.send("W13 win after restart")
    await user.tap("Next ➡️")
    assert "3/7" in user.last_text()

    weeks = {r.week: r.status for r in await stored_reviews(bot, 1001)}
    assert weeks == {
        "2027-W10": ReviewStatus.COMPLETED,
        "2027-W11": ReviewStatus.COMPLETED,
        "2027-W12": ReviewStatus.COMPLETED,
        "2027-W13": ReviewStatus.IN_PROGRESS,
    }
    answers = {a.id: (a.week, a.question_key) for a in await stored_answers(bot, 1001)}
    stored = [
        (e.text, answers[e.answer_id])
        for e in await stored_entries(bot, 1001)
        if e.answer_id is not None
    ]
    assert stored == [
        ("W10 headline", ("2027-W10", "headline")),
        ("W12 headline after snooze", ("2027-W12", "headline")),
        ("W11 headline, late", ("2027-W11", "headline")),
        ("W13 headline", ("2027-W13", "headline")),
        ("W13 win after restart", ("2027-W13", "win")),
    ]
    user_row = await stored_user(bot, 1001)
    assert user_row is not None
    assert user_row.next_due_at == dtm.datetime(2027, 4, 11, 0, 0, tzinfo=dtm.UTC)


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Seoul",
]


@pytest.mark.parametrize("zone", ZONES)
async def test_prompt_at_the_local_hour_in_every_zone(bot: Bot, zone: str) -> None:
    user = bot.user()
    await onboard(user, zone=zone, day="Sunday", hour="19:00")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == zone
    for week in (IsoWeek(2026, 47), IsoWeek(2026, 48)):
        slot = slot_on(week.sunday, 19, zone)
        assert slot.astimezone(stored_zone(zone)).hour == 19
        mark = user.mark()
        bot.clock.set(slot - dtm.timedelta(seconds=1))
        await bot.tick()
        assert _prompts(user, mark) == []
        bot.clock.set(slot)
        await bot.tick()
        prompts = _prompts(user, mark)
        assert len(prompts) == 1
        assert f"Week {week.week} ·" in prompts[0]


def stored_zone(zone: str) -> dtm.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(zone)
