"""Tests for the year-end draft: structure, verbatim answers, privacy, photos, goals, speed."""

from __future__ import annotations

import datetime as dtm
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.journal import (
    AnswerView,
    GoalView,
    Journal,
    MessageKind,
    ReviewStatus,
    StoredMessage,
    WeekView,
)
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports.draft import compile_draft, draft_numbers
from bot.reports.stats import week_label
from tests.helpers import flat

W = IsoWeek
YEAR = 2026
DEC_31 = dtm.date(2026, 12, 31)
SENT = dtm.datetime(2026, 1, 1, 12, tzinfo=dtm.UTC)

# Test data: sentences from the seed posts (quoted as data, never used by the product).
HEADLINES = [
    "Started studying every alignment-tuning methodology",
    "Read something like 50 to 100 papers",
    "Built the A.X LLM evaluation page",
    "Mid-May: the context went into the deprecated “meta” field",
    "Trained the A.X model within a week for the GPU expansion",
    "Drafted into the slide deck factory",
    "SK Summit booth: Attention visualization",
    "Joined Seoul National Uni's ML lab",
    "Hooked on GPU performance techniques",
    "Contract work for DL for audio",
    "Travelled to Hokkaido, Japan",
    "Quit my job as a swe and started working full time with llms",
]
WINS = [
    "Helped grow instructor from ~300k downloads to 1.1M downloads this year as core contributor",
    "Delivered a total of 4 technical talks this year for the first time",
    "Got into better shape, lost about 6kg total and total cholesterol dropped by 32%",
    "Got the model to run 3x faster",
]
TRICKY = [
    "I realized...\n- Multiple directions of research cannot be covered at once\n"
    "- Best way to build strong foundations is through in-person coursework",
    "# Strong foundations are the #1 factor\n(Creating new approaches) >>> (HUGE WALL)",
    "*Reward model training*, RLHF with PPO, offline DPO — `vLLM` & batch_packing_",
    "---\ntitle: not front matter\n---",
    "> quoted in my answer\n\n1. numbered\n2. list\n\n    indented code?",
    "[a link](https://example.com) and <b>html</b> and a trailing backslash \\",
    "Line one\n\n\nLine four after two blank lines",
]


def msg(value: str, sent: dtm.datetime = SENT) -> StoredMessage:
    return StoredMessage(MessageKind.TEXT, value, sent)


def answer(
    key: str,
    section: Section,
    value: str,
    position: int,
    *,
    highlight: bool = False,
    private: bool = False,
    goal_id: int | None = None,
) -> AnswerView:
    return AnswerView(
        key,
        section,
        f"{key}?",
        position,
        (msg(value),),
        highlight=highlight,
        private=private,
        goal_id=goal_id,
    )


def energy(rating: int, note: str | None = None) -> AnswerView:
    messages = (msg(note),) if note else ()
    return AnswerView("energy", Section.HEALTH, "energy?", 4, messages, rating=rating)


def year_journal(lang: str = "en") -> Journal:
    """A full year: most weeks answered, two skipped, two silent, goals and notes."""
    weeks = []
    for n in range(1, 53):
        week = W(YEAR, n)
        if n in (9, 30):
            weeks.append(WeekView(week, ReviewStatus.SKIPPED))
            continue
        if n == 20:
            continue  # never stored: silent
        if n == 21:
            weeks.append(WeekView(week, ReviewStatus.MISSED))
            continue
        answers = [
            answer("headline", Section.TIMELINE, f"{HEADLINES[n % len(HEADLINES)]} (#{n})", 0),
            energy(n % 5 + 1, f"Energy note of week {n}" if n % 8 == 0 else None),
            answer("next", Section.FOCUS, f"Focus set in week {n}.", 5),
        ]
        if n % 4 == 0:
            win = f"{WINS[(n // 4) % len(WINS)]} [{n}]"
            answers.append(answer("win", Section.HIGHLIGHTS, win, 1, highlight=n % 8 == 0))
        if n % 5 == 0:
            lesson = f"Forward the email the moment it arrives ({n})"
            answers.append(answer("challenge", Section.LESSONS, lesson, 2))
        if 2 <= n <= 8:  # Markdown-special and multi-line text, once each
            answers.append(answer("differently", Section.LESSONS, f"{TRICKY[n - 2]} <{n}>", 6))
        if n % 6 == 0:
            answers.append(
                answer("people", Section.PEOPLE, f"My mentor reviewed the data with me ({n})", 3)
            )
        if n % 3 == 0:
            quote = f"When you don't know what to do, do what you can do right now ({n})"
            answers.append(answer("quote", Section.READING, quote, 6))
        if n % 7 == 0:
            answers.append(answer("learned_craft", Section.GROWTH, f"Detail is essential {n}", 6))
        if n % 11 == 0:
            answers.append(answer("remember", Section.ODDS, f"Got the bartender's license {n}", 6))
        if n in (10, 25, 40):
            checkin = f"Check-in on the license in week {n}"
            answers.append(answer("goal:1", Section.GOALS, checkin, 7, goal_id=1))
        if n == 13:
            answers.append(
                answer("challenge", Section.LESSONS, "A private regret", 2, private=True)
            )
        notes = (msg(f"A note sent in week {n}"),) if n % 10 == 0 else ()
        weeks.append(WeekView(week, ReviewStatus.COMPLETED, tuple(answers), notes))
    goals = (
        GoalView(1, YEAR - 1, "Get a bartender's license", done=True),
        GoalView(2, YEAR - 1, "Do the English study I'd put off"),
        GoalView(3, YEAR + 1, "Aim for the top 10 on Devocean"),
        GoalView(4, YEAR - 3, "An old goal nobody checked in on"),
    )
    return Journal(lang, "Asia/Seoul", tuple(weeks), goals)


