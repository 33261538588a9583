"""Tests for rendering the monthly recap as Telegram HTML."""

from __future__ import annotations

import datetime as dtm
import re
from html.parser import HTMLParser

from bot.domain.journal import (
    AnswerView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
)
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports.html_split import text_content, utf16_len
from bot.reports.recap import MonthRecap, build_month_recap
from bot.reports.recap_html import recap_caption, render_recap

SENT = dtm.datetime(2026, 10, 1, 9, tzinfo=dtm.UTC)
W = IsoWeek
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}


def msg(value: str) -> StoredMessage:
    return StoredMessage(MessageKind.TEXT, value, SENT)


def answer(key: str, section: Section, value: str, position: int, **flags: bool) -> AnswerView:
    return AnswerView(key, section, f"{key}?", position, (msg(value),), **flags)


def week(n: int, *answers: AnswerView, notes: tuple[StoredMessage, ...] = ()) -> WeekView:
    return WeekView(W(2026, n), ReviewStatus.COMPLETED, answers, notes)


def energy(rating: int) -> AnswerView:
    return AnswerView("energy", Section.HEALTH, "energy?", 8, rating=rating)


NOW = W(2026, 45)


def october(*weeks: WeekView, current: IsoWeek = NOW) -> MonthRecap:
    return build_month_recap(Journal("en", "UTC", tuple(weeks)), 2026, 10, current)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def check_message(message: str) -> None:
    assert utf16_len(message) <= 4096
    parser = _Tags()
    parser.feed(message)
    assert parser.balanced, message
    assert not parser.stack, message
    assert parser.seen <= ALLOWED_TAGS


def full_text(messages: list[str]) -> str:
    return "\n".join(text_content(m) for m in messages)


SAMPLE = (
    week(
        40,
        answer("headline", Section.TIMELINE, "Started alignment-tuning for real", 0),
        answer("win", Section.HIGHLIGHTS, "Built the A.X LLM evaluation page", 1),
        answer("challenge", Section.LESSONS, "Check the data <before> training & ask", 2),
        answer("people", Section.PEOPLE, "My mentor reviewed the RAG data with me", 3),
        answer("next", Section.FOCUS, "Add assertion code to the training loop", 5),
        energy(4),
        notes=(msg("Chuseok: the slide deck factory began"),),
    ),
    week(
        41,
        answer("headline", Section.TIMELINE, "Slide deck factory, week two", 0),
        answer("win", Section.HIGHLIGHTS, "Ran the SK Summit booth", 1, highlight=True),
        answer("challenge", Section.LESSONS, "Forward emails right away", 2, private=True),
        energy(2),
    ),
    WeekView(W(2026, 42), ReviewStatus.SKIPPED),
)


def test_renders_all_content_in_the_users_words() -> None:
    messages = render_recap(october(*SAMPLE), "en")
    assert len(messages) == 1
    check_message(messages[0])
    shown = full_text(messages)
    for expected in (
        "October 2026",
        "Started alignment-tuning for real",
        "Built the A.X LLM evaluation page",
        "Check the data <before> training & ask",
        "My mentor reviewed the RAG data with me",
        "Add assertion code to the training loop",
        "Chuseok: the slide deck factory began",
        "Ran the SK Summit booth",
        "Forward emails right away",
    ):
        assert expected in shown


def test_user_text_is_escaped() -> None:
    html = render_recap(october(*SAMPLE), "en")[0]
    assert "Check the data &lt;before&gt; training &amp; ask" in html
    assert "<before>" not in html


def test_starred_first_and_private_marked() -> None:
    shown = full_text(render_recap(october(*SAMPLE), "en"))
    assert shown.index("⭐ Ran the SK Summit booth") < shown.index("Built the A.X LLM")
    assert "🔒 private Forward emails right away" in shown


def test_focus_is_shown_beside_the_next_weeks_headline() -> None:
    lines = full_text(render_recap(october(*SAMPLE), "en")).splitlines()
    at = next(i for i, line in enumerate(lines) if "Slide deck factory, week two" in line)
    assert "Add assertion code to the training loop" in lines[at + 1]


def test_numbers_and_gaps() -> None:
    shown = full_text(render_recap(october(*SAMPLE), "en"))
    assert "Weeks answered: 2 of 4" in shown  # the skipped W42 is not counted
    assert "Streak: 0 weeks (longest: 2 weeks)" in shown  # W43 and W44 passed in silence
    assert "Average energy: 3.0/5" in shown
    assert "/review 2026-W43" in shown
    assert "/review 2026-W44" in shown
    assert "/review 2026-W40" not in shown
    assert "/review 2026-W42" not in shown  # a declared skip is not a gap


def test_energy_change_against_last_month() -> None:
    september = week(37, answer("headline", Section.TIMELINE, "x", 0), energy(2))
    shown = full_text(render_recap(october(september, *SAMPLE), "en"))
    assert "Average energy: 3.0/5 (▲ 1.0 from September)" in shown


