"""The guided year-end session (/yearend), in English and Korean: pick moments from the
year's highlights, answer in your own words, leave and resume, edit, keep answers private,
and see them open and close the draft; export and delete include them."""

from __future__ import annotations

import datetime as dtm
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.domain.schedule import slot_on
from bot.domain.weeks import IsoWeek
from bot.storage.models import YearEndAnswer
from tests.bot.year_simulation import ENGLISH, KOREAN, Expected, Language, live_a_week
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import onboard


@dataclass(frozen=True)
class Words:
    """What the user sees and types, per language."""

    lang: Language
    step: str  # the first line of a question, for step {n}
    next: str
    skip: str
    later: str
    paused: str
    hints: str
    name: str
    renamed: str
    lesson: str
    thanks: str
    believe: str
    intro: str  # the draft's heading of the intro
    closing: str  # the draft's heading of the conclusions
    appendix: str


EN = Words(
    ENGLISH,
    "🧭 Year-end 2026 · {n}/6",
    "Next ➡️",
    "Skip ⏭",
    "Later ⏸",
    "Paused",
    "From your year:",
    "The year of the pipeline",
    "The year the pipeline finally ran",
    "Check the hardware before the code",
    "My team lead, for every Friday review",
    "Strong foundations come first",
    "## 2026 in a few words",
    "## Looking back on 2026",
    "## The year, week by week",
)
KO = Words(
    KOREAN,
    "🧭 2026년 마무리 · {n}/6",
    "다음 ➡️",
    "건너뛰기 ⏭",
    "나중에 ⏸",
    "잠시 멈췄어요",
    "올해 내가 쓴 글에서:",
    "파이프라인의 해",
    "파이프라인이 드디어 돌아간 해",
    "코드보다 하드웨어부터 의심하기",
    "매주 금요일 리뷰해 준 팀장님께",
    "기초가 먼저다",
    "## 한마디로, 2026년",
    "## 2026년을 돌아보며",
    "## 한 해, 주마다",
)


