"""Tests for the monthly recap's content (what it shows, before rendering)."""

from __future__ import annotations

import datetime as dtm

from bot.domain.journal import (
    AnswerView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
)
from bot.domain.questions import Section
from bot.domain.tally import tally
from bot.domain.weeks import IsoWeek
from bot.reports.recap import MonthRecap, WeekState, build_month_recap

SENT = dtm.datetime(2026, 10, 1, 9, tzinfo=dtm.UTC)
W = IsoWeek
# October 2026 (by Thursdays) is W40 (Sep 28 – Oct 4) to W44 (Oct 26 – Nov 1).
OCTOBER = [W(2026, n) for n in range(40, 45)]


def text(value: str) -> StoredMessage:
    return StoredMessage(MessageKind.TEXT, value, SENT)


def answer(
    key: str, section: Section, value: str | None = None, position: int = 0, **flags: object
) -> AnswerView:
    messages = (text(value),) if value is not None else ()
    return AnswerView(key, section, f"{key}?", position, messages, **flags)  # type: ignore[arg-type]


def energy(rating: int, note: str | None = None) -> AnswerView:
    return AnswerView(
        "energy", Section.HEALTH, "energy?", 9, (text(note),) if note else (), rating=rating
    )


def done(week: IsoWeek, *answers: AnswerView, notes: tuple[StoredMessage, ...] = ()) -> WeekView:
    return WeekView(week, ReviewStatus.COMPLETED, answers, notes)


def headline(value: str, **flags: object) -> AnswerView:
    return answer("headline", Section.TIMELINE, value, 0, **flags)


def journal(*weeks: WeekView) -> Journal:
    return Journal("en", "Asia/Seoul", tuple(sorted(weeks, key=lambda v: v.week)))


NOW = W(2026, 47)


def recap(j: Journal, current: IsoWeek = NOW) -> MonthRecap:
    return build_month_recap(j, 2026, 10, current)


def test_timeline_has_each_week_with_its_headline_and_state() -> None:
    j = journal(
        done(W(2026, 40), headline("Finally started working on alignment-tuning")),
        WeekView(W(2026, 41), ReviewStatus.SKIPPED),
        WeekView(W(2026, 42), ReviewStatus.MISSED),
        done(W(2026, 43), headline("Drafted into the slide deck factory")),
    )
    result = recap(j)
    assert [w.week for w in result.weeks] == OCTOBER
    assert [w.state for w in result.weeks] == [
        WeekState.ANSWERED,
        WeekState.SKIPPED,
        WeekState.MISSED,
        WeekState.ANSWERED,
        WeekState.MISSED,  # W44 has no row at all and is over
    ]
    assert result.weeks[0].headline is not None
    assert result.weeks[0].headline.text == "Finally started working on alignment-tuning"
    assert result.weeks[1].headline is None


def test_current_and_future_weeks() -> None:
    result = recap(journal(done(W(2026, 40), headline("x"))), current=W(2026, 42))
    states = [w.state for w in result.weeks]
    assert states[2] is WeekState.OPEN
    assert states[3:] == [WeekState.FUTURE, WeekState.FUTURE]


def test_only_this_months_weeks_appear() -> None:
    j = journal(
        done(W(2026, 39), headline("September headline"), answer("win", Section.HIGHLIGHTS, "old")),
        done(W(2026, 40), headline("October headline")),
        done(W(2026, 45), headline("November headline")),
    )
    result = recap(j)
    headlines = [w.headline.text for w in result.weeks if w.headline]
    assert headlines == ["October headline"]
    assert result.highlights == ()


def test_highlights_put_starred_answers_first_then_wins() -> None:
    j = journal(
        done(
            W(2026, 40),
            answer("win", Section.HIGHLIGHTS, "Wrote 10 blog articles", 1),
            answer("people", Section.PEOPLE, "The team lead took the arrows", 2, highlight=True),
        ),
        done(W(2026, 41), answer("win", Section.HIGHLIGHTS, "Selected most-liked post", 1)),
        done(
            W(2026, 42), answer("win", Section.HIGHLIGHTS, "W&B meetup speaker", 1, highlight=True)
        ),
    )
    result = recap(j)
    assert [q.text for q in result.highlights] == [
        "The team lead took the arrows",
        "W&B meetup speaker",
        "Wrote 10 blog articles",
        "Selected most-liked post",
    ]
    assert result.people == ()  # a starred answer is shown once, among the highlights


