"""/recap and the automatic recap on the 1st, built from answers sent through the bot."""

from __future__ import annotations

import datetime as dtm
import struct

import pytest

from bot.domain.schedule import slot_on
from tests.bot.year_simulation import ENGLISH, KOREAN, ZONE, Expected, Language, live_a_week
from tests.conftest import Bot, BotFactory
from tests.fakes import FakeUser
from tests.helpers import flat, onboard

# Weeks of September and October 2026 (by their Thursdays): W36–W44.
OCTOBER = range(40, 45)  # W40 (Sep 28 – Oct 4) … W44 (Oct 26 – Nov 1)


async def _autumn(
    bot: Bot, lang: Language, weeks: range = range(36, 45)
) -> tuple[FakeUser, Expected]:
    bot.clock.set(dtm.datetime(2026, 8, 28, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(language_code=lang.code)
    await onboard(
        user,
        zone="Seoul" if lang.code == "en" else "서울",
        day="Sunday" if lang.code == "en" else "일요일",
        hour="19:00",
    )
    expected = Expected()
    for number in weeks:
        await live_a_week(
            bot,
            user,
            lang,
            number,
            expected,
            goals=False,
            skipped=frozenset({40}),
            silent=frozenset({42}),
        )
    return user, expected


def _recap_texts(user: FakeUser, mark: int) -> str:
    return flat("\n".join(user.texts_since(mark)))


async def test_recap_of_a_month_in_english(bot: Bot) -> None:
    user, expected = await _autumn(bot, ENGLISH)
    bot.clock.set(dtm.datetime(2026, 11, 10, 3, 0, tzinfo=dtm.UTC))
    mark = user.mark()
    await user.send("/recap 2026-10")
    text = _recap_texts(user, mark)
    assert "October 2026" in text
    # Timeline: each answered October week's headline with its dates.
    for week, headline in expected.public["headline"]:
        if week in OCTOBER:
            assert headline in text
    assert "Oct 5 – 11" in text  # W41's dates
    for role in ("win", "challenge", "people", "next"):
        for week, answer in expected.public[role]:
            assert (answer in text) == (week in OCTOBER), (role, week)
    # W42 was silent: named as a gap with the command that fills it.
    assert "/review 2026-W42" in text
    # W40 was skipped on purpose: not a gap, and not counted in "N of M".
    assert "W40, Sep 28 – Oct 4: skipped" in text
    assert "/review 2026-W40" not in text
    assert "/review 2026-W41" not in text
    # The chart: a PNG photo of sane size.
    photo = bot.api.calls_to("sendPhoto")[-1]
    [(_, png)] = photo.files.values()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert 400 <= width <= 2000
    assert 300 <= height <= 1200
    assert len(png) < 500_000


async def test_recap_in_korean(bot: Bot) -> None:
    user, expected = await _autumn(bot, KOREAN)
    bot.clock.set(dtm.datetime(2026, 11, 10, 3, 0, tzinfo=dtm.UTC))
    mark = user.mark()
    await user.send("/recap 10월")
    text = _recap_texts(user, mark)
    assert "2026년 10월" in text
    for week, headline in expected.public["headline"]:
        assert (headline in text) == (week in OCTOBER)


@pytest.mark.parametrize("argument", ["2026-10", "oct", "October", "10", "2026/10"])
async def test_month_argument_forms(bot: Bot, argument: str) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 20, 3, 0, tzinfo=dtm.UTC))
    mark = user.mark()
    await user.send(f"/recap {argument}")
    assert "October 2026" in _recap_texts(user, mark)


async def test_last_month_and_default(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 20, 3, 0, tzinfo=dtm.UTC))
    mark = user.mark()
    await user.send("/recap last")
    assert "October 2026" in _recap_texts(user, mark)
    mark = user.mark()
    await user.send("/recap")
    assert "November 2026" in _recap_texts(user, mark)
    bot.clock.set(dtm.datetime(2026, 12, 1, 3, 0, tzinfo=dtm.UTC))
    mark = user.mark()
    await user.send("/recap")
    text = _recap_texts(user, mark)
    assert "just begun" in text
    assert "November 2026" in text


@pytest.mark.parametrize(
    ("argument", "reply"),
    [
        ("2027-01", "hasn't started yet"),
        ("13", "couldn't tell which month"),
        ("<b>soon</b>", "couldn't tell which month"),
        ("x" * 3000, "couldn't tell which month"),
    ],
)
async def test_bad_or_future_months_get_an_explanation(bot: Bot, argument: str, reply: str) -> None:
    user = bot.user()
    await onboard(user)
    await user.send(f"/recap {argument}")
    assert reply in user.last_text()


