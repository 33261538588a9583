"""A year of weekly reviews fed through the bot as a user would, for the draft tests.

Answers are sentences in the style of the seed posts, each tagged with its week so that every
one is unique and can be found verbatim in the draft.
"""

from __future__ import annotations

import datetime as dtm
from dataclasses import dataclass, field

from bot.domain.schedule import slot_on
from bot.domain.weeks import IsoWeek
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import onboard

ZONE = "Asia/Seoul"
SKIPPED = frozenset({10, 30})
SILENT = frozenset({20})
HIGHLIGHT_WIN = {3, 12, 40}
PRIVATE_CHALLENGE = {5, 15}
EDITED_HEADLINE = 7
PHOTO_NOTE_WEEK = 14
TEXT_NOTE_WEEK = 22


@dataclass(frozen=True)
class Language:
    code: str
    start: str
    next: str
    finish: str
    skip: str
    skip_week: str
    done: str
    titles: dict[str, str]  # visible question title → our role
    text: dict[str, str]  # role → answer template with {w}


ENGLISH = Language(
    code="en",
    start="▶️ Start",
    next="Next ➡️",
    finish="Finish ✓",
    skip="Skip ⏭",
    skip_week="Skip this week",
    done="Done ✓",
    titles={
        "Headline": "headline",
        "Win": "win",
        "Challenge": "challenge",
        "People": "people",
        "Energy": "energy",
        "Next week": "next",
        "Goal check-in": "goal",
    },
    text={
        "headline": "Built the alignment training pipeline, week {w}",
        "win": "We solved training bottlenecks using vLLM <fast> & steady {w}",
        "challenge": "Nan-loss stopped training for days; lesson: check the hardware first {w}",
        "people": "Thanks to the Latent Space paper club for the support {w}",
        "energy": "Slept well, ran twice {w}",
        "next": "Write the technical report draft {w}",
        "goal": "Ran 10 km, halfway to the half marathon {w}",
        "edited": "Open-sourced the model on Hugging Face {w}",
        "photo": "Hiking with the team {w}",
        "note": "Remember: the best way to build foundations is in-person coursework {w}",
    },
)

KOREAN = Language(
    code="ko",
    start="▶️ 시작",
    next="다음 ➡️",
    finish="마치기 ✓",
    skip="건너뛰기 ⏭",
    skip_week="이번 주는 건너뛰기",
    done="완료 ✓",
    titles={
        "한 줄 요약": "headline",
        "잘한 일": "win",
        "어려웠던 일": "challenge",
        "사람들": "people",
        "에너지": "energy",
        "다음 주": "next",
        "목표 점검": "goal",
    },
    text={
        "headline": "A.X 모델 학습 파이프라인을 만들었다 {w}",
        "win": "몰입의 시간들이 있었다 <진짜> & 뿌듯했다 {w}",
        "challenge": "Nan-loss 때문에 2주간 학습이 멈췄다. 배운 점: 하드웨어부터 의심하기 {w}",
        "people": "후배에게 멋진 모습을 보여주고 싶었다, 팀원들에게 고마움 {w}",
        "energy": "잘 자고 두 번 달렸다 {w}",
        "next": "기술 리포트 초안 쓰기 {w}",
        "goal": "10km 달리기 완료 {w}",
        "edited": "Huggingface 에 모델을 공개했다 {w}",
        "photo": "팀원들과 등산 {w}",
        "note": "마음을 불태워라. 한계를 뛰어넘어! - 렌고쿠 쿄쥬로 {w}",
    },
)


@dataclass
class Expected:
    """What the user wrote, by role, for checking the draft."""

    public: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    private: list[str] = field(default_factory=list)
    edited_away: list[str] = field(default_factory=list)

    def add(self, role: str, week: int, text: str) -> None:
        self.public.setdefault(role, []).append((week, text))


def _latest_with(user: FakeUser, button: str) -> int:
    """The newest bot message showing ``button`` (other unasked messages may follow it)."""
    for message in reversed(user.bot_messages()):
        if any(b.get("text") == button for b in message.inline_buttons):
            return message.message_id
    raise AssertionError(f"no message with {button!r}")


