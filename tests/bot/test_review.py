"""The weekly review conversation: prompt, questions one at a time, Next, summary, toggles."""

from __future__ import annotations

import datetime as dtm

from bot.domain.journal import ReviewStatus
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import (
    finish_review,
    flat,
    onboard,
    stored_answers,
    stored_entries,
    stored_reviews,
    stored_user,
)

SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)  # Sunday 19:00 in Seoul


async def _prompted(bot: Bot) -> FakeUser:
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="19:00")
    bot.clock.set(SLOT)
    await bot.tick()
    return user


async def test_prompt_arrives_at_the_local_slot_with_start_later_skip(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="19:00")
    bot.clock.set(SLOT - dtm.timedelta(minutes=1))
    mark = user.mark()
    await bot.tick()
    assert user.texts_since(mark) == []
    bot.clock.set(SLOT)
    await bot.tick()
    assert "Week 47 · Nov 16 – 22" in flat(user.last_text())
    assert "7 short questions" in user.last_text()
    assert user.buttons() == ["▶️ Start", "⏰ In 1 hour", "📅 Tomorrow", "Skip this week"]
    [review] = await stored_reviews(bot, 1001)
    assert (review.week, review.status) == ("2026-W47", ReviewStatus.PROMPTED)
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.next_due_at == SLOT + dtm.timedelta(days=7)


async def test_this_evening_is_offered_before_the_evening(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, zone="Seoul", day="Sunday", hour="09:00")
    bot.clock.set(dtm.datetime(2026, 11, 22, 0, 0, tzinfo=dtm.UTC))
    await bot.tick()
    assert "🌙 This evening" in user.buttons()