async def _a_few_weeks(bot: Bot, words: Words) -> FakeUser:
    """Onboarding at the end of 2025, then six weeks of reviews (wins, ⭐, lessons)."""
    bot.clock.set(dtm.datetime(2025, 12, 27, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(1001, language_code=words.lang.code)
    if words.lang.code == "en":
        await onboard(user)
    else:
        await onboard(user, zone="서울", day="일요일", hour="19:00")
    expected = Expected()
    for number in range(1, 7):
        await live_a_week(
            bot, user, words.lang, number, expected, skipped=frozenset(), silent=frozenset()
        )
    bot.clock.set(dtm.datetime(2026, 11, 20, 3, 0, tzinfo=dtm.UTC))
    return user


async def _draft(bot: Bot, user: FakeUser, command: str) -> str:
    await user.send(command)
    [(_, content)] = bot.api.calls_to("sendDocument")[-1].files.values()
    return content.decode()


async def _stored(bot: Bot) -> dict[str, YearEndAnswer]:
    async with bot.services.reading() as session:
        rows = await session.scalars(select(YearEndAnswer).where(YearEndAnswer.user_id == 1001))
        return {row.key: row for row in rows}


@pytest.mark.parametrize("words", [EN, KO], ids=["en", "ko"])
async def test_a_year_end_session_left_resumed_edited_and_private(bot: Bot, words: Words) -> None:
    user = await _a_few_weeks(bot, words)

    # 1. Moments: a shortlist of the year's highlights, picked with buttons edited in place.
    await user.send("/yearend 2026")
    question = user.last_message()
    assert question.text is not None
    assert question.text.startswith(words.step.format(n=1))
    assert user.buttons()[:2] == ["1", "2"]
    await user.tap("1")
    await user.tap("2")
    await user.tap("✅ 2")  # changed my mind
    assert user.last_message().message_id == question.message_id  # one message, edited
    assert user.buttons()[:2] == ["✅ 1", "2"]
    await user.tap(words.next)

    # 2. The year's name, in the user's words; the answer gets a reaction, not a message.
    assert user.last_text().startswith(words.step.format(n=2))
    name_id = await user.send(words.name)
    assert bot.api.message_state(1001, name_id).reactions

    # 3. The lesson question brings back the user's own lessons of the year; "Later" leaves.
    assert user.last_text().startswith(words.step.format(n=3))
    assert words.hints in user.last_text()
    challenge = words.lang.text["challenge"].format(w="(w01)")
    assert challenge.split(" (w")[0][:40] in user.last_text()
    await user.tap(words.later)
    assert words.paused in user.last_text()
    note = "Something for this week, not an answer"
    await user.send(note)  # with the session left, a message is a note again
    assert note not in {r.text for r in (await _stored(bot)).values()}

    # Resume: /yearend picks up at the lesson.
    await user.send("/yearend")
    assert user.last_text().startswith(words.step.format(n=3))
    await user.send(words.lesson)
    await user.tap(words.skip)  # 4. what to leave behind: skipped
    await user.send(words.thanks)  # 5.
    await user.send(words.believe)  # 6. → the summary
    summary = user.last_text()
    assert words.lesson in summary
    assert "🔒 5" in user.buttons()

    # Edit the name's message: the stored answer follows, its first version is kept.
    await user.edit(name_id, words.renamed)
    stored = await _stored(bot)
    assert stored["name"].text == words.renamed
    assert stored["name"].original_text == words.name
    assert stored["moments"].picked is not None
    assert len(stored["moments"].picked) == 1
    assert stored["leave"].skipped

    # 🔒 the thanks: the summary is edited in place and marks it.
    await user.tap("🔒 5")
    assert "🔓 5" in user.buttons()
    assert (await _stored(bot))["thanks"].private

    # The draft opens with the year's name and the picked moment, closes with the answers.
    draft = await _draft(bot, user, "/draft 2026")
    body = draft.split(words.appendix)[0]
    intro = body[body.index(words.intro) : body.index("\n## ", body.index(words.intro) + 1)]
    assert words.renamed in intro
    assert words.name not in draft
    assert intro.count("\n- ") == 1  # the one moment picked
    closing = body[body.index(words.closing) :]
    assert words.lesson in closing
    assert words.believe in closing
    assert words.thanks not in draft  # private
    assert body.index(words.intro) < body.index(words.closing)
    everything = await _draft(bot, user, "/draft 2026 all")
    assert f"🔒 {words.thanks}" in everything

    # /export carries the answers.
    mark = user.mark()
    await user.send("/export")
    files = {
        name: content
        for call in bot.api.calls_to("sendDocument")
        if call.seq > mark
        for name, content in call.files.values()
    }
    [exported] = [content for name, content in files.items() if name.endswith(".json")]
    year_end = {a["key"]: a for a in json.loads(exported)["year_end"]}
    [archive] = [content for name, content in files.items() if name.endswith(".md")]
    assert words.renamed in archive.decode()
    assert year_end["name"]["text"] == words.renamed
    assert year_end["thanks"]["private"] is True


async def test_the_december_draft_offers_the_session_until_it_is_answered(bot: Bot) -> None:
    user = await _a_few_weeks(bot, EN)
    await user.send("/draft 2026")
    assert "🧭 Year-end questions" in user.buttons()
    await user.tap("🧭 Year-end questions")
    assert user.last_text().startswith("🧭 Year-end 2026 · 1/6")
    await user.tap("1")
    await user.tap("Next ➡️")
    await user.send(EN.name)
    await user.send("/draft 2026")
    assert "🧭 Year-end questions" not in user.buttons()


async def test_stale_and_forged_session_buttons_are_refused(bot: Bot) -> None:
    from tests.helpers import tap_data

    user = await _a_few_weeks(bot, EN)
    await user.send("/yearend 2026")
    for data in ("ye:pick:2026:99", "ye:skip:2026:name", "ye:private:2026:nope", "ye:x:²:1"):
        await tap_data(bot, user, data, forged=True)
        assert "button" in user.last_text()
    assert await _stored(bot) == {}
    await user.send("/yearend 1999")
    assert "/yearend 2026" in user.last_text()


async def test_what_is_not_an_answer_leaves_the_session_and_is_kept_as_a_note(bot: Bot) -> None:
    from tests.helpers import stored_entries

    user = await _a_few_weeks(bot, EN)
    await user.send("/yearend 2026")
    await user.send("A thought while picking moments")  # text on the moments step: a note
    said = [m.text or "" for m in user.bot_messages()[-2:]]
    assert any(EN.paused in text for text in said), said
    await user.send("/yearend")
    await user.tap("Next ➡️")  # nothing picked
    await user.send_photo(caption="Summit booth")  # a photo: a note, the session pauses
    await user.send("/yearend")
    assert user.last_text().startswith(EN.step.format(n=2))
    bot.clock.advance(hours=13)  # walked away from the question
    await user.send("Ran 10 km this morning")
    notes = [e.text for e in await stored_entries(bot, 1001) if e.answer_id is None]
    assert "A thought while picking moments" in notes
    assert "Summit booth" in notes
    assert "Ran 10 km this morning" in notes
    assert "name" not in await _stored(bot)


async def test_forged_years_and_steps_are_refused(bot: Bot) -> None:
    from tests.helpers import tap_data

    user = await _a_few_weeks(bot, EN)
    await user.send("/yearend 2026")
    await user.tap("1")
    await user.tap("Next ➡️")
    await user.send(EN.name)
    for data in ("ye:start:9999:go", "ye:draft:9999:go", "ye:start:2090:go", "ye:next:2026:lesson"):
        before = len(bot.api.calls_to("sendDocument"))
        await tap_data(bot, user, data, forged=True)
        assert "button" in user.last_text(), data
        assert len(bot.api.calls_to("sendDocument")) == before
    assert (await _stored(bot))["moments"].picked  # the forged "next" did not overwrite it


def test_notes_know_the_sessions_state_without_loading_it() -> None:
    from bot.handlers import notes, yearend

    assert notes.YEAREND_STATE == yearend.STATE


async def test_a_voice_note_win_is_named_in_the_moments_list(bot: Bot) -> None:
    bot.clock.set(dtm.datetime(2026, 3, 1, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(1001)
    await onboard(user)
    bot.clock.set(slot_on(IsoWeek(2026, 10).sunday, 19, "Asia/Seoul"))
    await bot.tick()
    await user.tap(ENGLISH.start)
    for _ in range(20):  # the win as a voice note, every other question skipped
        buttons = user.buttons()
        if ENGLISH.next not in buttons and ENGLISH.skip not in buttons:
            break
        if " · Win" in user.last_text().splitlines()[0]:
            await user.send_voice(duration=42)
            await user.tap(ENGLISH.next)
        else:
            await user.tap(ENGLISH.skip)
    bot.clock.set(dtm.datetime(2026, 11, 20, 3, 0, tzinfo=dtm.UTC))
    await user.send("/yearend")
    moments = user.last_text()
    assert "🎤 voice note 0:42" in moments, moments


async def test_later_names_the_year_of_the_session_it_pauses(bot: Bot) -> None:
    user = await _a_few_weeks(bot, EN)
    await user.send("/yearend 2025")
    assert user.last_text().startswith("🧭 Year-end 2025 · ")
    await user.tap("Later ⏸")
    assert "Send /yearend 2025 whenever you like" in user.last_text()
    await user.send("/yearend 2025")
    assert user.last_text().startswith("🧭 Year-end 2025 · ")  # the same session, resumed


async def test_settings_looked_at_mid_session_leave_the_answer_to_the_session(bot: Bot) -> None:
    user = await _a_few_weeks(bot, EN)
    await user.send("/yearend 2026")
    await user.tap("Next ➡️")  # nothing picked: the year's name is asked
    assert user.last_text().startswith(EN.step.format(n=2))
    await user.send("/settings")
    await user.tap("📬 Turn monthly recap off")
    await user.send(EN.name)
    stored = await _stored(bot)
    assert stored["name"].text == EN.name