def _tag(week: int) -> str:
    return f"(w{week:02d})"


async def _answer_questions(user: FakeUser, lang: Language, week: int, expected: Expected) -> None:
    """Answer every question of the open review by its title until the summary arrives."""
    goal_number = 0
    for _ in range(40):
        text = user.last_text()
        if (
            lang.finish not in user.buttons()
            and lang.next not in user.buttons()
            and lang.skip not in user.buttons()
        ):
            return
        first_line = text.splitlines()[0]
        title = first_line.split(" · ", 1)[1] if " · " in first_line else ""
        role = lang.titles.get(title)
        if role is None:  # the rotating question: skip it
            await user.tap(lang.skip)
            continue
        answer = lang.text[role].format(w=_tag(week))
        if role == "goal":
            goal_number += 1
            answer += f" #{goal_number}"
        if role == "energy":
            await user.tap(str(1 + week % 5))
        message_id = await user.send(answer)
        if role == "headline" and week == EDITED_HEADLINE:
            expected.edited_away.append(answer)
            answer = lang.text["edited"].format(w=_tag(week))
            await user.edit(message_id, answer)
        if role == "challenge" and week in PRIVATE_CHALLENGE:
            expected.private.append(answer)
        else:
            expected.add(role, week, answer)
        await user.tap(lang.finish if lang.finish in user.buttons() else lang.next)


async def live_a_week(
    bot: Bot,
    user: FakeUser,
    lang: Language,
    number: int,
    expected: Expected,
    *,
    year: int = 2026,
    goals: bool = True,
    skipped: frozenset[int] = SKIPPED,
    silent: frozenset[int] = SILENT,
) -> None:
    """Week ``number`` of ``year``: the prompt at the slot, then answers, flags and notes."""
    week = IsoWeek(year, number)
    bot.clock.set(slot_on(week.sunday, 19, ZONE))
    await bot.tick()
    if number in silent:
        return
    prompt = _latest_with(user, lang.start)
    if number in skipped:
        await user.tap(lang.skip_week, prompt)
        return
    await user.tap(lang.start, prompt)
    await _answer_questions(user, lang, number, expected)
    if number in HIGHLIGHT_WIN:
        await user.tap("⭐ 2")
    if number in PRIVATE_CHALLENGE:
        await user.tap("🔒 3")
    if number == PHOTO_NOTE_WEEK:
        caption = lang.text["photo"].format(w=_tag(number))
        await user.send_photo(caption=caption)
        expected.add("note", number, caption)
    if number == TEXT_NOTE_WEEK:
        note = lang.text["note"].format(w=_tag(number))
        await user.send(note)
        expected.add("note", number, note)
    if number == 36 and goals:  # September: one goal achieved
        await user.send("/goals")
        await user.tap("✅ 2026 · 2")


async def live_a_year(bot: Bot, lang: Language, user_id: int = 1001) -> tuple[FakeUser, Expected]:
    """Onboard at the end of 2025, set goals, then review every week of 2026."""
    expected = Expected()
    bot.clock.set(dtm.datetime(2025, 12, 27, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(user_id, language_code=lang.code)
    await onboard(
        user,
        zone="Seoul" if lang.code == "en" else "서울",
        day="Sunday" if lang.code == "en" else "일요일",
        hour="19:00",
    )
    await user.send("/goals")
    await user.tap(next(b for b in user.buttons() if "2025" in b))
    await user.send("Get a bartender's license" if lang.code == "en" else "조주기능사 자격증 따기")
    await user.tap(lang.done)
    await user.tap(next(b for b in user.buttons() if "2026" in b and b.startswith("➕")))
    await user.send("Run a half marathon" if lang.code == "en" else "하프 마라톤 완주")
    await user.send("Write 12 blog posts" if lang.code == "en" else "블로그 글 12편 쓰기")
    await user.tap(lang.done)

    for number in range(1, 54):
        await live_a_week(bot, user, lang, number, expected)
    # The last review of the year asked for next year's goals.
    await user.send("Learn Korean calligraphy" if lang.code == "en" else "서예 배우기")
    await user.tap(lang.done)
    return user, expected
