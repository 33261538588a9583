"""A look at /settings, /goals, /questions or a journal's preview in the middle of a review
does not end it: the next words are still the answer to the question on screen."""

from __future__ import annotations

import datetime as dtm

from bot.domain.journal import ReviewStatus
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import (
    ask_to_add_goals,
    onboard,
    stored_answers,
    stored_entries,
    stored_reviews,
    stored_user,
    tap_data,
)

SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)  # Sunday 19:00 in Seoul


async def _in_review(bot: Bot) -> tuple[FakeUser, int]:
    """Prompted, started, the first question on screen; the id of the question's message."""
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="19:00")
    bot.clock.set(SLOT)
    await bot.tick()
    await user.tap("▶️ Start")
    assert "1/7 · Headline" in user.last_text()
    return user, user.last_message().message_id


async def _headline_texts(bot: Bot) -> list[str | None]:
    answers = {a.question_key: a.id for a in await stored_answers(bot, 1001)}
    return [e.text for e in await stored_entries(bot, 1001) if e.answer_id == answers["headline"]]


async def test_settings_changed_mid_review_keep_the_answer_in_the_review(bot: Bot) -> None:
    user, question = await _in_review(bot)
    await user.send("/settings")
    await user.tap("📬 Turn monthly recap off")
    await user.send("Shipped the release")
    assert await _headline_texts(bot) == ["Shipped the release"]
    await user.tap("Next ➡️", question)
    assert "2/7 · Win" in user.last_text()


async def test_a_time_zone_asked_mid_review_hands_back_to_the_review(bot: Bot) -> None:
    user, _ = await _in_review(bot)
    await user.send("/settings")
    await user.tap("🕒 Time zone")
    await user.send("Berlin")  # the time zone: not an answer, not a note
    assert "Europe/Berlin" in user.last_text()
    await user.send("Shipped the release")
    assert await _headline_texts(bot) == ["Shipped the release"]
    assert [e.text for e in await stored_entries(bot, 1001) if e.answer_id is None] == []


async def test_goals_and_questions_looked_at_mid_review_keep_it(bot: Bot) -> None:
    user, _ = await _in_review(bot)
    await user.send("/goals")
    await user.send("/questions")
    await user.send("Shipped the release")
    assert await _headline_texts(bot) == ["Shipped the release"]


async def test_a_journal_preview_mid_review_does_not_take_the_next_answer(bot: Bot) -> None:
    user, _ = await _in_review(bot)
    await user.send_document(b"---\ndate: 2026-03-14\n---\nOne quiet day.\n", "day.md")
    assert "📥 Import" in user.buttons()
    await user.send("Shipped the release")
    assert await _headline_texts(bot) == ["Shipped the release"]


async def test_skipping_a_past_week_leaves_the_current_review_open(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="19:00")
    bot.clock.set(dtm.datetime(2026, 11, 25, 3, 0, tzinfo=dtm.UTC))  # Wednesday of W48
    await user.send("/review 2026-W46")
    past = user.bot_messages()[-2].message_id  # "Week 46 …", with Skip this week
    await user.send("/review this")
    await user.send("Week 48 so far")
    await user.tap("Skip this week", past)
    await user.send("and more of it")
    reviews = {r.week: r for r in await stored_reviews(bot, 1001)}
    assert reviews["2026-W46"].status == ReviewStatus.SKIPPED
    assert reviews["2026-W48"].status == ReviewStatus.IN_PROGRESS
    texts = [e.text for e in await stored_entries(bot, 1001)]
    assert texts == ["Week 48 so far", "and more of it"]
    assert all(e.answer_id is not None for e in await stored_entries(bot, 1001))


async def test_a_forged_rating_is_a_stale_button_and_skips_nothing(bot: Bot) -> None:
    user, _ = await _in_review(bot)
    [review] = await stored_reviews(bot, 1001)
    await tap_data(bot, user, f"rv:rate:{review.id}:0:9", forged=True)
    [review] = await stored_reviews(bot, 1001)
    assert review.position == 0
    assert not any(a.skipped for a in await stored_answers(bot, 1001))


async def test_a_review_walked_away_from_does_not_come_back_through_a_preview(bot: Bot) -> None:
    """Three days after leaving a review, a journal's preview and then a note: the note is a
    note of this week, not an answer to the old question."""
    await _in_review(bot)
    user = bot.user()
    bot.clock.advance(dtm.timedelta(days=3))
    await user.send_document(b"---\ndate: 2026-03-14\n---\nOne quiet day.\n", "day.md")
    await user.send("a note on Wednesday")
    [note] = await stored_entries(bot, 1001)
    assert (note.text, note.answer_id, note.week) == ("a note on Wednesday", None, "2026-W48")


async def test_a_side_question_left_unanswered_hands_back_to_the_review(bot: Bot) -> None:
    """A goal asked for mid-review and left for two hours: the next words go where the
    review's question, still on screen, asks for them (the goal's question has expired)."""
    user, _ = await _in_review(bot)
    await ask_to_add_goals(user, 2026)
    bot.clock.advance(dtm.timedelta(hours=2))
    await user.send("Shipped the release")
    await user.send("and wrote it up")
    assert await _headline_texts(bot) == ["Shipped the release", "and wrote it up"]


async def test_a_rating_tapped_beside_a_side_question_keeps_the_reviews_own_data(
    bot: Bot,
) -> None:
    user, _ = await _in_review(bot)
    for _ in range(4):  # to 5/7 · Energy
        await user.tap("Skip ⏭")
    energy = user.last_message().message_id
    assert "5/7" in user.last_text()
    for rating in ("2", "3", "4"):
        await ask_to_add_goals(user, 2026)
        await user.tap(rating, energy)
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.state == "review"
    assert set(stored.state_data or {}) <= {"review_id", "question", "kept", "asked_at"}
