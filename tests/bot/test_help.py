"""/help lists every command, and the same list is registered with Telegram in both languages."""

from __future__ import annotations

import pytest

from bot.handlers.commands import COMMANDS, register_commands
from tests.conftest import Bot
from tests.helpers import onboard


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_help_lists_every_command(bot: Bot, language: str) -> None:
    user = bot.user(language_code=language)
    await user.send("/help")
    text = user.last_text()
    for name in COMMANDS:
        assert f"/{name} " in text


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_commands_are_registered_with_telegram(bot: Bot, language: str) -> None:
    await register_commands(bot.app.bot)  # what `python -m bot run` does once polling runs
    registered = bot.api.commands_for(language_code=language)
    assert [c["command"] for c in registered] == list(COMMANDS)
    assert [c["command"] for c in bot.api.commands_for()] == list(COMMANDS)


async def test_help_explains_how_a_review_moves_on(bot: Bot) -> None:
    user = bot.user()
    await user.send("/help")
    assert "Next" in user.last_text()


async def test_every_listed_command_is_understood(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    for name in COMMANDS:
        await user.send(f"/{name}")
        assert "don't know the command" not in user.last_text(), name


REVIEW_FORMS = ["/review last", "/review 8", "/review W08"]


@pytest.mark.parametrize(
    "form", [*REVIEW_FORMS, "/review 2026-W08", "/review 지난주", "/review 8주차"]
)
async def test_every_review_form_that_help_shows_works(bot: Bot, form: str) -> None:
    user = bot.user()
    await onboard(user)
    mark = user.mark()
    await user.send(form)
    said = " ".join(user.texts_since(mark))
    assert "Use /review" not in said, said
    assert "Week" in said  # the review of that week started


async def test_help_shows_the_review_forms(bot: Bot) -> None:
    user = bot.user()
    await user.send("/help")
    assert all(form in user.last_text() for form in REVIEW_FORMS)


async def test_review_last_on_a_tuesday_is_the_week_just_prompted(bot: Bot) -> None:
    """The snoozer's trap: early in the week, "last week" is the week the prompt was about."""
    import datetime as dtm

    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 24, 1, 0, tzinfo=dtm.UTC))  # Tuesday 10:00 in Seoul
    mark = user.mark()
    await user.send("/review last")
    assert "Week 47" in " ".join(user.texts_since(mark))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Skip this week", "neutral", "twice a week"]),
        ("ko", ["이 주는 건너뛰기", "빈 주", "일주일에 두 번"]),
    ],
)
async def test_help_says_how_weeks_count(bot: Bot, language: str, words: list[str]) -> None:
    user = bot.user(language_code=language)
    await user.send("/help")
    assert all(word in user.last_text() for word in words)


@pytest.mark.parametrize("lang", ["en", "ko"])
async def test_the_review_forms_help_shows_still_work_years_later(bot: Bot, lang: str) -> None:
    """/help is static text: a form with a fixed year in it would stop working one day."""
    import datetime as dtm
    import re

    user = bot.user(language_code=lang)
    if lang == "en":
        await onboard(user)
    else:
        await onboard(user, zone="서울", day="일요일", hour="19:00")
    bot.clock.set(dtm.datetime(2029, 6, 6, 3, 0, tzinfo=dtm.UTC))
    await user.send("/help")
    # "/review — …" is the command list's own line, not a form.
    forms = sorted(set(re.findall(r"/review [^\s,)<—]+", user.last_text())))
    assert len(forms) >= 3
    for form in forms:
        mark = user.mark()
        await user.send(form)
        said = " ".join(user.texts_since(mark))
        assert "too far back" not in said, form
        assert "너무 오래전" not in said, form
        assert "Week" in said or "주차" in said, form