def test_starred_headline_stays_in_the_timeline() -> None:
    result = recap(journal(done(W(2026, 40), headline("Wedding day", highlight=True))))
    assert result.highlights == ()
    assert result.weeks[0].headline is not None
    assert result.weeks[0].headline.highlight


def test_lessons_people_and_other_sections() -> None:
    j = journal(
        done(
            W(2026, 40),
            answer("challenge", Section.LESSONS, "Forward the email the moment it arrives", 1),
            answer("people", Section.PEOPLE, "Dinner with the executive from Samsung", 2),
            answer("learned_craft", Section.GROWTH, "Detail is essential in slide decks", 3),
            answer("quote", Section.READING, "Make the World Want What You Have", 4),
            energy(4, "Tired but happy"),
            energy(3),
        ),
    )
    result = recap(j)
    assert [q.text for q in result.lessons] == ["Forward the email the moment it arrives"]
    assert [q.text for q in result.people] == ["Dinner with the executive from Samsung"]
    other = {group.section: [q.text for q in group.quotes] for group in result.other}
    assert other == {
        Section.GROWTH: ["Detail is essential in slide decks"],
        Section.HEALTH: ["Tired but happy"],  # a bare rating is a number, not a quote
        Section.READING: ["Make the World Want What You Have"],
    }


def test_skipped_questions_are_left_out() -> None:
    skipped = AnswerView("people", Section.PEOPLE, "people?", 1, (text("draft"),), skipped=True)
    result = recap(journal(done(W(2026, 40), headline("x"), skipped)))
    assert result.people == ()


def test_private_answers_are_included_and_flagged() -> None:
    j = journal(done(W(2026, 40), answer("challenge", Section.LESSONS, "secret", 1, private=True)))
    result = recap(j)
    assert [(q.text, q.private) for q in result.lessons] == [("secret", True)]


def test_focus_is_paired_with_the_following_weeks_headline() -> None:
    j = journal(
        done(W(2026, 40), headline("Read 50 papers"), answer("next", Section.FOCUS, "Build it", 5)),
        done(W(2026, 41), headline("Built the DPO pipeline")),
        done(W(2026, 44), answer("next", Section.FOCUS, "Rest", 5)),
        done(W(2026, 45), headline("November: not in this recap")),
    )
    pairs = recap(j).focus
    assert [(p.set_in, p.focus.text, p.next_week) for p in pairs] == [
        (W(2026, 40), "Build it", W(2026, 41)),
        (W(2026, 44), "Rest", W(2026, 45)),
    ]
    assert pairs[0].next_headline is not None
    assert pairs[0].next_headline.text == "Built the DPO pipeline"
    assert pairs[1].next_headline is None  # next month's content stays out


def test_notes_are_counted_and_listed_in_order() -> None:
    photo = StoredMessage(MessageKind.PHOTO, "booth", SENT, file_unique_id="p1")
    voice = StoredMessage(MessageKind.VOICE, None, SENT, duration=42)
    later = StoredMessage(MessageKind.TEXT, "later note", SENT + dtm.timedelta(days=1))
    j = journal(
        done(W(2026, 41), notes=(later, photo)),
        WeekView(W(2026, 40), None, (), (text("first note"), voice)),
    )
    result = recap(j)
    assert (result.note_counts.texts, result.note_counts.photos, result.note_counts.voices) == (
        2,
        1,
        1,
    )
    assert [n.text for n in result.notes] == ["first note", None, "booth", "later note"]
    assert not result.is_empty


def test_weeks_answered_and_energy_with_change_from_last_month() -> None:
    j = journal(
        done(W(2026, 36), headline("sep"), energy(2)),
        done(W(2026, 37), headline("sep"), energy(3)),
        done(W(2026, 40), headline("a"), energy(4)),
        done(W(2026, 41), headline("b"), energy(3)),
        done(W(2026, 42), headline("c")),
    )
    numbers = recap(j).numbers
    assert (numbers.weeks_answered, numbers.weeks_counted, numbers.weeks_in_month) == (3, 5, 5)
    assert numbers.average_energy == 3.5
    assert numbers.previous_average_energy == 2.5
    assert numbers.energy_change == 1.0


