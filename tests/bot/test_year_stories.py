"""A year built from the seed posts' events, fed through the bot as reviews and notes, comes
back as a draft whose story threads recover those stories (English and Korean); the appendix
keeps every public word once, private answers stay out, and the highlights stay few."""

from __future__ import annotations

import collections
import datetime as dtm
import re

import pytest

from bot.domain.schedule import slot_on
from bot.domain.weeks import IsoWeek
from bot.reports.stats import week_label
from tests.bot.year_simulation import ENGLISH, KOREAN, ZONE, Language
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import flat, onboard
from tests.reports.story_year import STORY_EN, STORY_KO

REVIEWED = frozenset({"headline", "win", "challenge"})  # answered in the review; others notes
STARRED = {27, 49}  # weeks whose win the user stars
PRIVATE_WEEK = 34
PRIVATE = {"en": "A private regret nobody else should read", "ko": "아무도 읽으면 안 되는 후회"}
HEADINGS = {
    "en": ("## The year, week by week\n", "Stories of the year", "Highlights"),
    "ko": ("## 한 해, 주마다\n", "올해의 이야기들", "하이라이트"),
}
Labelled = list[tuple[int, str, str, str | None]]


async def _answer(user: FakeUser, lang: Language, texts: dict[str, str]) -> None:
    """Answer the open review: the questions in ``texts`` by role, skip the others."""
    for _ in range(40):
        buttons = user.buttons()
        if not {lang.finish, lang.next, lang.skip} & set(buttons):
            return
        first_line = user.last_text().splitlines()[0]
        title = first_line.split(" · ", 1)[1] if " · " in first_line else ""
        role = lang.titles.get(title)
        if role not in texts:
            await user.tap(lang.skip)
            continue
        await user.send(texts[role])
        await user.tap(lang.finish if lang.finish in user.buttons() else lang.next)
    raise AssertionError("the review did not end")


async def _live(bot: Bot, lang: Language, data: Labelled) -> FakeUser:
    bot.clock.set(dtm.datetime(2025, 12, 27, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(1001, language_code=lang.code)
    await onboard(
        user,
        zone="Seoul" if lang.code == "en" else "서울",
        day="Sunday" if lang.code == "en" else "일요일",
        hour="19:00",
    )
    by_week: dict[int, list[tuple[str, str]]] = collections.defaultdict(list)
    for week, key, text, _ in data:
        by_week[week].append((key, text))
    for number in range(1, 53):
        week = IsoWeek(2026, number)
        bot.clock.set(slot_on(week.monday + dtm.timedelta(days=2), 12, ZONE))
        for key, text in by_week.get(number, []):
            if key not in REVIEWED:
                await user.send(text)  # a note between reviews
        bot.clock.set(slot_on(week.sunday, 19, ZONE))
        await bot.tick()
        texts = {key: text for key, text in by_week.get(number, []) if key in REVIEWED}
        if number == PRIVATE_WEEK:
            texts["challenge"] = PRIVATE[lang.code]
        if not texts:
            continue
        await user.tap(lang.start)
        await _answer(user, lang, texts)
        if number in STARRED:
            await user.tap(next(b for b in user.buttons() if b.startswith("⭐")))
        if number == PRIVATE_WEEK:
            await user.tap([b for b in user.buttons() if b.startswith("🔒")][-1])
    return user


def _stories(markdown: str, heading: str) -> list[tuple[str, list[str]]]:
    """(title with span, item lines) for each thread of the draft's stories section."""
    start = markdown.index(f"## {heading}\n")
    section = markdown[start : markdown.index("\n## ", start + 1)]
    parts = re.split(r"^### (.+)$", section, flags=re.MULTILINE)
    return [
        (parts[i], re.findall(r"^- (.+)$", parts[i + 1], re.MULTILINE))
        for i in range(1, len(parts), 2)
    ]


@pytest.mark.parametrize(
    ("lang", "data"), [(ENGLISH, STORY_EN), (KOREAN, STORY_KO)], ids=["en", "ko"]
)
async def test_a_year_of_stories_becomes_threads(bot: Bot, lang: Language, data: Labelled) -> None:
    user = await _live(bot, lang, data)
    bot.clock.set(dtm.datetime(2026, 12, 31, 12, 0, tzinfo=dtm.UTC))
    await user.send("/draft 2026")
    [(_, content)] = bot.api.calls_to("sendDocument")[-1].files.values()
    markdown = content.decode()
    appendix_heading, stories_heading, highlights_heading = HEADINGS[lang.code]
    body, appendix = markdown.split(appendix_heading)

    # Every word once in the appendix, under its week; the private answer nowhere.
    for week, _, text, _ in data:
        assert appendix.count(text) == 1, text
        at = appendix.index(text)
        heading = re.findall(r"^### (.+)$", appendix[:at], re.MULTILINE)[-1]
        assert flat(heading) == flat(week_label(IsoWeek(2026, week), lang.code))
    assert PRIVATE[lang.code] not in markdown

    # At most ten highlights, the starred ones first.
    start = body.index(f"## {highlights_heading}\n")
    highlights = re.findall(r"^- (.+)$", body[start : body.index("\n## ", start + 1)], re.M)
    assert 0 < len(highlights) <= 10
    stars = [i for i, item in enumerate(highlights) if item.startswith("⭐")]
    assert stars == list(range(len(STARRED)))

    # The stories come back as threads spanning three weeks or more, with precision ≥ 0.8.
    label_of = {text: label for _, _, text, label in data}
    week_of = {text: week for week, _, text, _ in data}
    threads = _stories(body, stories_heading)
    right = shown = 0
    recovered = set()
    for title, items in threads:
        texts = [next(t for t in label_of if t in item) for item in items]
        weeks = {week_of[t] for t in texts}
        assert len(weeks) >= 3, title
        story, count = collections.Counter(label_of[t] for t in texts).most_common(1)[0]
        shown += len(texts)
        if story is not None:
            right += count
            recovered.add(story)
    assert len(recovered) >= 3, threads
    assert right / shown >= 0.8, threads
