"""/questions: switch questions off and on, reorder, add your own with its section."""

from __future__ import annotations

import datetime as dtm

from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import finish_review, onboard, stored_answers, tap_data

SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)


async def _questions(bot: Bot) -> FakeUser:
    user = bot.user()
    await onboard(user)
    await user.send("/questions")
    return user


async def _titles_of_next_review(bot: Bot, user: FakeUser) -> list[str]:
    bot.clock.set(SLOT)
    await bot.tick()
    await user.tap("▶️ Start")
    titles = []
    while "saved" not in user.last_text():
        titles.append(user.last_text().splitlines()[0].split(" · ", 1)[1])
        await user.tap(next(b for b in user.buttons() if b.startswith(("Skip", "Next", "Finish"))))
    return titles


async def test_questions_lists_the_defaults_in_order(bot: Bot) -> None:
    user = await _questions(bot)
    text = user.last_text()
    for number, title in enumerate(
        ["Headline", "Win", "Challenge", "People", "Energy", "Next week", "A rotating question"],
        start=1,
    ):
        assert f"{number}. ✅ {title}" in text


async def test_switching_a_question_off_and_on(bot: Bot) -> None:
    user = await _questions(bot)
    await user.tap("✅ 3. Challenge")
    assert "3. ⬜ Challenge" in user.last_text()
    titles = await _titles_of_next_review(bot, user)
    assert "Challenge" not in titles
    assert len(titles) == 6
    await user.send("/questions")
    await user.tap("⬜ 3. Challenge")
    assert "3. ✅ Challenge" in user.last_text()


async def test_reordering(bot: Bot) -> None:
    user = await _questions(bot)
    await tap_data(bot, user, "q:up:energy")
    assert "4. ✅ Energy" in user.last_text()
    titles = await _titles_of_next_review(bot, user)
    assert titles[3] == "Energy"
    assert titles[4] == "People"


async def test_adding_your_own_question_with_its_section(bot: Bot) -> None:
    user = await _questions(bot)
    await user.tap("➕ Add your own question")
    await user.send("What did I <cook> this week?")
    assert "Which part of your year-end review" in user.last_text()
    await user.tap("Odds and ends")
    assert "8. ✅ What did I <cook> this week?" in user.last_text()
    bot.clock.set(SLOT)
    await bot.tick()
    await user.tap("▶️ Start")
    for _ in range(7):
        await user.tap(next(b for b in user.buttons() if b.startswith(("Skip", "Next"))))
    assert "8/8 · Your question" in user.last_text()
    assert "What did I <cook> this week?" in user.last_text()
    await user.send("Kimchi stew")
    await finish_review(user)
    [custom] = [a for a in await stored_answers(bot, 1001) if a.question_key.startswith("custom")]
    assert (custom.section, custom.prompt) == ("odds", "What did I <cook> this week?")


async def test_an_empty_or_overlong_question_is_refused_kindly(bot: Bot) -> None:
    user = await _questions(bot)
    await user.tap("➕ Add your own question")
    await user.send("x" * 301)
    assert "up to 300 characters" in user.last_text()


async def test_questions_in_korean(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await onboard(user, zone="서울", day="일요일")
    await user.send("/questions")
    assert "1. ✅ 한 줄 요약" in user.last_text()


async def test_moving_the_first_question_up_changes_nothing_quietly(bot: Bot) -> None:
    user = await _questions(bot)
    before = user.last_text()
    await tap_data(bot, user, "q:up:headline")
    assert user.last_text() == before  # no error, nothing moved