def draft(journal: Journal, lang: str = "en", **kwargs: object) -> str:
    return compile_draft(journal, YEAR, lang, generated_on=DEC_31, **kwargs)  # type: ignore[arg-type]


def indent(text: str, width: int, *, first: bool = False) -> str:
    """The one transformation applied to list items: continuation lines indented (and the
    first one too with ``first``, for text that starts on an item's second line)."""
    head, *rest = text.split("\n")
    lead = " " * width if first else ""
    return "\n".join([lead + head, *(" " * width + line if line else "" for line in rest)])


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def rendered_form(week: WeekView, ans: AnswerView) -> str:
    """How an answer's text must appear in the draft (verbatim up to the stated indentation)."""
    if ans.section is Section.HIGHLIGHTS or (
        ans.highlight and ans.section not in (Section.TIMELINE, Section.FOCUS, Section.GOALS)
    ):
        return indent(ans.text, 2)  # pulled into the highlights list
    if ans.question_key == "quote":
        return quoted(ans.text)
    nested = ans.section is Section.GOALS or (
        ans.section is Section.FOCUS and week.week.month_of_thursday() != (YEAR, 12)
    )
    return indent(ans.text, 4 if nested else 2)


def section_at(markdown: str, index: int, level: str = "## ") -> str:
    """The heading (of ``level``) that the text at ``index`` falls under."""
    headings = list(re.finditer(rf"^{level}(.+)$", markdown[:index], re.MULTILINE))
    return headings[-1].group(1) if headings else ""


THREADED_AWAY = {"Work and growth", "People", "Reading, writing and quotes"}
APPENDIX = "## The year, week by week"


