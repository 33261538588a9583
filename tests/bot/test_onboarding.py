"""/start and onboarding: language, time zone and weekly slot, in English and Korean."""

from __future__ import annotations

import datetime as dtm

from tests.conftest import Bot
from tests.helpers import onboard, stored_entries, stored_user


async def test_start_welcomes_and_asks_for_language_preselected_from_telegram(bot: Bot) -> None:
    user = bot.user(language_code="en-GB")
    await user.send("/start")
    texts = [m.text for m in user.bot_messages()]
    assert "weekly review" in texts[0]
    assert "recap" in texts[0]
    assert "year in review" in texts[0]
    assert user.buttons() == ["✓ English", "한국어"]


async def test_korean_telegram_users_get_korean_preselected(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await user.send("/start")
    assert "주간 회고" in user.bot_messages()[0].text
    assert user.buttons() == ["English", "✓ 한국어"]


async def test_english_onboarding_end_to_end(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="19:00")
    assert "All set" in user.last_text()
    # Setup started Wednesday 2026-11-18; the first slot is Sunday 22 Nov 19:00 in Seoul.
    assert "Sunday, Nov 22, 19:00" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert (stored.language, stored.timezone, stored.review_weekday, stored.review_hour) == (
        "en",
        "Asia/Seoul",
        6,
        19,
    )
    assert stored.onboarded
    assert stored.next_due_at == dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)


async def test_korean_onboarding_end_to_end(bot: Bot) -> None:
    user = bot.user(language_code="ko-KR")
    await user.send("/start")
    await user.tap("✓ 한국어")
    assert "시간대" in user.last_text()
    await user.send("서울")
    assert "Asia/Seoul" in user.texts_since(0)[-2]
    await user.tap("✓ 일요일")
    assert "일요일 몇 시" in user.last_text()
    await user.tap("09:00")
    assert "설정 완료" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.language == "ko"
    assert stored.review_hour == 9


async def test_choosing_another_language_switches_the_conversation(bot: Bot) -> None:
    user = bot.user(language_code="en")
    await user.send("/start")
    await user.tap("한국어")
    assert "어디에 계신가요" in user.last_text()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.language == "ko"


async def test_unknown_time_zone_gets_a_helpful_retry_not_an_error(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")
    await user.tap("✓ English")
    await user.send("Atlantis <b>")
    assert "couldn't find a time zone" in user.last_text()
    assert "Atlantis <b>" in user.last_text()  # echoed back safely escaped
    await user.send("UTC+9")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "Etc/GMT-9"
    assert "Which day" in user.last_text()
    # Shown as the user meant it: Etc/GMT-9's POSIX sign is the opposite.
    assert "Time zone: UTC+9 (UTC+09:00) ✓" in user.texts_since(0)[-2]
    assert "GMT-9" not in " ".join(user.texts_since(0))


async def test_misspelled_city_offers_suggestions_to_tap(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")
    await user.tap("✓ English")
    await user.send("Berln")
    assert "Europe/Berlin" in user.buttons()
    await user.tap("Europe/Berlin")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "Europe/Berlin"


async def test_default_time_zone_button_from_settings(factory: object) -> None:
    from tests.conftest import BotFactory

    assert isinstance(factory, BotFactory)
    bot = await factory.start(default_timezone="Europe/Berlin")
    user = bot.user()
    await user.send("/start")
    await user.tap("✓ English")
    await user.tap("Europe/Berlin")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "Europe/Berlin"


async def test_start_again_after_onboarding_shows_the_setup(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, zone="Berlin", day="Friday", hour="08:00")
    await user.send("/start")
    text = user.last_text()
    assert "Welcome back" in text
    assert "Europe/Berlin" in text
    assert "Friday, 08:00" in text


async def test_nothing_is_scheduled_before_onboarding_finishes(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")
    await user.tap("✓ English")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.onboarded
    assert stored.next_due_at is None


async def test_start_again_shows_the_settings_without_raw_tags(bot: Bot) -> None:
    """The summary is HTML already: it must not be escaped a second time."""
    user = bot.user()
    await onboard(user)
    await user.send("/start")
    assert "Language: English" in user.last_text()
    assert "<b>" not in user.last_text()
    korean = bot.user(1002, language_code="ko")
    await onboard(korean, day="일요일")
    await korean.send("/start")
    assert "<b>" not in korean.last_text()
    assert "한국어" in korean.last_text()


async def test_korean_dates_read_as_korean(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await onboard(user, day="일요일")
    assert "11월 22일 (일) 19:00" in user.last_text()  # not "일요일, 11월 22, 19:00"
    await user.send("/settings")
    assert "11월 22일 (일) 19:00" in user.last_text()


async def test_an_old_language_button_after_setup_never_traps_later_notes(bot: Bot) -> None:
    """/start twice leaves two language pickers; the second one, tapped after setup, changes
    the language like /settings would, and what the user writes next is kept as notes."""
    user = bot.user()
    await user.send("/start")
    first_picker = user.last_message().message_id
    await onboard(user)  # a second /start, then the whole setup
    bot.clock.advance(dtm.timedelta(days=3))
    await user.tap("한국어", first_picker)
    stored = await stored_user(bot, user.user_id)
    assert stored is not None
    assert stored.language == "ko"
    assert stored.timezone == "Asia/Seoul"
    assert stored.state is None
    bot.clock.advance(dtm.timedelta(days=3))
    await user.send("Had a great dinner with Mina")
    assert [e.text for e in await stored_entries(bot, user.user_id)] == [
        "Had a great dinner with Mina"
    ]
