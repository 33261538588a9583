"""Korean argument forms people type, and those the Korean texts teach, are understood."""

from __future__ import annotations

import datetime as dtm

import pytest

from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import flat, onboard

NOV_20 = dtm.datetime(2026, 11, 20, 3, 0, tzinfo=dtm.UTC)  # a Friday in 2026-W47
USAGE = "처럼 입력해"  # review.usage and draft.usage
YEAREND_USAGE = "처럼 연도를 붙이면"


async def _korean(bot: Bot) -> FakeUser:
    bot.clock.set(NOV_20)
    user = bot.user(1001, language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    await user.send("오늘의 메모")
    return user


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("/review 이번 주", "47주차"),
        ("/review 지난 주", "46주차"),
        ("/draft 2026년", "2026년 회고"),
        ("/draft 전체", "비공개 답변이 들어 있어요"),  # as command.draft teaches
        ("/draft 2026 전체", "비공개 답변이 들어 있어요"),  # as the draft's summary teaches
        ("/recap 지난달", "2026년 10월"),  # as command.recap teaches
    ],
)
async def test_korean_forms_work(bot: Bot, form: str, expected: str) -> None:
    user = await _korean(bot)
    mark = user.mark()
    await user.send(form)
    texts = "\n".join(flat(t) for t in user.texts_since(mark))
    assert USAGE not in texts
    assert expected in texts


async def test_yearend_with_a_korean_year(bot: Bot) -> None:
    user = await _korean(bot)
    await user.send("/yearend 2026년")
    assert YEAREND_USAGE not in user.last_text()
    assert "2026" in user.last_text()


@pytest.mark.parametrize(
    ("language", "form", "title"),
    [
        ("ko", "/review 48", "48주차 · 2025년 11월 24일~30일"),
        ("en", "/review 52", "Dec 22 – 28, 2025"),
    ],
)
async def test_a_week_of_last_year_says_its_year(
    bot: Bot, language: str, form: str, title: str
) -> None:
    """In November, week 48 is last year's: its title must not read as this year's."""
    bot.clock.set(NOV_20)
    user = bot.user(1001, language_code=language)
    if language == "ko":
        await onboard(user, zone="서울", day="일요일", hour="19:00")
    else:
        await onboard(user)
    mark = user.mark()
    await user.send(form)
    assert title in "\n".join(flat(t) for t in user.texts_since(mark))


async def test_markdown_is_named_in_korean(bot: Bot) -> None:
    user = await _korean(bot)
    await user.send("/draft 2026")
    assert user.buttons()[:4] == ["📦 마크다운 ✓", "📦 Hugo", "📦 Jekyll", "📦 MkDocs"]
    await user.send_document(b"---\ndate: 2026-03-14\n---\nOne quiet day.\n", "day.md")
    assert user.last_text().startswith("📥 마크다운: 항목 1개, 2026년 3월.")