def test_energy_change_is_none_without_last_months_ratings() -> None:
    numbers = recap(journal(done(W(2026, 40), headline("a"), energy(4)))).numbers
    assert numbers.average_energy == 4.0
    assert numbers.energy_change is None


def test_streaks_skip_is_neutral_and_silence_breaks() -> None:
    j = journal(
        done(W(2026, 36), headline("a")),
        WeekView(W(2026, 37), ReviewStatus.MISSED),
        done(W(2026, 38), headline("b")),
        done(W(2026, 39), headline("c")),
        WeekView(W(2026, 40), ReviewStatus.SKIPPED),
        done(W(2026, 41), headline("d")),
        done(W(2026, 42), headline("e")),
        done(W(2026, 43), headline("f")),
        done(W(2026, 44), headline("g")),
    )
    numbers = recap(j).numbers
    assert (numbers.current_streak, numbers.longest_streak) == (6, 6)


def test_a_silent_last_week_of_a_past_month_breaks_the_streak() -> None:
    j = journal(*(done(w, headline("x")) for w in OCTOBER[:4]))
    assert recap(j, current=W(2026, 47)).numbers.current_streak == 0
    assert recap(j, current=W(2026, 44)).numbers.current_streak == 4  # W44 still open


def test_gaps_are_weeks_that_are_over_without_a_headline() -> None:
    j = journal(
        done(W(2026, 40), headline("a")),
        done(W(2026, 41), answer("win", Section.HIGHLIGHTS, "a win but no headline", 1)),
        WeekView(W(2026, 42), ReviewStatus.SKIPPED),
    )
    result = recap(j, current=W(2026, 43))
    # W42 was skipped on purpose and W43 is still open: neither is a gap.
    assert [g.week for g in result.gaps] == [W(2026, 41)]
    assert result.gaps[0].command == "/review 2026-W41"


def test_gap_command_uses_the_stored_week_key() -> None:
    j = Journal("en", "UTC", (done(W(2026, 1), headline("x")),))
    result = build_month_recap(j, 2026, 2, W(2026, 7))
    assert [g.command for g in result.gaps] == ["/review 2026-W06"]


def test_empty_month() -> None:
    result = recap(journal(done(W(2026, 39), headline("September only"))))
    assert result.is_empty
    assert result.numbers.weeks_answered == 0
    assert len(result.gaps) == 5


def test_recap_of_january_looks_at_last_december_for_energy() -> None:
    j = journal(done(W(2025, 50), energy(1)), done(W(2026, 2), headline("x"), energy(5)))
    result = build_month_recap(j, 2026, 1, W(2026, 6))
    assert result.numbers.previous_average_energy == 1.0
    assert result.numbers.energy_change == 4.0


def streaks(views: list[WeekView], weeks: list[IsoWeek], open_from: IsoWeek) -> tuple[int, int]:
    counted = tally(views, weeks, open_from)
    return counted.current_streak, counted.longest_streak


def test_only_weeks_that_are_over_break_a_streak() -> None:
    weeks = [W(2026, n) for n in range(1, 7)]
    views = [done(w, headline("x")) for w in weeks[:3]]  # W4-W6 silent
    assert streaks(views, weeks, W(2026, 6)) == (0, 3)  # W4 and W5 are over
    assert streaks(views, weeks[:4], W(2026, 4)) == (3, 3)  # W4 is still open
    assert streaks(views, weeks, W(2026, 4)) == (3, 3)  # so are W5 and W6
    assert streaks(views, weeks[:4], W(2026, 5)) == (0, 3)
    assert streaks([], [], W(2026, 1)) == (0, 0)


def test_build_is_linear_enough_for_years_of_weeks() -> None:
    start = W(2020, 1)
    j = journal(*(done(start.shift(i), headline(f"week {i}"), energy(3)) for i in range(350)))
    result = recap(j, current=start.shift(360))
    assert result.numbers.longest_streak == 350
