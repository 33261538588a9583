"""/settings, /pause and /resume: every setting can be changed and the schedule follows."""

from __future__ import annotations

import datetime as dtm

from telegram import Update

from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import onboard, stored_reviews, stored_user


async def _settings(bot: Bot) -> FakeUser:
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="19:00")
    await user.send("/settings")
    return user


async def test_settings_shows_every_current_value(bot: Bot) -> None:
    user = await _settings(bot)
    text = user.last_text()
    for part in (
        "English",
        "Asia/Seoul",
        "UTC+09:00",
        "Sunday, 19:00",
        "Monthly recap: on",
        "December 31",
    ):
        assert part in text
    assert user.buttons()[:4] == ["🌐 Language", "🕒 Time zone", "📅 Day", "⏰ Time"]


async def test_change_language(bot: Bot) -> None:
    user = await _settings(bot)
    await user.tap("🌐 Language")
    await user.tap("한국어")
    assert "저장했어요" in user.last_text()
    assert "한국어" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.language == "ko"


async def test_change_time_zone_by_typing_and_schedule_follows(bot: Bot) -> None:
    user = await _settings(bot)
    await user.tap("🕒 Time zone")
    await user.send("New York")
    assert "America/New_York" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "America/New_York"
    # Sunday 22 Nov 19:00 in New York (EST, UTC-5).
    assert stored.next_due_at == dtm.datetime(2026, 11, 23, 0, 0, tzinfo=dtm.UTC)


async def test_typed_time_zone_is_not_kept_as_a_note(bot: Bot) -> None:
    from tests.helpers import stored_entries

    user = await _settings(bot)
    await user.tap("🕒 Time zone")
    await user.send("Berlin")
    assert await stored_entries(bot) == []


async def test_change_day_and_hour(bot: Bot) -> None:
    user = await _settings(bot)
    await user.tap("📅 Day")
    await user.tap("Friday")
    assert "Friday, 19:00" in user.last_text()
    await user.tap("⏰ Time")
    await user.tap("07:00")
    assert "Friday, 07:00" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert (stored.review_weekday, stored.review_hour) == (4, 7)
    # Friday 20 Nov 07:00 KST = Thursday 22:00 UTC.
    assert stored.next_due_at == dtm.datetime(2026, 11, 19, 22, 0, tzinfo=dtm.UTC)


async def test_monthly_recap_toggle(bot: Bot) -> None:
    user = await _settings(bot)
    await user.tap("📬 Turn monthly recap off")
    assert "Monthly recap: off" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.monthly_recap
    await user.tap("📬 Turn monthly recap on")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.monthly_recap


async def test_draft_day(bot: Bot) -> None:
    user = await _settings(bot)
    await user.tap("📝 Draft day")
    await user.tap("December 28")
    assert "Year-end draft: December 28" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.draft_day == 28


async def test_pause_button_and_resume(bot: Bot) -> None:
    user = await _settings(bot)
    await user.tap("⏸ Pause prompts")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.paused
    assert stored.next_due_at is not None  # the slot still passes: it records a paused week
    assert "Prompts: paused · next: none scheduled" in user.last_text()  # no date promised
    await user.tap("▶️ Resume prompts")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.paused
    assert stored.next_due_at is not None
    assert "Prompts: on · next: Sunday, Nov 22, 19:00" in user.last_text()


async def test_pause_and_resume_commands(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/pause")
    assert "Paused" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.paused
    await user.send("/resume")
    assert "Sunday, Nov 22, 19:00" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.next_due_at == dtm.datetime(2026, 11, 22, 10, tzinfo=dtm.UTC)


async def test_a_paused_week_is_recorded_as_paused_and_nothing_is_sent(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/pause")
    mark = user.mark()
    bot.clock.set(dtm.datetime(2026, 11, 22, 10, tzinfo=dtm.UTC))  # the Sunday 19:00 slot
    await bot.tick()
    assert user.texts_since(mark) == []  # no prompt while paused
    [review] = await stored_reviews(bot, 1001)
    assert (review.week, review.status) == ("2026-W47", "paused")
    await user.send("/resume")
    assert "Sunday, Nov 29, 19:00" in user.last_text()


async def test_settings_before_onboarding_points_to_start(bot: Bot) -> None:
    user = bot.user()
    await user.send("/settings")
    assert "/start" in user.last_text()


async def test_tampered_button_data_gets_a_friendly_reply(bot: Bot) -> None:
    user = await _settings(bot)
    update = {
        "update_id": bot.api.next_update_id(),
        "callback_query": {
            "id": bot.api.open_callback_query(),
            "chat_instance": "1",
            "data": "set:hour:99",
            "from": {"id": 1001, "is_bot": False, "first_name": "Ada", "language_code": "en"},
            "message": user.last_message().payload,
        },
    }
    await bot.feed(Update.de_json(update, bot.app.bot))
    assert "no longer valid" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.review_hour == 19


async def test_changing_the_time_zone_asks_in_the_settings_message_itself(bot: Bot) -> None:
    user = await _settings(bot)
    mark = user.mark()
    settings_message = await user.tap("🕒 Time zone")
    assert user.texts_since(mark) == []  # no second message: the settings message asks
    asked = bot.api.message_state(user.chat_id, settings_message).text or ""
    assert asked.startswith("Type your city")
    assert "2/3" not in asked
    await user.send("Berlin")
    assert "Europe/Berlin" in user.last_text()
