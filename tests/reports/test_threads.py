"""Tests for story threads: a year built from the seed posts' events, labelled by story, must
come back as threads that recover those stories, in English and in Korean."""

from __future__ import annotations

import collections
import subprocess
import sys

import pytest

from bot.domain.weeks import IsoWeek
from bot.reports.threads import MIN_WEEKS, Entry, find_threads, stems
from tests.reports.story_year import STORIES, STORY_EN, STORY_KO

Labelled = list[tuple[int, str, str, str | None]]


def threads_of(data: Labelled) -> list[tuple[str | None, float, list[int]]]:
    """Each thread found: its majority story, the share of its entries from that story, and
    its weeks."""
    entries = [Entry(IsoWeek(2026, week), text) for week, _, text, _ in data]
    found = []
    for thread in find_threads(entries):
        labels = [data[i][3] for i in thread.members]
        story, count = collections.Counter(labels).most_common(1)[0]
        found.append((story, count / len(labels), [data[i][0] for i in thread.members]))
    return found


@pytest.mark.parametrize("data", [STORY_EN, STORY_KO], ids=["en", "ko"])
def test_the_seed_stories_come_back_as_threads(data: Labelled) -> None:
    found = threads_of(data)
    recovered = {story for story, share, _ in found if story is not None and share >= 0.8}
    assert len(recovered) >= 3, found
    # Precision over every entry shown in a thread: entries of the thread's story, out of all.
    right = sum(round(share * len(weeks)) for story, share, weeks in found if story is not None)
    shown = sum(len(weeks) for _, _, weeks in found)
    assert right / shown >= 0.8, found
    for _, _, weeks in found:
        assert len(set(weeks)) >= MIN_WEEKS
        assert weeks == sorted(weeks)  # entries in week order


@pytest.mark.parametrize("data", [STORY_EN, STORY_KO], ids=["en", "ko"])
def test_a_thread_is_titled_and_spanned_in_the_users_words(data: Labelled) -> None:
    entries = [Entry(IsoWeek(2026, week), text) for week, _, text, _ in data]
    for thread in find_threads(entries):
        members = [entries[i] for i in thread.members]
        assert thread.first == members[0].week
        assert thread.last == members[-1].week
        title = thread.title.removesuffix(" …")
        assert any(m.text.startswith(title) for m in members), thread.title


def test_one_shared_word_is_not_a_story() -> None:
    """Three entries that share only "started" are a coincidence, not a thread."""
    entries = [
        Entry(IsoWeek(2026, 2), "Back from the winter break, slow start"),
        Entry(IsoWeek(2026, 6), "Started building the training data for search"),
        Entry(IsoWeek(2026, 41), "Started a novel by Haruki Murakami"),
    ]
    assert find_threads(entries) == []


def test_too_few_weeks_give_no_threads() -> None:
    entries = [
        Entry(IsoWeek(2026, 5), "Wedding venue booked after visiting halls"),
        Entry(IsoWeek(2026, 5), "Wedding invitations designed with the venue"),
        Entry(IsoWeek(2026, 6), "Wedding venue called about the invitations"),
    ]
    assert find_threads(entries) == []
    assert find_threads([]) == []


def test_stems_drop_grammar_and_keep_meaning() -> None:
    assert "발표" in stems("발표를")
    assert "발표" in stems("발표는")
    assert "talk" in stems("talks")
    assert "talk" in stems("talked")
    assert set(stems("도전했다")) & set(stems("입양했다")) == set()  # only "했다" is shared
    assert stems("the a 한 더", frozenset({"the"})) == []


def test_starting_the_bot_loads_none_of_the_draft_and_year_end_code() -> None:
    """Issue #10: start-up memory must not grow. The bot imports bot.app and bot.cli."""
    lazy = ["sklearn", "bot.reports.threads", "bot.handlers.yearend", "bot.reports.site"]
    code = f"import sys, bot.app, bot.cli; print([m for m in {lazy!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
    code = "import sys, bot.reports.draft; print('sklearn' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"  # not even with the draft code loaded, until a draft is made


def test_every_story_has_entries_in_three_weeks_or_more() -> None:
    """The fixture itself: each labelled story spans enough weeks to be found."""
    for data in (STORY_EN, STORY_KO):
        for story in STORIES:
            weeks = {week for week, _, _, label in data if label == story}
            assert len(weeks) >= MIN_WEEKS, story


def test_a_prolific_year_compares_only_its_longest_entries() -> None:
    from bot.reports.threads import MAX_ENTRIES

    topics = [
        "Marathon training log, long run along the river",
        "Sourdough bakery experiment, crumb and crust notes",
        "Guitar practice session, chords and scales slowly",
        "Garden vegetables planted, tomatoes and peppers growing",
        "Reading club evening, novel chapters discussed again",
        "Kitchen renovation quotes, contractors and tiles compared",
    ]
    long = [
        Entry(IsoWeek(2026, 1 + n % 52), f"{topics[n % len(topics)]} {n}")
        for n in range(MAX_ENTRIES)
    ]
    short = [Entry(IsoWeek(2026, 1 + n % 52), f"run {n:07d}") for n in range(300)]
    found = find_threads(long + short)
    members = {i for thread in found for i in thread.members}
    assert len(found) == len(topics)  # a story that fills a sixth of the year is still found
    assert max(members) < MAX_ENTRIES  # none of the shorter entries was compared