def test_the_open_week_and_later_ones_are_not_gaps() -> None:
    shown = full_text(render_recap(october(*SAMPLE[:2], current=W(2026, 42)), "en"))
    assert "W42, Oct 12\u2009–\u200918: not answered yet" in shown
    assert "Weeks answered: 2 of 2" in shown
    assert "Streak: 2 weeks" in shown
    assert "2026-W42" not in shown
    assert "2026-W43" not in shown


def test_korean_recap() -> None:
    messages = render_recap(october(*SAMPLE), "ko")
    shown = full_text(messages)
    assert "2026년 10월" in shown
    assert "하이라이트" in shown
    assert "답한 주: 4주 중 2주" in shown
    assert "🔒 비공개" in shown
    assert "Started alignment-tuning for real" in shown


def test_empty_month_says_so_and_lists_gaps() -> None:
    messages = render_recap(october(current=W(2026, 42)), "en")
    shown = full_text(messages)
    assert "Nothing was written in October 2026 yet." in shown
    assert "/review 2026-W40" in shown
    assert "/review 2026-W41" in shown
    assert "/review 2026-W42" not in shown  # still open


def test_long_recap_is_split_within_the_limit() -> None:
    weeks = [
        week(
            n,
            answer("headline", Section.TIMELINE, f"Week {n} headline " + "word " * 150, 0),
            answer("win", Section.HIGHLIGHTS, f"Win {n} " + "<tag> & " * 120, 1),
            answer("challenge", Section.LESSONS, f"Lesson {n} " + "line\n" * 100, 2),
        )
        for n in range(40, 45)
    ]
    messages = render_recap(october(*weeks), "en")
    assert len(messages) > 2
    for message in messages:
        check_message(message)
    joined = re.sub(r"\s+", "", full_text(messages))
    for n in range(40, 45):
        assert re.sub(r"\s+", "", f"Win {n} " + "<tag> & " * 120) in joined


def test_one_huge_answer_is_split_with_markup_kept() -> None:
    huge = "I read a lot of papers. " * 700  # ~16,800 characters
    messages = render_recap(
        october(week(40, answer("people", Section.PEOPLE, huge, 3, highlight=True))), "en"
    )
    assert len(messages) >= 5
    for message in messages:
        check_message(message)
    assert re.sub(r"\s+", "", huge) in re.sub(r"\s+", "", full_text(messages))


def test_photos_and_voice_notes_are_mentioned() -> None:
    photo = StoredMessage(MessageKind.PHOTO, "the booth", SENT, file_unique_id="u1")
    voice = StoredMessage(MessageKind.VOICE, None, SENT, duration=75)
    with_photo = AnswerView(
        "win", Section.HIGHLIGHTS, "win?", 1, (msg("Booth went well"), photo, voice)
    )
    shown = full_text(render_recap(october(week(40, with_photo, notes=(photo, voice))), "en"))
    assert "Booth went well\nthe booth 📷 1 photo 🎤 voice note 1:15" in shown
    assert "W40 · 📷 the booth" in shown
    assert "W40 · 🎤 voice note 1:15" in shown
    assert "Notes: 1 photo, 1 voice note" in shown


def test_a_voice_note_of_unknown_length_has_no_question_mark() -> None:
    voice = StoredMessage(MessageKind.VOICE, None, SENT, duration=None)
    shown = full_text(render_recap(october(week(40, notes=(voice,))), "en"))
    assert "W40 · 🎤 voice note" in shown
    assert "?" not in shown


def test_caption_is_short_and_has_the_numbers() -> None:
    caption = recap_caption(october(*SAMPLE), "en")
    assert len(caption) < 1024
    assert "October 2026" in caption
    assert "Weeks answered: 2 of 4" in caption
    check_message(caption)
    assert "10월" in recap_caption(october(*SAMPLE), "ko")


def test_goal_checkins_name_their_goal() -> None:
    checkin = AnswerView(
        "goal:1",
        Section.GOALS,
        "How is “Get a bartender's license” going?",
        7,
        (msg("Passed the written exam"),),
        goal_id=1,
    )
    shown = full_text(render_recap(october(week(40, checkin)), "en"))
    assert "• How is “Get a bartender's license” going? Passed the written exam (W40)" in shown


def test_focus_for_a_week_not_begun_yet_is_still_shown() -> None:
    shown = full_text(render_recap(october(*SAMPLE, current=W(2026, 41)), "en"))
    assert "Add assertion code to the training loop" in shown  # W40 -> W41 (shown)
    last = week(41, answer("next", Section.FOCUS, "Rest before the summit", 5))
    shown = full_text(render_recap(october(SAMPLE[0], last, current=W(2026, 41)), "en"))
    assert "Focus for the week after: Rest before the summit (W41)" in shown


def test_korean_week_references_say_jucha_like_the_review() -> None:
    """One Korean form for week numbers everywhere: "47주차", as the review itself says."""
    from bot.domain.weeks import IsoWeek
    from bot.reports.stats import week_label, week_number

    assert week_number(IsoWeek(2026, 47), "ko") == "47주차"
    assert week_label(IsoWeek(2026, 47), "ko").startswith("47주차, ")
    assert week_number(IsoWeek(2026, 47), "en") == "W47"