def section_text(markdown: str, heading: str) -> str:
    """The text of the ``## heading`` section, up to the next ``## ``."""
    start = markdown.index(f"## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else len(markdown)]


def appendix_form(week: WeekView, ans: AnswerView) -> str:
    """How an answer appears in the appendix: its question, then its text."""
    marks = ("⭐ " if ans.highlight else "") + ("🔒 " if ans.private else "")
    marks += f"⚡ {ans.rating}/5 " if ans.rating is not None else ""
    if ans.text.split("\n")[0].strip() in ("---", "```"):  # a rule or fence starts a line
        # after a blank line: right under the prompt, "---" would make it a heading
        return f"- *{ans.prompt}* {marks}".rstrip() + "\n\n" + indent(ans.text, 2, first=True)
    return "- " + indent(f"*{ans.prompt}* {marks}{ans.text}", 2)


def front_matter(markdown: str) -> dict[str, object]:
    assert markdown.startswith("---\n")
    end = markdown.index("\n---\n", 4)
    loaded = yaml.safe_load(markdown[4:end])
    assert isinstance(loaded, dict)
    return loaded


# --- structure ---------------------------------------------------------------------------


def test_front_matter_parses_and_has_what_jekyll_and_hugo_need() -> None:
    meta = front_matter(draft(year_journal()))
    assert meta == {
        "title": "2026 in Review",
        "date": DEC_31,
        "tags": ["year-in-review", "weekly-review"],
        "draft": True,
    }


ORDER_EN = [
    "In 2026…",
    "Highlights",
    "By the numbers",
    "Stories of the year",
    "Month by month",
    "Work and growth",
    "Mistakes and lessons",
    "People",
    "Health and energy",
    "Reading, writing and quotes",
    "Odds and ends",
    "Last year's goals, revisited",
    "Looking ahead to 2027",
    "The year, week by week",
]


def test_sections_come_in_the_seed_posts_order() -> None:
    headings = re.findall(r"^## (.+)$", draft(year_journal()), re.MULTILINE)
    # The year's recurring answers became story threads, which emptied three themed
    # sections; the order of the rest is the seed posts'.
    assert headings == [h for h in ORDER_EN if h not in THREADED_AWAY]


def test_korean_headings_are_natural_korean() -> None:
    text = draft(year_journal("ko"), "ko")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == [
        "2026년에는…",
        "하이라이트",
        "숫자로 본 한 해",
        "올해의 이야기들",
        "월별 기록",
        "실수와 배움",
        "건강과 에너지",
        "그 밖의 이야기",
        "작년 목표 돌아보기",
        "2027년을 향해",
        "한 해, 주마다",
    ]
    assert front_matter(text)["title"] == "2026년 회고"
    assert "### 3월" in text


def test_every_section_opens_with_an_italic_prompt() -> None:
    text = draft(year_journal())
    for match in re.finditer(r"^## .+\n\n(.+)$", text, re.MULTILINE):
        assert re.fullmatch(r"\*[^*]+\*", match.group(1)), match.group(1)


def test_only_our_headings_start_a_line_with_a_hash() -> None:
    text = draft(year_journal())
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.fullmatch(r"#{2,3} [^#].*", line), line
    assert "\n  # Strong foundations" not in text  # the user's "#" line starts the item
    assert "- # Strong foundations are the #1 factor" in text


def test_opening_has_the_years_numbers() -> None:
    text = draft(year_journal())
    opening = text[: text.index("## Highlights")]
    # W53 is still open on Dec 31; the two skipped weeks are neutral; W20 and W21 are gaps.
    assert "Weekly reviews answered: 48 of 50 weeks" in opening
    assert "Not counted: 2 weeks off (skipped or paused)" in opening
    assert "Longest streak: 30 weeks; current streak: 30 weeks" in opening
    assert "3 notes sent between reviews" in opening
    assert "Average energy: 3.0 / 5" in opening


def test_empty_sections_are_left_out() -> None:
    week = WeekView(
        W(YEAR, 14),
        ReviewStatus.COMPLETED,
        (answer("headline", Section.TIMELINE, "Only a headline", 0),),
    )
    text = draft(Journal("en", "UTC", (week,)))
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == ["In 2026…", "Month by month", "The year, week by week"]
    assert "Average energy" not in text


def test_an_empty_year_still_compiles() -> None:
    text = draft(Journal("en", "UTC"))
    assert front_matter(text)["draft"] is True
    assert "Weekly reviews answered: 0 of 52 weeks" in text  # W53 is not over yet


def test_korean_draft_from_korean_sentences() -> None:
    """Korean answers (sentences of the 2025 seed post) land verbatim under Korean headings."""
    first = W(YEAR, 10)
    second = W(YEAR, 23)
    weeks = (
        WeekView(
            first,
            ReviewStatus.COMPLETED,
            (
                answer(
                    "headline", Section.TIMELINE, "A.X 모델 시리즈를 처음으로 huggingface에 오픈", 0
                ),
                answer(
                    "challenge",
                    Section.LESSONS,
                    "Nan-loss 이슈를 2주간 해결하지 못했다.\n**사실 GPU가 고장난 것이었다**",
                    2,
                ),
                answer(
                    "quote",
                    Section.READING,
                    "아무리 힘든 일도 언젠가는 끝난다 - 미야자키 하야오",
                    6,
                ),
            ),
        ),
        WeekView(
            second,
            ReviewStatus.COMPLETED,
            (
                answer("headline", Section.TIMELINE, "결혼식! 주례 없이 재미있는 컨텐츠로만", 0),
                answer("people", Section.PEOPLE, "와준 친구들 한명한명 다 고마웠다", 3),
            ),
        ),
    )
    text = draft(Journal("ko", "Asia/Seoul", weeks), "ko")
    label = week_label(first, "ko")
    assert f"- **{label}:** A.X 모델 시리즈를 처음으로 huggingface에 오픈" in text
    assert section_at(text, text.index("A.X 모델"), "### ") == "3월"
    assert section_at(text, text.index("결혼식!"), "### ") == "6월"
    lesson = "- Nan-loss 이슈를 2주간 해결하지 못했다.\n  **사실 GPU가 고장난 것이었다**"
    assert section_at(text, text.index(lesson), "## ") == "실수와 배움"
    assert f"> 아무리 힘든 일도 언젠가는 끝난다 - 미야자키 하야오\n>\n> ({label})" in text
    assert section_at(text, text.index("와준 친구들"), "## ") == "사람들"
    assert "주간 회고: 52주 중 2주 작성" in text


# --- the user's words --------------------------------------------------------------------


def test_every_public_answer_appears_verbatim_exactly_once_in_its_section() -> None:
    journal = year_journal()
    text = draft(journal)
    body, appendix = text.split(APPENDIX)
    numbers = section_text(body, "By the numbers")
    stories = section_text(body, "Stories of the year")
    curated = body.replace(numbers, "").replace(stories, "")
    expected_section = {
        Section.TIMELINE: "Month by month",
        Section.GROWTH: "Work and growth",
        Section.LESSONS: "Mistakes and lessons",
        Section.PEOPLE: "People",
        Section.HEALTH: "Health and energy",
        Section.READING: "Reading, writing and quotes",
        Section.ODDS: "Odds and ends",
        Section.GOALS: "Last year's goals, revisited",
    }
    checked = left_out = 0
    for week in journal.weeks:
        for ans in week.answers:
            if ans.private or not ans.text:
                continue
            # The whole year, once, under the week's heading.
            assert appendix.count(appendix_form(week, ans)) == 1, ans.text
            at = appendix.index(appendix_form(week, ans))
            assert section_at(appendix, at, "### ") == week_label(week.week, "en")
            if "\n" not in ans.text:
                assert appendix.count(ans.text) == 1, ans.text
            form = rendered_form(week, ans)
            if curated.count(form) == 0:
                if ans.section is Section.HIGHLIGHTS and not ans.highlight:
                    left_out += 1  # a win beyond the ten highlights: the appendix keeps it
                    continue
                assert ans.section is not Section.TIMELINE, ans.text
                item = f"{indent(ans.text, 2)} ({week_label(week.week, 'en')})"
                assert stories.count(item) == 1, ans.text
                checked += 1
                continue
            assert curated.count(form) == 1, form
            where = section_at(curated, curated.index(form))
            if ans.section is Section.HIGHLIGHTS or ans.highlight:
                assert where == "Highlights"
            elif ans.section is Section.FOCUS:
                december = week.week.month_of_thursday() == (YEAR, 12)
                assert where == ("Looking ahead to 2027" if december else "Month by month")
            else:
                assert where == expected_section[ans.section], ans.text
            checked += 1
    assert checked > 150
    assert left_out == 2


def test_headlines_are_listed_under_their_month_with_dates() -> None:
    journal = year_journal()
    text = draft(journal)
    for week in journal.weeks:
        head = week.answer("headline")
        if head is None:
            continue
        months = section_text(text, "Month by month")
        at = months.index(head.text)
        month = week.week.month_of_thursday()[1]
        assert section_at(months, at, "### ") == dtm.date(YEAR, month, 1).strftime("%B")
        line = months[months.rindex("\n", 0, at) + 1 : months.index("\n", at)]
        assert line == f"- **{week_label(week.week, 'en')}:** {head.text}"


def test_week_one_of_2026_is_january_even_though_it_starts_in_december() -> None:
    text = section_text(draft(year_journal()), "Month by month")
    at = text.index("(#1)")
    assert section_at(text, at, "### ") == "January"
    assert "W1, Dec 29, 2025" in text[text.rindex("\n", 0, at) : at]


def test_quoted_answers_carry_their_week_reference() -> None:
    text = draft(year_journal())
    label = week_label(W(YEAR, 6), "en")
    assert f"- My mentor reviewed the data with me (6) ({label})" in text
    # A quote on its own (not part of a story) is a blockquote in its section.
    quote = "When you don't know what to do, do what you can do right now"
    answered = (answer("quote", Section.READING, quote, 6),)
    alone = WeekView(W(YEAR, 3), ReviewStatus.COMPLETED, answered)
    reading = section_text(draft(Journal("en", "UTC", (alone,))), "Reading, writing and quotes")
    assert f"> {quote}\n>\n> ({week_label(W(YEAR, 3), 'en')})" in reading


def test_multi_line_answers_stay_inside_their_list_item() -> None:
    text = draft(year_journal())
    assert (
        "- I realized...\n  - Multiple directions of research cannot be covered at once\n"
        "  - Best way to build strong foundations is through in-person coursework <2>"
    ) in text
    assert "- Line one\n\n\n  Line four after two blank lines <8>" in text
    # A first line that Markdown reads as a rule starts on the item's second line.
    assert "-\n  ---\n  title: not front matter\n  --- <5>" in text


def test_rules_and_code_fences_keep_their_list_item_and_reference() -> None:
    lesson = "---\nNever again skip the backup."
    code = "```\nrm -rf build\n```"
    week = WeekView(
        W(YEAR, 11),
        ReviewStatus.COMPLETED,
        (
            answer("differently", Section.LESSONS, lesson, 1),
            answer("win", Section.HIGHLIGHTS, code, 2),
        ),
    )
    text = draft(Journal("en", "UTC", (week,)))
    ref = f"({week_label(W(YEAR, 11), 'en')})"
    assert f"-\n  ---\n  Never again skip the backup. {ref}" in text
    # The reference goes below the closing fence, not into the code block.
    assert f"-\n  ```\n  rm -rf build\n  ```\n  {ref}" in text
    # The appendix opens the fence on a line of its own, so it is closed again; a rule comes
    # after a blank line, so it does not underline the question into a heading.
    assert "- *win?*\n\n  ```\n  rm -rf build\n  ```\n" in text
    assert "- *differently?*\n\n  ---\n  Never again skip the backup." in text
    assert "- - ---" not in text
    assert "- ---" not in text.split("---\n", 2)[2]


def test_private_answers_are_left_out_by_default() -> None:
    text = draft(year_journal())
    assert "A private regret" not in text


def test_private_answers_are_marked_when_included() -> None:
    text = draft(year_journal(), include_private=True)
    assert f"- 🔒 A private regret ({week_label(W(YEAR, 13), 'en')})" in text


def test_highlights_list_starred_answers_first_with_a_count() -> None:
    text = draft(year_journal())
    section = section_text(text, "Highlights")
    # 6 starred answers, then 4 of the 6 other wins: 10 at most (bot.reports.highlights).
    assert "Ten highlights stand out:" in section
    items = re.findall(r"^- (.+)$", section, re.MULTILINE)
    assert len(items) == 10
    starred = [i for i, item in enumerate(items) if item.startswith("⭐ ")]
    assert starred == list(range(6))
    # The two wins left out are still in the appendix, once each.
    appendix = text[text.index(APPENDIX) :]
    wins = re.findall(r"^- \*win\?\* (?:⭐ )?(.+)$", appendix, re.MULTILINE)
    assert len(wins) == 12
    assert len([w for w in wins if w not in section]) == 2


def test_highlight_count_is_spelled_like_the_seed_posts() -> None:
    weeks = tuple(
        WeekView(
            W(YEAR, n),
            ReviewStatus.COMPLETED,
            (answer("win", Section.HIGHLIGHTS, WINS[n - 1], 1),),
        )
        for n in range(1, 5)
    )
    assert "Four highlights stand out:" in draft(Journal("en", "UTC", weeks))
    assert "올해 특히 기억에 남는 일 네 가지:" in draft(Journal("ko", "UTC", weeks), "ko")
    assert "One highlight stands out:" in draft(Journal("en", "UTC", weeks[:1]))


def test_starred_headline_stays_in_its_month_marked() -> None:
    week = WeekView(
        W(YEAR, 14),
        ReviewStatus.COMPLETED,
        (answer("headline", Section.TIMELINE, "Wedding day", 0, highlight=True),),
    )
    text = draft(Journal("en", "UTC", (week,)))
    assert "## Highlights" not in text
    assert f"- **{week_label(W(YEAR, 14), 'en')}:** ⭐ Wedding day" in text


def test_answers_without_words_keep_their_marks() -> None:
    """A starred energy rating or a private photo has no text; its ⭐, 🔒 and rating still
    show, so a private copy's reader can tell what is private."""
    photo = StoredMessage(MessageKind.PHOTO, None, SENT, file_unique_id="uniq-p")
    people = AnswerView("people", Section.PEOPLE, "people?", 2, (photo,), private=True)
    starred = AnswerView("energy", Section.HEALTH, "energy?", 4, (), rating=5, highlight=True)
    week = WeekView(W(YEAR, 5), ReviewStatus.COMPLETED, (people, starred))
    text = draft(Journal("en", "UTC", (week,)), include_private=True)
    label = week_label(W(YEAR, 5), "en")
    assert f"- ⭐ ⚡ 5/5 ({label})" in text.split("## Highlights")[1]
    assert f"- 🔒 ({label})" in text


# --- photos, voice notes, energy chart ---------------------------------------------------


def _media_journal() -> Journal:
    photo = StoredMessage(MessageKind.PHOTO, "Our booth", SENT, file_unique_id="uniq-1")
    lost = StoredMessage(MessageKind.PHOTO, None, SENT, file_unique_id="uniq-2")
    voice = StoredMessage(MessageKind.VOICE, None, SENT, duration=75)
    win = AnswerView("win", Section.HIGHLIGHTS, "win?", 1, (msg("Ran the booth"), photo, lost))
    note_photo = StoredMessage(MessageKind.PHOTO, None, SENT, file_unique_id="uniq-3")
    week = WeekView(
        W(YEAR, 45),
        ReviewStatus.COMPLETED,
        (win, energy(4, "Tired but happy")),
        (voice, note_photo),
    )
    return Journal("en", "UTC", (week,))


def test_photos_in_images_are_embedded_under_their_answer() -> None:
    text = draft(_media_journal(), images={"uniq-1": "images/w45-1.jpg"})
    label = week_label(W(YEAR, 45), "en")
    assert (
        f"- Ran the booth\n  Our booth ({label})\n"
        f"  ![{label}](images/w45-1.jpg)\n"
        "  *📷 photo (not exported)*"
    ) in text


def test_voice_notes_are_mentioned_not_transcribed() -> None:
    text = draft(_media_journal(), images={"uniq-3": "images/w45-note.jpg"})
    label = week_label(W(YEAR, 45), "en")
    assert f"- *🎤 voice note, 1:15* ({label})" in text
    assert f"- ![{label}](images/w45-note.jpg) ({label})" in text


def test_energy_chart_is_referenced_in_health_section() -> None:
    text = draft(_media_journal(), energy_chart="images/energy 2026.png")
    health = text[text.index("## Health and energy") : text.index("## Odds and ends")]
    assert "Average energy over 1 rated week: 4.0 / 5" in health
    assert "![Energy by week](<images/energy 2026.png>)" in health
    assert "- ⚡ 4/5 Tired but happy" in health
    assert "![Energy" not in draft(_media_journal())


# --- goals and looking ahead -------------------------------------------------------------


def test_last_years_goals_with_status_and_checkins_in_week_order() -> None:
    text = draft(year_journal())
    section = text[text.index("## Last year's goals") : text.index("## Looking ahead")]
    assert "1 of 2 done." in section
    assert section.index("✅ Done: Get a bartender's license") < section.index(
        "⬜ Open: Do the English study I'd put off"
    )
    checkins = re.findall(r"^  - Check-in on the license in week (\d+)", section, re.MULTILINE)
    assert checkins == ["10", "25", "40"]
    assert "An old goal nobody checked in on" not in text


def test_checkins_stored_on_the_goal_from_earlier_years_are_shown() -> None:
    earlier = answer("goal:1", Section.GOALS, "Signed up for the course", 7, goal_id=1)
    goal = GoalView(1, YEAR - 1, "Get a bartender's license", True, ((W(2025, 40), earlier),))
    text = draft(Journal("en", "UTC", (), (goal,)))
    # Another year's week names its year: W40 of 2026 is another week.
    assert "  - Signed up for the course (W40, Sep 29 – Oct 5, 2025)" in flat(text)


def test_looking_ahead_has_decembers_focus_and_next_years_goals() -> None:
    text = draft(year_journal())
    section = section_text(text, "Looking ahead to 2027")
    focus = re.findall(r"Focus set in week (\d+)\.", section)
    assert focus == ["49", "50", "51", "52"]
    assert "Goals for 2027:\n\n- Aim for the top 10 on Devocean" in section


# --- numbers -----------------------------------------------------------------------------


def test_draft_numbers() -> None:
    numbers = draft_numbers(year_journal(), YEAR, as_of=DEC_31)
    assert numbers.weeks_total == 50  # 53 weeks less the open W53 and the skipped W9 and W30
    assert numbers.weeks_answered == 48
    assert numbers.weeks_skipped == 2
    # W9 and W30 were skipped (neutral), W20 and W21 silent, W53 is still open.
    assert (numbers.current_streak, numbers.longest_streak) == (30, 30)
    assert numbers.notes == 3
    assert (numbers.highlights, numbers.highlights_starred) == (10, 6)  # as the file says
    assert numbers.average_energy == 3.0
    assert (numbers.goals_done, numbers.goals_total, numbers.next_year_goals) == (1, 2, 1)


def test_draft_numbers_mid_year_only_count_begun_weeks() -> None:
    numbers = draft_numbers(year_journal(), YEAR, as_of=dtm.date(2026, 3, 4))  # W10
    assert numbers.weeks_total == 9  # W1-W10 less the skipped W9 (W10 is open, but answered)
    assert numbers.weeks_answered == 9
    assert numbers.current_streak == 9  # W9 skipped (neutral), W10 answered


def test_a_silent_end_of_year_breaks_the_current_streak() -> None:
    numbers = draft_numbers(year_journal(), YEAR, as_of=dtm.date(2027, 1, 20))
    assert numbers.current_streak == 0  # W53 passed in silence
    assert numbers.longest_streak == 30


# --- speed and properties ----------------------------------------------------------------


_TEXT = st.text(
    alphabet=st.sampled_from(list("ab가 #*_`>-=+|[]()!<>&\\\n\t.1")), min_size=0, max_size=40
)
_SECTIONS = st.sampled_from(list(Section))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_SECTIONS, _TEXT, st.booleans(), st.booleans()), max_size=25))
def test_property_public_text_survives_verbatim_once(
    items: list[tuple[Section, str, bool, bool]],
) -> None:
    weeks = []
    for i, (section, body, starred, private) in enumerate(items):
        value = f"«{i}»{body}«/{i}»"  # unique markers, so "exactly once" is meaningful
        key = "quote" if section is Section.READING and i % 2 else f"q{i}"
        ans = answer(key, section, value, 0, highlight=starred, private=private)
        weeks.append(WeekView(W(YEAR, 53 - i), ReviewStatus.COMPLETED, (ans,)))  # W53 back
    journal = Journal("en", "UTC", tuple(sorted(weeks, key=lambda v: v.week)))
    text = draft(journal)
    front_matter(text)
    appendix = text[text.index(APPENDIX) :] if APPENDIX in text else ""
    for i, week in enumerate(weeks):
        ans = week.answers[0]
        if ans.private:
            assert f"«{i}»" not in text
        else:
            assert appendix.count(appendix_form(week, ans)) == 1
            body = text[: len(text) - len(appendix)]
            in_story = f"{indent(ans.text, 2)} ({week_label(week.week, 'en')})"
            left_to_appendix = ans.section is Section.HIGHLIGHTS and not ans.highlight
            assert rendered_form(week, ans) in body or in_story in body or left_to_appendix


