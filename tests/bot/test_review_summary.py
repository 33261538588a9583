"""The end-of-review summary fits one Telegram message whatever the user's lists hold."""

from __future__ import annotations

import pytest

from bot.domain.weeks import IsoWeek
from bot.i18n import translator
from bot.reports.html_split import text_content, utf16_len
from bot.review.messages import PREVIEW_CHARS, SummaryLine, summary


def _lines(count: int, title: str, words: str) -> list[SummaryLine]:
    return [
        SummaryLine(
            answer_id=n,
            title=f"{n:02} {title}",
            preview=words[:PREVIEW_CHARS],
            skipped=False,
            highlight=n % 3 == 0,
            private=n % 5 == 0,
            media=n % 2,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_forty_long_questions_still_fit_one_message_with_every_answer(lang: str) -> None:
    # 20 questions of 300 characters and 20 goals of 500: what /questions and /goals allow.
    lines = _lines(40, "왜 " * 150, "🏃 I ran and ran " * 10)
    tr = translator(lang)
    text, keyboard = summary(tr, IsoWeek(2026, 49), lines, intro=tr("review.already_done", week=49))
    assert utf16_len(text_content(text)) <= 4096
    for n in range(40):
        assert f"{n:02} 왜" in text  # every answer is still listed
    assert keyboard is not None
    assert len(keyboard.inline_keyboard) == 40


def test_a_short_summary_keeps_the_words_as_they_are() -> None:
    lines = _lines(3, "What was the win?", "Shipped the beta to ten users")
    text, _ = summary(translator("en"), IsoWeek(2026, 49), lines)
    assert "What was the win?" in text
    assert "Shipped the beta to ten users" in text
