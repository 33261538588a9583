"""A settings question walked away from expires after an hour: a later message is a note, not
a goal, a question or a time zone. Onboarding's time zone question never expires."""

from __future__ import annotations

import datetime as dtm

from bot.handlers.notes import PROMPT_EXPIRES, REVIEW_EXPIRES
from bot.storage import goals as goal_store
from bot.storage import users as users_store
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import add_goals, ask_to_add_goals, onboard, stored_entries, stored_user

LATER = PROMPT_EXPIRES + dtm.timedelta(minutes=1)
SOON = PROMPT_EXPIRES - dtm.timedelta(minutes=5)


async def with_goal(bot: Bot) -> FakeUser:
    user = bot.user()
    await onboard(user)
    await add_goals(user, 2026, ["Run a half marathon"])
    return user


async def goal_texts(bot: Bot) -> list[str]:
    async with bot.services.reading() as session:
        return [goal.text for goal in await goal_store.goals_of(session, 1001, 2026)]


async def notes(bot: Bot) -> list[str | None]:
    return [entry.text for entry in await stored_entries(bot, 1001)]


async def test_a_goal_edit_walked_away_from_does_not_take_a_later_note(bot: Bot) -> None:
    user = await with_goal(bot)
    await user.send("/goals")
    await user.tap("✏️ 2026 · 1")
    bot.clock.advance(LATER)
    await user.send("Bought groceries")
    assert await goal_texts(bot) == ["Run a half marathon"]  # not overwritten
    assert await notes(bot) == ["Bought groceries"]


async def test_a_goal_edit_answered_within_the_hour_changes_the_goal(bot: Bot) -> None:
    user = await with_goal(bot)
    await user.send("/goals")
    await user.tap("✏️ 2026 · 1")
    bot.clock.advance(SOON)
    await user.send("Run a full marathon")
    assert await goal_texts(bot) == ["Run a full marathon"]
    assert await notes(bot) == []


async def test_collecting_goals_waits_an_hour_after_each_goal(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await ask_to_add_goals(user, 2026)
    await user.send("Run a half marathon")
    bot.clock.advance(SOON)
    await user.send("Read 20 books")  # nearly an hour after the question, minutes after a goal
    bot.clock.advance(LATER)
    await user.send("Dinner with Anna")  # the next day, say: a note
    assert await goal_texts(bot) == ["Run a half marathon", "Read 20 books"]
    assert await notes(bot) == ["Dinner with Anna"]
    assert "Saved to week" in user.last_text()


async def test_a_time_zone_question_in_settings_expires(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/settings")
    await user.tap("🕒 Time zone")
    bot.clock.advance(LATER)
    await user.send("Dinner with Anna, Paris")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "Asia/Seoul"  # unchanged
    assert await notes(bot) == ["Dinner with Anna, Paris"]


async def test_the_time_zone_question_of_onboarding_does_not_expire(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")
    await user.tap(next(b for b in user.buttons() if b.startswith("✓")))
    bot.clock.advance(hours=5)  # back after lunch, finishing the setup
    await user.send("Seoul")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "Asia/Seoul"
    assert await notes(bot) == []


async def test_a_review_walked_away_from_keeps_later_notes_as_notes(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC))  # Sunday 19:00 in Seoul
    await bot.tick()
    await user.tap("▶️ Start")
    await user.send("Open-sourced the model")  # the headline
    bot.clock.advance(hours=2)
    await user.send("after two sleepless nights")  # back after dinner: still the headline
    bot.clock.advance(REVIEW_EXPIRES + dtm.timedelta(minutes=1))
    await user.send("Lunch with Bea on Tuesday")  # days later, say: a note
    stored = await stored_entries(bot, 1001)
    parts = [entry.text for entry in stored if entry.answer_id is not None]
    assert parts == ["Open-sourced the model", "after two sleepless nights"]
    assert [entry.text for entry in stored if entry.answer_id is None] == [
        "Lunch with Bea on Tuesday"
    ]
    await user.send("/review")  # the review goes on where it was left
    assert "1/7 · Headline" in user.last_text()


async def test_a_review_started_and_left_on_its_first_question_expires_too(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC))
    await bot.tick()
    await user.tap("▶️ Start")  # then the phone goes back in the pocket
    bot.clock.advance(REVIEW_EXPIRES + dtm.timedelta(minutes=1))
    await user.send("Lunch with Bea on Tuesday")
    assert [(e.text, e.answer_id) for e in await stored_entries(bot, 1001)] == [
        ("Lunch with Bea on Tuesday", None)
    ]


async def test_a_question_left_open_by_an_older_version_does_not_take_a_note(bot: Bot) -> None:
    """States saved before questions were timed carry no time: they count as walked away
    from, so the first message after the upgrade is a note, not a goal's new text."""
    user = await with_goal(bot)
    await user.send("/goals")
    await user.tap("✏️ 2026 · 1")
    async with bot.services.transaction() as session:  # as the previous version stored it
        stored = await users_store.get_user(session, 1001)
        assert stored is not None
        stored.state_data = {"goal_id": (stored.state_data or {})["goal_id"]}
    await user.send("Bought groceries")
    assert await goal_texts(bot) == ["Run a half marathon"]
    assert await notes(bot) == ["Bought groceries"]