# --- appendix, stretches, numbers, threads -------------------------------------------------


def test_the_appendix_keeps_every_answer_and_note_under_its_week() -> None:
    journal = year_journal()
    appendix = draft(journal).split(APPENDIX)[1]
    weeks = re.findall(r"^### (.+)$", appendix, re.MULTILINE)
    answered = [v.week for v in journal.weeks if v.answers or v.notes]
    assert weeks == [week_label(w, "en") for w in answered]
    for n in (10, 20 - 10, 40, 50):
        note = f"A note sent in week {n}"
        assert appendix.count(f"- *Note:* {note}\n") == 1
        assert section_at(appendix, appendix.index(note), "### ") == week_label(W(YEAR, n), "en")
    assert "A private regret" not in appendix
    private = draft(journal, include_private=True).split(APPENDIX)[1]
    assert "- *challenge?* 🔒 A private regret\n" in private


def test_quiet_months_next_to_each_other_become_one_stretch() -> None:
    def headline(week: int, text: str) -> WeekView:
        answered = (answer("headline", Section.TIMELINE, text, 0),)
        return WeekView(W(YEAR, week), ReviewStatus.COMPLETED, answered)

    weeks = (
        headline(10, "Busy March one"),
        headline(11, "Busy March two"),
        headline(19, "A May week"),  # May, June and August: one headline each
        headline(24, "A June week"),
        headline(33, "An August week"),
        headline(45, "November alone"),
    )
    en = section_text(draft(Journal("en", "UTC", weeks)), "Month by month")
    assert re.findall(r"^### (.+)$", en, re.MULTILINE) == [
        "March",
        "May – June",
        "August",
        "November",
    ]
    ko = section_text(draft(Journal("ko", "UTC", weeks), "ko"), "월별 기록")
    assert re.findall(r"^### (.+)$", ko, re.MULTILINE) == ["3월", "5월~6월", "8월", "11월"]