async def test_full_review_stores_every_answer_with_its_week_and_question(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    assert "1/7 · Headline" in user.last_text()
    # A thought split over several quick messages stays in one answer.
    await user.send("Open-sourced the model")
    await user.send("after two sleepless nights")
    assert user.buttons() == ["Next ➡️"]
    await user.tap("Next ➡️")
    assert "2/7 · Win" in user.last_text()
    await user.send_photo(caption="Release party")
    await user.tap("Next ➡️")
    await user.tap("Skip ⏭")  # challenge
    await user.send("Thanks to my team lead")
    await user.send_voice(duration=12)
    await user.tap("Next ➡️")
    assert "5/7 · Energy" in user.last_text()
    await user.tap("4")
    assert "Energy 4/5" in user.last_text()
    await user.send("slept badly midweek")
    await user.tap("Next ➡️")
    await user.send("Write the tech report")
    await user.tap("Next ➡️")
    assert "7/7" in user.last_text()
    await user.send("Read 'The Pragmatic Programmer' <again>")
    await user.tap("Finish ✓")
    summary = flat(user.last_text())
    assert "Week 47 · Nov 16 – 22 · saved" in summary
    assert "Open-sourced the model after two sleepless nights" in summary
    assert "skipped" in summary
    assert "<again>" in summary  # escaped in HTML, shown as typed

    answers = {a.question_key: a for a in await stored_answers(bot, 1001)}
    assert set(answers) >= {"headline", "win", "challenge", "people", "energy", "next"}
    assert answers["challenge"].skipped
    assert answers["energy"].rating == 4
    entries = await stored_entries(bot, 1001)
    by_answer: dict[int | None, list[str | None]] = {}
    for entry in entries:
        assert entry.week == "2026-W47"
        by_answer.setdefault(entry.answer_id, []).append(entry.text)
    assert by_answer[answers["headline"].id] == [
        "Open-sourced the model",
        "after two sleepless nights",
    ]
    assert by_answer[answers["win"].id] == ["Release party"]
    assert by_answer[answers["people"].id] == ["Thanks to my team lead", None]
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.COMPLETED
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.state is None


async def test_answers_get_reactions_and_the_question_turns_its_skip_into_next(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    question = user.last_message().message_id
    sent_before = len(user.bot_messages())
    first = await user.send("one")
    second = await user.send("two")
    assert len(user.bot_messages()) == sent_before  # no "got it" messages
    for message_id in (first, second):
        [reaction] = bot.api.message_state(1001, message_id).reactions
        assert reaction["emoji"] == "👌"
    state = bot.api.message_state(1001, question)
    assert "✓ Kept." in (state.text or "")
    assert user.buttons(question) == ["Next ➡️"]
    assert state.edits == 1  # edited once, on the first answer


async def test_a_seven_question_review_takes_about_one_bot_message_per_question(
    bot: Bot,
) -> None:
    user = await _prompted(bot)
    mark = user.mark()
    await user.tap("▶️ Start")
    for _ in range(7):
        if "saved" in user.last_text():
            break
        if "1/5" in user.last_text() or "energy" in user.last_text().lower():
            await user.tap("4")
        else:
            await user.send("an answer")
            await user.send("and a second thought")
        await user.tap(next(b for b in user.buttons() if b.startswith(("Next", "Finish"))))
    assert "saved" in user.last_text()
    # The "starting" line, one message per question, and the summary.
    assert len(user.texts_since(mark)) <= 7 + 2


async def test_highlight_and_private_toggles(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    await user.send("Got promoted")
    await finish_review(user)
    assert "⭐ 1" in user.buttons()
    await user.tap("⭐ 1")
    await user.tap("🔒 1")
    assert user.buttons()[:2] == ["✅ ⭐ 1", "✅ 🔒 1"]
    [answer] = [a for a in await stored_answers(bot, 1001) if a.question_key == "headline"]
    assert answer.highlight
    assert answer.private
    await user.tap("✅ ⭐ 1")
    [answer] = [a for a in await stored_answers(bot, 1001) if a.question_key == "headline"]
    assert not answer.highlight
    assert answer.private


async def test_editing_a_message_edits_the_stored_answer(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    message_id = await user.send("A quiet week")
    await user.edit(message_id, "A quiet, productive week")
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == "A quiet, productive week"
    assert entry.answer_id is not None


async def test_stale_next_tap_does_not_skip_a_question(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    question = user.last_message().message_id
    await user.send("headline")
    await user.tap("Next ➡️", question)
    assert "2/7" in user.last_text()
    # The old button was removed; a replayed tap on it changes nothing.
    assert bot.api.message_state(1001, question).reply_markup is None
    [review] = await stored_reviews(bot, 1001)
    assert review.position == 1


async def test_skip_this_week(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("Skip this week")
    assert "Skipped week 47" in user.last_text()
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.SKIPPED
    bot.clock.advance(days=2)
    mark = user.mark()
    await bot.tick()
    assert user.texts_since(mark) == []  # no reminder for a skipped week


async def test_later_in_one_hour_brings_the_prompt_back_once(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("⏰ In 1 hour")
    assert "20:00" in user.last_text()  # 19:00 + 1 h, Seoul time
    bot.clock.advance(minutes=59)
    mark = user.mark()
    await bot.tick()
    assert user.texts_since(mark) == []
    bot.clock.advance(minutes=2)
    await bot.tick()
    await bot.tick()
    prompts = [t for t in user.texts_since(mark) if "Week 47" in t]
    assert len(prompts) == 1
    await user.tap("▶️ Start")
    assert "1/7" in user.last_text()


async def test_later_tomorrow_is_at_the_review_hour(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("📅 Tomorrow")
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.SNOOZED
    assert review.wake_at == SLOT + dtm.timedelta(days=1)


async def test_one_gentle_reminder_a_day_later_and_never_more(bot: Bot) -> None:
    user = await _prompted(bot)
    mark = user.mark()
    bot.clock.advance(hours=23)
    await bot.tick()
    assert user.texts_since(mark) == []
    bot.clock.advance(hours=1, seconds=30)
    await bot.tick()
    bot.clock.advance(hours=5)
    await bot.tick()
    reminders = user.texts_since(mark)
    assert len(reminders) == 1
    assert "still waiting" in reminders[0]


async def test_no_reminder_once_started(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    mark = user.mark()
    bot.clock.advance(days=2)
    await bot.tick()
    assert user.texts_since(mark) == []


async def test_unanswered_week_is_recorded_as_missed(bot: Bot) -> None:
    await _prompted(bot)
    bot.clock.advance(days=7, seconds=1)
    await bot.tick()
    first, second = await stored_reviews(bot, 1001)
    assert (first.week, first.status) == ("2026-W47", ReviewStatus.MISSED)
    assert (second.week, second.status) == ("2026-W48", ReviewStatus.PROMPTED)


async def test_late_answer_counts_for_the_week_it_reviews(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 25, 3, 0, tzinfo=dtm.UTC))  # Wednesday of week 48
    await user.send("/review last")  # the calendar's last week, whatever the weekday
    assert "Week 47 · Nov 16 – 22" in flat(user.texts_since(0)[-2])
    await user.send("A late headline")
    [entry] = await stored_entries(bot, 1001)
    assert entry.week == "2026-W47"
    await user.send("/review 2026-W45")
    await user.send("Even later")
    await user.send("/review 44")  # the form the skip confirmation suggests
    await user.send("Later still")
    entries = await stored_entries(bot, 1001)
    assert [e.week for e in entries] == ["2026-W47", "2026-W45", "2026-W44"]


async def test_review_of_a_future_week_is_refused_kindly(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/review 2027-W10")
    assert "hasn't started yet" in user.last_text()
    await user.send("/review 2026-W99")
    assert "/review last" in user.last_text()


async def test_review_again_offers_to_add_more(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    await user.send("first pass")
    await finish_review(user)
    await user.send("/review")
    assert "You've already reviewed week 47." in user.last_text()  # not "this week"
    await user.tap("✏️ Add more answers")
    await user.send("second pass")
    texts = [e.text for e in await stored_entries(bot, 1001)]
    assert texts == ["first pass", "second pass"]


async def test_conversation_survives_a_restart(factory: object) -> None:
    from tests.conftest import BotFactory

    assert isinstance(factory, BotFactory)
    bot = await factory.start()
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    await user.send("before restart")
    await user.tap("Next ➡️")

    bot = await factory.restart(bot)
    user = bot.user()
    await user.send("a win typed after the restart")
    await user.tap("Next ➡️")
    assert "3/7" in user.last_text()
    answers = {a.question_key: a.id for a in await stored_answers(bot, 1001)}
    entries = await stored_entries(bot, 1001)
    assert [(e.text, e.answer_id) for e in entries] == [
        ("before restart", answers["headline"]),
        ("a win typed after the restart", answers["win"]),
    ]


async def test_notes_during_a_review_via_note_command_stay_notes(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    await user.send("/note unrelated idea")
    [entry] = await stored_entries(bot, 1001)
    assert entry.answer_id is None
    assert entry.text == "unrelated idea"


async def test_korean_review(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    bot.clock.set(SLOT)
    await bot.tick()
    assert "47주차" in user.last_text()
    await user.tap("▶️ 시작")
    assert "한 줄 요약" in user.last_text()
    await user.send("모델 공개, 잠 못 잔 이틀")
    await user.tap("다음 ➡️")
    assert "2/7 · 잘한 일" in user.last_text()


async def test_a_resumed_question_shows_what_is_kept_and_offers_next(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    await user.send("Open-sourced the <model> & more")
    await user.send("/review")  # e.g. after a restart, or from another device
    text = user.last_text()
    assert "1/7" in text
    assert "Kept so far: Open-sourced the <model> & more" in text
    assert "&lt;model&gt; &amp; more" in user.last_html()  # escaped exactly once
    assert user.buttons() == ["Next ➡️"]
    await user.tap("Next ➡️")
    assert "2/7" in user.last_text()
    [answer] = [a for a in await stored_answers(bot, 1001) if a.question_key == "headline"]
    assert not answer.skipped


async def test_a_resumed_energy_question_keeps_its_rating(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    while "Energy" not in user.last_text():
        await user.tap("Skip ⏭")
    await user.tap("4")
    assert "✓ Energy 4/5." in user.last_text()
    await user.send("/review")
    assert "✓ Energy 4/5." in user.last_text()
    assert user.buttons() == ["1", "2", "3", "4 ✓", "5", "Next ➡️"]


async def test_a_past_week_can_be_declared_skipped(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 25, 3, 0, tzinfo=dtm.UTC))  # Wednesday of week 48
    await user.send("/review 2026-W45")
    starting, question = [m.message_id for m in user.bot_messages()[-2:]]
    assert "This week is over" in (bot.api.message_state(1001, starting).text or "")
    assert "1/7" in (bot.api.message_state(1001, question).text or "")  # writing works at once
    await user.tap("Skip this week", starting)
    assert "Skipped week 45" in (bot.api.message_state(1001, starting).text or "")
    assert bot.api.message_state(1001, question).deleted  # its first question is gone
    reviews = {r.week: r.status for r in await stored_reviews(bot, 1001)}
    assert reviews["2026-W45"] == ReviewStatus.SKIPPED
    await user.send("just a thought")  # no review is open any more: a note
    [entry] = await stored_entries(bot, 1001)
    assert (entry.week, entry.answer_id) == ("2026-W48", None)
    await user.send("/review 45")  # the form the confirmation suggests: changed my mind
    assert "1/7" in user.last_text()


async def test_the_open_week_offers_no_skip_on_its_first_question(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 25, 3, 0, tzinfo=dtm.UTC))  # Wednesday of week 48
    await user.send("/review")  # week 47: its prompt came on Sunday and is still open
    starting = user.bot_messages()[-2]
    assert "Week 47" in (starting.text or "")
    assert starting.reply_markup is None


async def test_a_past_week_with_answers_cannot_be_skipped(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 25, 3, 0, tzinfo=dtm.UTC))
    await user.send("/review 2026-W45")
    starting = user.bot_messages()[-2].message_id
    await user.send("A headline after all")
    await user.tap("Skip this week", starting)
    assert "earlier step" in user.last_text()
    reviews = {r.week: r.status for r in await stored_reviews(bot, 1001)}
    assert reviews["2026-W45"] == ReviewStatus.IN_PROGRESS


async def test_a_stale_review_button_names_the_week_to_go_on_with(bot: Bot) -> None:
    """A Next tapped twice (two devices, a slow network): the second tap is stale, and its
    hint must bring back that review even after the next week's prompt came."""
    user = await _prompted(bot)
    await user.tap("▶️ Start")
    await user.send("Open-sourced the model")
    first, again = user.press("Next ➡️"), user.press("Next ➡️")
    await bot.feed(first)
    await bot.feed(again)
    hint = "/review 2026-W47"
    assert hint in user.last_text()
    bot.clock.set(SLOT + dtm.timedelta(days=7))
    await bot.tick()  # week 48's prompt
    await user.send(hint)
    assert "2/7 · Win" in user.last_text()  # where week 47 was left


async def test_start_on_the_prompt_after_finishing_through_review_shows_the_summary(
    bot: Bot,
) -> None:
    user = await _prompted(bot)
    prompt = user.last_message().message_id
    await user.send("/review")
    await user.send("Shipped the beta")
    await finish_review(user)
    await user.tap("▶️ Start", prompt)
    assert "You've already reviewed week 47." in user.last_text()
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.COMPLETED
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.state is None
    await user.send("A note after the review")
    texts = [e.text for e in await stored_entries(bot, 1001)]
    assert texts == ["Shipped the beta", "A note after the review"]
    [note] = [e for e in await stored_entries(bot, 1001) if e.text == "A note after the review"]
    assert note.answer_id is None  # kept as a note, not added to the last answer


async def test_the_skip_confirmation_names_a_form_that_opens_that_week(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 12, 2, 3, 0, tzinfo=dtm.UTC))  # 2026-W49
    await user.send("/review 2025-W50")  # 51 weeks back: still allowed
    starting = user.bot_messages()[-2].message_id
    await user.tap("Skip this week", starting)
    said = bot.api.message_state(1001, starting).text or ""
    assert "Skipped week 50" in said
    assert "/review 2025-W50 still works" in said


async def test_later_tomorrow_says_tomorrow(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("📅 Tomorrow")
    assert "tomorrow at 19:00" in user.last_text()


async def test_later_tomorrow_in_korean_says_내일(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    bot.clock.set(SLOT)
    await bot.tick()
    await user.tap("📅 내일")
    assert "회고를 내일 19:00에 다시 알려 드릴게요" in user.last_text()


async def test_a_korean_user_gets_weeks_out_of_reach_in_korean(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    await user.send("/review 2026-W52")
    assert user.last_text().startswith("52주차, 12월 21일~27일 회고는 아직 할 수 없어요.")
    await user.send("/review 2025-W02")
    assert user.last_text().startswith("2주차, 2025년 1월 6일~12일 회고는 너무 오래전이라")
    assert "W" not in user.last_text()


async def test_pause_after_later_also_holds_back_the_snoozed_prompt(bot: Bot) -> None:
    user = await _prompted(bot)
    await user.tap("📅 Tomorrow")
    await user.send("/pause")
    mark = user.mark()
    bot.clock.advance(days=1, minutes=1)
    await bot.tick()
    assert user.texts_since(mark) == []
