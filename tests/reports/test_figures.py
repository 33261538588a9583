"""Tests for "By the numbers": sentences with figures or achievements, verbatim."""

from __future__ import annotations

import datetime as dtm

from bot.domain.journal import MessageKind
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports.collect import Note, Quote
from bot.reports.figures import LIMIT, collect, has_figure, sentences

W = IsoWeek(2026, 14)


def quote(text: str, section: Section = Section.HIGHLIGHTS, week: int = 14, **kw: object) -> Quote:
    return Quote(IsoWeek(2026, week), "win", section, "win?", text, **kw)  # type: ignore[arg-type]


def test_sentences_are_cut_verbatim() -> None:
    text = "Grew instructor to 1.1M downloads. Quit my job!\n- Delivered 4 talks"
    assert sentences(text) == [
        "Grew instructor to 1.1M downloads.",
        "Quit my job!",
        "Delivered 4 talks",
    ]
    for part in sentences(text):
        assert part in text


def test_figures_are_counts_not_dates_times_or_weeks() -> None:
    for sentence in ("25K views", "3-4x faster", "a 15-slide deck", "lost 6kg", "책 12권"):
        assert has_figure(sentence), sentence
    for sentence in ("In 2024 I moved", "Met at 9:40", "W14 was good", "in week 10", "14주차"):
        assert not has_figure(sentence), sentence


def test_the_seed_posts_achievements_are_collected() -> None:
    quotes = [
        quote("Helped grow instructor from ~300k downloads to 1.1M downloads this year"),
        quote("Passed the practical exam on the first try", Section.GOALS, 20),
        quote("자격증 시험 합격!", Section.ODDS, 22),
        quote("Lost 2 weeks to a broken GPU", Section.LESSONS, 23),  # a lesson, not a win
        quote("Write 3 blog posts", Section.FOCUS, 24),  # a plan, not a win
    ]
    notes = [
        Note(IsoWeek(2026, 30), MessageKind.TEXT, "Ran 10 km today.", dtm.datetime.now(dtm.UTC))
    ]
    found = [f.text for f in collect(quotes, notes)]
    assert found == [
        "Helped grow instructor from ~300k downloads to 1.1M downloads this year",
        "Passed the practical exam on the first try",
        "자격증 시험 합격!",
        "Ran 10 km today.",
    ]


def test_kept_quotes_and_korean_failures_are_not_achievements() -> None:
    """Someone else's words (the quote question) and "불합격", "미완료" are not the user's
    counted wins; "합격" and "완료" are."""
    kept = Quote(W, "quote", Section.READING, "quote?", "Life is 10% what happens to you.")
    quotes = [
        kept,
        quote("정보처리기사 실기 불합격.", Section.ODDS),
        quote("리팩터링은 결국 미완료로 남았다", Section.ODDS),
        quote("리팩터링 드디어 완료", Section.ODDS),
    ]
    assert [f.text for f in collect(quotes, [])] == ["리팩터링 드디어 완료"]


def test_private_sentences_stay_marked() -> None:
    [found] = collect([quote("Lost 6kg after the diagnosis", Section.HEALTH, private=True)], [])
    assert found.private


def test_highlights_are_not_repeated_and_the_list_is_short() -> None:
    chosen = quote("Gave 4 talks", week=1)
    quotes = [chosen] + [quote(f"Shipped release {n}", week=n + 1) for n in range(20)]
    found = collect(quotes, [], leave_out=[chosen])
    assert len(found) == LIMIT
    assert "Gave 4 talks" not in [f.text for f in found]
    assert [f.week for f in found] == sorted(f.week for f in found)


def test_figures_come_before_words_and_stars_first() -> None:
    words = [
        quote(f"Finally finished the course part {'abcdefghijklmno'[n]}", week=n + 1)
        for n in range(14)
    ]
    figure = quote("Read 30 books", week=40)
    starred = quote("Launched the app", week=41, highlight=True)
    found = [f.text for f in collect([*words, starred, figure], [])]
    assert "Read 30 books" in found
    assert "Launched the app" in found
    assert len(found) == LIMIT


def test_korean_dates_are_not_figures_but_korean_counts_are() -> None:
    for sentence in ("5월 중순에 알게 됐다", "3월 14일에 만났다", "오후 3시 회의", "2026년 목표"):
        assert not has_figure(sentence), sentence
    for sentence in ("12일간 여행", "3시간 달렸다", "2년 만에 만났다", "3개월 만에", "10km 달리기"):
        assert has_figure(sentence), sentence


def test_a_leading_minus_or_bold_is_the_users_not_a_list_marker() -> None:
    assert sentences("-6kg since January, finally under 70.") == [
        "-6kg since January, finally under 70."
    ]
    assert sentences("**Shipped v2** of the app to 300 users.") == [
        "**Shipped v2** of the app to 300 users."
    ]
    assert sentences("- Delivered 4 talks\n> * ran 10km\n• 책 12권") == [
        "Delivered 4 talks",
        "ran 10km",
        "책 12권",
    ]