def test_by_the_numbers_quotes_sentences_with_figures() -> None:
    text = draft(year_journal())
    numbers = section_text(text, "By the numbers")
    items = re.findall(r"^- (.+)$", numbers, re.MULTILINE)
    assert 0 < len(items) <= 12
    assert f"- Got the bartender's license 11 ({week_label(W(YEAR, 11), 'en')})" in numbers
    highlights = section_text(text, "Highlights")
    for item in items:
        sentence = item.rsplit(" (W", 1)[0]
        assert sentence not in highlights  # a highlight is not repeated
        assert sentence in text.split(APPENDIX)[1]  # and each is the user's own sentence


def test_a_private_figure_keeps_its_lock_in_the_private_copy() -> None:
    health = answer("health", Section.HEALTH, "Lost 6kg after the diagnosis", 3, private=True)
    week = WeekView(W(YEAR, 9), ReviewStatus.COMPLETED, (health,))
    text = draft(Journal("en", "UTC", (week,)), include_private=True)
    numbers = section_text(text, "By the numbers")
    assert f"- 🔒 Lost 6kg after the diagnosis ({week_label(W(YEAR, 9), 'en')})" in numbers
    assert "Lost 6kg" not in draft(Journal("en", "UTC", (week,)))  # the public copy


def test_story_threads_have_a_title_a_span_and_their_entries() -> None:
    from tests.reports.story_year import STORY_EN

    weeks: dict[int, list[AnswerView]] = {}
    for week, key, text, _ in STORY_EN:
        weeks.setdefault(week, []).append(answer(key, Section.ODDS, text, len(weeks.get(week, []))))
    journal = Journal(
        "en",
        "UTC",
        tuple(
            WeekView(W(YEAR, n), ReviewStatus.COMPLETED, tuple(a)) for n, a in sorted(weeks.items())
        ),
    )
    text = draft(journal)
    stories = section_text(text, "Stories of the year")
    titles = re.findall(r"^### (.+) \((W\d+) – (W\d+)\)$", stories, re.MULTILINE)
    assert len(titles) >= 3
    assert ("Instructor reached 1.1M downloads this year", "W9", "W49") in titles
    odds = section_text(text, "Odds and ends")
    assert "Instructor reached 1.1M downloads this year" not in odds  # told in its story
    assert "Adopted a cat named Mochi" in odds  # no story: stays in its section