async def test_a_very_long_month_is_split_cleanly(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    long_answer = ("A long reflection with <tags> & symbols. " * 95).strip()  # ~3.9k chars
    for day in (2, 9, 16, 23):
        bot.clock.set(dtm.datetime(2026, 11, day, 3, 0, tzinfo=dtm.UTC))
        await user.send(long_answer + f" {day}")
    mark = user.mark()
    await user.send("/recap 2026-11")
    messages = list(bot.api.calls_to("sendMessage"))[-10:]
    chunks = [c for c in messages if c.ok and c.chat_id == 1001][-5:]
    texts = user.texts_since(mark)
    assert len(texts) >= 4  # one message could never hold them
    joined = "\n".join(texts)
    for day in (2, 9, 16, 23):
        assert f"symbols. {day}" in joined
    assert all(len(c.text or "") <= 4096 for c in chunks)


async def test_the_recap_rides_on_the_first_prompt_of_the_month_once(factory: BotFactory) -> None:
    bot = await factory.start()
    # Week 44's prompt came on Sunday, November 1: it asks about the week of October 26,
    # still October's, so it carries no recap yet.
    user, _ = await _autumn(bot, ENGLISH, weeks=range(40, 45))
    assert not any("recap is ready" in t for t in user.texts_since(0))
    first = slot_on(dtm.date(2026, 11, 8), 19, ZONE)  # the first prompt about November
    bot.clock.set(first - dtm.timedelta(minutes=1))
    mark = user.mark()
    await bot.tick()
    assert user.texts_since(mark) == []
    bot.clock.set(first)
    await bot.tick()
    await bot.tick()
    bot = await factory.restart(bot)
    await bot.tick()
    user = bot.user()
    [prompt] = user.texts_since(mark)  # one message: the prompt carries the recap
    assert "📅 Your October recap is ready." in prompt
    assert not bot.api.calls_to("sendPhoto")  # nothing sent unasked besides it
    await user.tap("📅 October in review")
    titles = [t for t in user.texts_since(mark) if t.startswith("📅 October 2026")]
    assert len(titles) == 1
    assert len(bot.api.calls_to("sendPhoto")) == 1
    # The whole month is in it, its last week (answered after the 1st) included.
    assert "not answered yet" not in " ".join(user.texts_since(mark))
    # The next prompt does not offer it again.
    mark = user.mark()
    bot.clock.set(slot_on(dtm.date(2026, 11, 15), 19, ZONE))
    await bot.tick()
    assert not any("recap" in t for t in user.texts_since(mark))


async def test_no_recap_offer_for_an_empty_month_or_when_switched_off(bot: Bot) -> None:
    quiet = bot.user(2002)
    await onboard(quiet)
    busy = bot.user(3003)
    await onboard(busy)
    await busy.send("a note in November")
    await busy.send("/settings")
    await busy.tap("📬 Turn monthly recap off")
    bot.clock.set(dtm.datetime(2026, 12, 6, 10, 0, tzinfo=dtm.UTC))  # Sunday 19:00 in Seoul
    mark_quiet, mark_busy = quiet.mark(), busy.mark()
    await bot.tick()
    [quiet_prompt] = quiet.texts_since(mark_quiet)
    [busy_prompt] = busy.texts_since(mark_busy)
    assert "November" not in quiet_prompt
    assert "November" not in busy_prompt


async def test_weeks_before_joining_are_neither_counted_nor_gaps(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)  # joined on Wednesday of week 47
    await user.send("first note")
    mark = user.mark()
    await user.send("/recap")
    text = _recap_texts(user, mark)
    assert "W45" not in text
    assert "W46" not in text
    assert "Weeks answered: none due yet" in text  # W47's prompt comes on Sunday


@pytest.mark.parametrize("tap", ["▶️ Start", "📅 Tomorrow", "Skip this week"])
async def test_the_recap_button_outlives_the_prompts_other_buttons(bot: Bot, tap: str) -> None:
    user, _ = await _autumn(bot, ENGLISH, weeks=range(40, 45))
    bot.clock.set(slot_on(dtm.date(2026, 11, 8), 19, ZONE))
    await bot.tick()
    prompt = user.last_message().message_id
    assert "📅 October in review" in user.buttons(prompt)
    await user.tap(tap, prompt)
    assert user.buttons(prompt) == ["📅 October in review"]
    mark = user.mark()
    await user.tap("📅 October in review", prompt)
    assert any(t.startswith("📅 October 2026") for t in user.texts_since(mark))
