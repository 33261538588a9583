"""Bad or unusual input gets a clear, friendly reply; content is stored verbatim; user text is
always escaped when echoed (the fake Bot API rejects malformed HTML, so a leak fails the test)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Bot
from tests.helpers import onboard, stored_entries, stored_user, tap_data

TRICKY = [
    "x" * 4096,
    "가" * 4096,
    "🎉" * 2048,  # 4096 UTF-16 code units
    "<b>not bold</b> & <script>alert(1)</script>",
    "a < b > c &amp; d",
    "올해의 회고 ✍️ — 마음을 불태워라. 한계를 뛰어넘어!",
    "   leading and trailing spaces   ",
    "line one\n\nline three",
]


@pytest.mark.parametrize("text", TRICKY, ids=lambda t: repr(t[:20]))
async def test_tricky_text_is_stored_verbatim(bot: Bot, text: str) -> None:
    user = bot.user()
    await onboard(user)
    await user.send(text)
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == text
    assert user.last_text().startswith("✓ Saved")


async def test_sticker_gets_a_friendly_reply_and_nothing_is_stored(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send_sticker()
    assert "can't keep this kind of message" in user.last_text()
    assert await stored_entries(bot, 1001) == []


async def test_unknown_command_is_named_and_escaped(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/frobnicate now")
    assert (
        user.last_text() == "I don't know the command /frobnicate. /help lists everything I can do."
    )
    assert await stored_entries(bot, 1001) == []


async def test_unknown_command_in_korean(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await user.send("/recipes")
    assert (
        user.last_text()
        == "모르는 명령어예요: /recipes. /help 에서 할 수 있는 일을 모두 볼 수 있어요."
    )


async def test_slash_text_that_is_not_a_command_is_kept_as_a_note(bot: Bot) -> None:
    # Telegram only marks ASCII names as commands; "/없는명령" arrives as plain text.
    user = bot.user(language_code="ko")
    await user.send("/없는명령")
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == "/없는명령"


async def test_wrong_arguments_to_review_get_usage(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/review <b>next</b> year")
    assert "/review last" in user.last_text()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip() and not t.startswith("/")))
async def test_any_text_during_time_zone_question_gets_an_escaped_reply(
    bot: Bot, text: str
) -> None:
    user = bot.user(user_id=abs(hash(text)) % 10**9 + 10)
    await user.send("/start")
    await user.tap("✓ English")
    await user.send(text)  # the fake Bot API rejects any reply whose HTML is malformed
    assert user.last_text()


@pytest.mark.parametrize(
    "data",
    [
        "rv:start:9999999999999999999999999999999",
        "rv:next:1:99999999999999999999999",
        "rv:start:²",
        "goal:edit:99999999999999999999999",
        "set:day:٣",
        "set:hour:99999999999999999999",
        "draft:zip:99999999999999999999:0",
        "draft:zip:²²²²:0",
        "draft:zip:2026:0:../../etc",
        "draft:zip:2026:1:hugo:extra",
    ],
)
async def test_forged_callback_data_gets_a_friendly_reply(bot: Bot, data: str) -> None:
    user = bot.user()
    await onboard(user)
    before = await stored_user(bot, 1001)
    await tap_data(bot, user, data, forged=True)
    assert not bot.errors, bot.errors
    assert "button" in user.last_text(), user.last_text()  # "no longer valid", "earlier step"
    after = await stored_user(bot, 1001)
    assert before is not None
    assert after is not None
    assert (after.review_weekday, after.review_hour) == (before.review_weekday, before.review_hour)


async def test_a_deeply_nested_json_file_is_refused_kindly(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send_document(content=b"[" * 100_000, file_name="export.json")
    assert "couldn't read this file as JSON" in user.last_text()
    assert not bot.errors


async def test_a_command_for_another_bot_is_none_of_ours(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    mark = user.mark()
    await user.send("/review@SomeOtherBot")
    assert user.texts_since(mark) == []
    assert await stored_entries(bot, 1001) == []
    await user.send("/help@weekly_review_test_bot")  # addressed to us: answered
    assert "/review" in user.last_text()