def test_a_highlight_is_not_told_again_in_a_story() -> None:
    from tests.reports.story_year import STORY_EN

    weeks: dict[int, list[AnswerView]] = {}
    for week, key, text, _ in STORY_EN:
        section = Section.HIGHLIGHTS if key == "win" else Section.ODDS
        weeks.setdefault(week, []).append(answer(key, section, text, len(weeks.get(week, []))))
    views = tuple(WeekView(W(YEAR, n), ReviewStatus.COMPLETED, tuple(a)) for n, a in weeks.items())
    text = draft(Journal("en", "UTC", tuple(sorted(views, key=lambda v: v.week))))
    highlights = re.findall(r"^- (.+) \(W\d+", section_text(text, "Highlights"), re.MULTILINE)
    assert highlights
    stories = section_text(text, "Stories of the year")
    assert stories
    for said in highlights:
        assert said not in stories, said


def test_the_years_name_cannot_turn_the_draft_into_code() -> None:
    from bot.domain.journal import YearEndView

    name = "```\nA year of work\n---"
    journal = Journal(
        "en", "UTC", year_journal().weeks, year_end=(YearEndView(YEAR, "name", name),)
    )
    text = draft(journal)
    assert quoted(name) in text  # inside a blockquote, whatever it holds
    assert "\n```" not in text
