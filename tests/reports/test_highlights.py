"""The draft's curated highlights: the user's ⭐ first, then a few wins chosen by signals."""

from __future__ import annotations

import datetime as dtm

from bot.domain.journal import AnswerView, MessageKind, ReviewStatus, StoredMessage, WeekView
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports.highlights import MORE, TOTAL, curate

SENT = dtm.datetime(2026, 6, 1, tzinfo=dtm.UTC)


def week(n: int, win: str, *, energy: int | None = None, star: bool = False) -> WeekView:
    answers = [
        AnswerView(
            "win",
            Section.HIGHLIGHTS,
            "win?",
            1,
            (StoredMessage(MessageKind.TEXT, win, SENT),),
            highlight=star,
        )
    ]
    if energy is not None:
        answers.append(AnswerView("energy", Section.HEALTH, "energy?", 5, (), rating=energy))
    return WeekView(IsoWeek(2026, n), ReviewStatus.COMPLETED, tuple(answers))


def texts(found: tuple[object, ...]) -> list[str]:
    return [q.text for q in found]  # type: ignore[attr-defined]


def test_a_few_wins_are_all_highlights() -> None:
    views = [week(n, f"win {n}") for n in range(1, 4)]
    found = curate(views, include_private=False)
    assert texts(found.chosen) == ["win 1", "win 2", "win 3"]
    assert found.more == ()


def test_at_most_ten_and_the_rest_stay_as_more() -> None:
    views = [week(n, f"an ordinary win number {n}") for n in range(1, 41)]
    found = curate(views, include_private=False)
    assert len(found.chosen) == MORE  # no stars: 8 wins
    assert len(found.chosen) + len(found.more) == 40  # nothing is lost
    views[0] = week(1, "starred", star=True)
    views[1] = week(2, "starred too", star=True)
    views[2] = week(3, "and this", star=True)
    found = curate(views, include_private=False)
    assert len(found.chosen) == TOTAL
    assert texts(found.chosen)[:3] == ["starred", "starred too", "and this"]


def test_every_star_is_kept_even_past_ten() -> None:
    views = [week(n, f"starred {n}", star=True) for n in range(1, 13)]
    found = curate(views, include_private=False)
    assert len(found.chosen) == 12
    assert found.starred == 12


def test_numbers_energy_and_a_story_that_goes_on_win_a_place() -> None:
    plain = [week(n, "Tidied the desk") for n in range(1, 20)]
    counted = week(20, "Reached 25K views on the write-up")
    bright = week(21, "Tidied the garage", energy=5)
    story = week(22, "Started the marathon training plan")
    later = week(30, "Ran the marathon: the training paid off")
    views = [*plain, counted, bright, story, *[week(n, "Tidied the desk") for n in range(23, 30)]]
    views.append(later)
    chosen = texts(curate(views, include_private=False).chosen)
    assert "Reached 25K views on the write-up" in chosen
    assert "Tidied the garage" in chosen
    assert "Started the marathon training plan" in chosen
    assert len(chosen) == MORE
    assert chosen == sorted(chosen, key=lambda t: [v.answers[0].text for v in views].index(t))


def test_korean_words_count_for_a_story_that_goes_on() -> None:
    plain = [week(n, "책상 정리") for n in range(1, 12)]
    story = week(12, "마라톤 훈련을 시작했다")
    later = week(20, "마라톤 완주, 훈련이 통했다")
    chosen = texts(curate([*plain, story, later], include_private=False).chosen)
    assert "마라톤 훈련을 시작했다" in chosen


def test_private_wins_are_left_out_unless_included() -> None:
    views = [week(1, "a public win")]
    private = AnswerView(
        "win",
        Section.HIGHLIGHTS,
        "win?",
        1,
        (StoredMessage(MessageKind.TEXT, "secret", SENT),),
        private=True,
    )
    views.append(WeekView(IsoWeek(2026, 2), ReviewStatus.COMPLETED, (private,)))
    assert texts(curate(views, include_private=False).chosen) == ["a public win"]
    assert texts(curate(views, include_private=True).chosen) == ["a public win", "secret"]
