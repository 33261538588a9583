"""The year-end draft of a whole year fed through the bot: every public answer verbatim exactly
once in the appendix under its week and quoted in the right section and month (or in a story
thread), private answers left out, valid front matter, references, the ZIP with photos and
chart; in English and Korean."""

from __future__ import annotations

import datetime as dtm
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.domain.weeks import IsoWeek
from bot.reports.stats import month_of, week_label
from tests.bot.year_simulation import (
    ENGLISH,
    HIGHLIGHT_WIN,
    KOREAN,
    Expected,
    Language,
    live_a_year,
)
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import flat, onboard

SECTIONS = {
    "en": {
        "win": "Highlights",
        "challenge": "Mistakes and lessons",
        "people": "People",
        "energy": "Health and energy",
        "note": "Odds and ends",
        "headline": "Month by month",
        "goal": "Last year's goals, revisited",
    },
}

# heading of the highlights and the chat summary's line
SUMMARY_HIGHLIGHTS = {
    "en": ("Highlights", "Highlights: {count} (⭐ {starred} starred by you)"),
    "ko": ("하이라이트", "하이라이트: {count}개 (⭐ 직접 고른 것 {starred}개)"),
}
APPENDIX = {"en": "## The year, week by week", "ko": "## 한 해, 주마다"}
STORIES = {"en": "Stories of the year", "ko": "올해의 이야기들"}


def _sections(markdown: str) -> dict[str, str]:
    """``## heading`` → the text up to the next ``## `` heading."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _months(section: str) -> dict[str, str]:
    """Month name → the text under the heading that covers it (a month, or a stretch of
    months such as "January – April")."""
    parts = re.split(r"^### (.+)$", section, flags=re.MULTILINE)
    found: dict[str, str] = {}
    for i in range(1, len(parts) - 1, 2):
        first, _, last = parts[i].strip().partition(" – ")
        span = MONTHS[MONTHS.index(first) : MONTHS.index(last or first) + 1]
        for name in span:
            found[name] = parts[i + 1]
    return found


async def _draft(bot: Bot, user: FakeUser, command: str = "/draft 2026") -> str:
    before = len(bot.api.calls_to("sendDocument"))
    await user.send(command)
    documents = bot.api.calls_to("sendDocument")
    assert len(documents) == before + 1, user.last_text()
    [(name, content)] = documents[-1].files.values()
    assert name == "review-2026.md"
    return content.decode("utf-8")


def _week_heading(appendix: str, text: str) -> str:
    """The ``### `` week heading the appendix lists ``text`` under."""
    at = appendix.index(text)
    return re.findall(r"^### (.+)$", appendix[:at], re.MULTILINE)[-1]


def _item_line(markdown: str, text: str) -> str:
    return next(line for line in markdown.splitlines() if text in line)


def _check_draft(markdown: str, expected: Expected, lang: Language) -> None:
    # Front matter that Jekyll and Hugo accept: YAML between --- lines, draft: true.
    assert markdown.startswith("---\n")
    front = yaml.safe_load(markdown.split("---\n")[1])
    assert front["draft"] is True
    assert front["title"] == ("2026 in Review" if lang.code == "en" else "2026년 회고")
    assert str(front["date"]) == "2027-01-03"
    assert isinstance(front["tags"], list)

    # Every public answer verbatim, exactly once in the appendix, under its week.
    body, appendix = markdown.split(APPENDIX[lang.code] + "\n")
    for role, items in expected.public.items():
        for week_number, text in items:
            assert appendix.count(text) == 1, (role, text)
            label = week_label(IsoWeek(2026, week_number), lang.code)
            assert flat(_week_heading(appendix, text)) == flat(label), (role, text)
    for text in expected.private + expected.edited_away:
        assert text not in markdown

    sections = _sections(body)
    if lang.code == "en":
        # Above the appendix, each answer is quoted in its section or in a story thread; a
        # win beyond the ten highlights is left to the appendix.
        for role, heading in SECTIONS["en"].items():
            for _, text in expected.public.get(role, []):
                found = text in sections.get(heading, "") + sections.get(STORIES["en"], "")
                assert found or role == "win", (role, heading, text)
        months = _months(sections["Month by month"])
        for week_number, text in expected.public["headline"]:
            _, month = month_of(IsoWeek(2026, week_number))
            name = MONTHS[month - 1]
            assert text in months[name], (week_number, name)
        assert "Get a bartender's license" in sections["Last year's goals, revisited"]
        assert "Learn Korean calligraphy" in sections["Looking ahead to 2027"]
    else:
        assert "2027년" in markdown
        assert "서예 배우기" in markdown
    # Each section opens with an italic writing prompt.
    for body in sections.values():
        assert body.strip().splitlines()[0].startswith("*")


@pytest.mark.parametrize("lang", [ENGLISH, KOREAN], ids=["en", "ko"])
async def test_a_year_through_the_bot_becomes_a_draft(bot: Bot, lang: Language) -> None:
    user, expected = await live_a_year(bot, lang)
    markdown = await _draft(bot, user)
    _check_draft(markdown, expected, lang)
    # The chat summary and the file agree on how many highlights there are.
    heading, line = SUMMARY_HIGHLIGHTS[lang.code]
    chosen = _sections(markdown)[heading]
    count = len(re.findall(r"^- ", chosen, re.MULTILINE))
    assert 0 < count <= 10
    assert line.format(count=count, starred=len(HIGHLIGHT_WIN)) in user.last_text()

    # /draft 2026 all: a private copy with the private answers, marked 🔒.
    private_copy = await _draft(bot, user, "/draft 2026 all")
    appendix = private_copy.split(APPENDIX[lang.code] + "\n")[1]
    for text in expected.private:
        assert appendix.count(text) == 1
        assert "🔒" in _item_line(appendix, text)

    # The ZIP: the same Markdown with images/ paths, the photo bytes and the energy chart.
    await user.tap(next(b for b in user.buttons() if b.startswith("📦")))
    zip_call = bot.api.calls_to("sendDocument")[-1]
    [(name, content)] = zip_call.files.values()
    assert name == "review-2026.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        inside = archive.read("review-2026.md").decode()
        photos = [n for n in names if n.startswith("images/2026-w")]
        assert len(photos) == 1
        assert archive.read(photos[0]).startswith(b"\xff\xd8")  # the JPEG the user sent
        assert f"]({photos[0]})" in inside
        assert "images/energy-2026.png" in names
        assert archive.read("images/energy-2026.png").startswith(b"\x89PNG")
        assert "](images/energy-2026.png)" in inside


async def test_a_bare_draft_in_january_is_the_year_that_just_ended(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)  # Seoul
    await user.send("Moved to a new flat")  # November 2026
    bot.clock.set(dtm.datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Seoul")))
    assert "Moved to a new flat" in await _draft(bot, user, "/draft")
    bot.clock.set(dtm.datetime(2027, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Seoul")))
    await user.send("/draft")  # February: the new year, which holds nothing yet
    assert "2027" in user.last_text()
    assert len(bot.api.calls_to("sendDocument")) == 1
