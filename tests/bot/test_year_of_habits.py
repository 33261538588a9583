"""Seven kinds of people live a whole year with the bot, in English and in Korean.

The faithful one answers every week, on Tuesday morning from the prompt (after Monday's
reminder); the August dropout stops answering; the snoozer taps "Tomorrow" and then writes
with ``/review last`` on Tuesday; the skipper declares every fourth week skipped; the mover
goes from Seoul to Berlin in June; the pauser pauses for five weeks; the silent one goes quiet
for 15 weeks and comes back.

The production application is driven through 2026 and into January 2027 with the controlled
clock: it ticks three times a day (10:00 and 19:00 in Seoul, 19:00 in Berlin) and each person
reacts to what arrives as their kind would. At the end the test checks what the issue "Weeks
that mean what the user means" asks of a year of habit:

* never more than 2 unasked notifications in a week, and never two in one day;
* late answers count for the week they review;
* streaks and "N of M" survive declared skips and pauses;
* no recap calls an open week a miss;
* every prompt comes at the local hour, across DST and a change of time zone;
* no week is prompted twice or not at all.
"""

from __future__ import annotations

import datetime as dtm
import re
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.domain.schedule import review_week, slot_on
from bot.domain.weeks import IsoWeek
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.fakes.telegram_api import MESSAGE_METHODS, MessageState
from tests.helpers import onboard, stored_answers, stored_reviews

SEOUL, BERLIN = "Asia/Seoul", "Europe/Berlin"
START = dtm.datetime(2026, 1, 1, 1, 0, tzinfo=dtm.UTC)  # Thursday 10:00 in Seoul
END = dtm.date(2027, 1, 10)  # the Sunday of 2027-W01
HOUR = 19
KINDS = ("faithful", "dropout", "snoozer", "skipper", "mover", "pauser", "silent")
DROPS_OUT = dtm.date(2026, 8, 1)
MOVES = dtm.date(2026, 6, 15)  # Monday: from Seoul to Berlin
PAUSES, RESUMES = dtm.date(2026, 5, 1), dtm.date(2026, 6, 5)  # five Sundays without a prompt
FALLS_SILENT, COMES_BACK = dtm.date(2026, 3, 2), dtm.date(2026, 6, 16)  # 15 weeks

# What the draft's opening says, per language: weeks answered of weeks counted; the streaks.
N_OF_M = {
    "en": re.compile(r"Weekly reviews answered: (?P<n>\d+) of (?P<m>\d+) weeks"),
    "ko": re.compile(r"주간 회고: (?P<m>\d+)주 중 (?P<n>\d+)주 작성"),
}
LONGEST = {
    "en": re.compile(r"Longest streak: (\d+) weeks?"),
    "ko": re.compile(r"최장 연속 기록: (\d+)주"),
}
MISSED_WORDS = {
    "en": (": no review", "Weeks without a headline"),
    "ko": (": 기록 없음", "한 줄 요약이 빠진 주"),
}


@dataclass
class Person:
    kind: str
    lang: str
    user: FakeUser
    zone: str = SEOUL
    prompts: list[tuple[dtm.datetime, int]] = field(default_factory=list)  # first prompts
    unasked: list[dtm.datetime] = field(default_factory=list)  # local times
    snoozed: set[int] = field(default_factory=set)  # review ids whose prompt comes back
    to_answer_on_tuesday: bool = False
    pending: MessageState | None = None  # the faithful answer the prompt two days later
    recaps: list[str] = field(default_factory=list)
    draft: str | None = None


def _button(message: MessageState, prefix: str) -> str | None:
    for button in message.inline_buttons:
        if str(button.get("callback_data", "")).startswith(prefix):
            return str(button["text"])
    return None


def _review_id(message: MessageState) -> int | None:
    for button in message.inline_buttons:
        data = str(button.get("callback_data", ""))
        if data.startswith(("rv:start:", "rv:skipweek:")):
            return int(data.split(":")[2])
    return None


async def _answer(person: Person, prompt: MessageState, text: str) -> None:
    start = _button(prompt, "rv:start:")
    assert start is not None
    await person.user.tap(start, prompt.message_id)
    await person.user.send(text)


async def _react(person: Person, now: dtm.datetime, new: list[MessageState]) -> None:
    """What this kind of person does with the messages that just arrived (and on their own)."""
    user, local = person.user, now.astimezone(ZoneInfo(person.zone))
    today = local.date()
    for message in new:
        review_id = _review_id(message)
        recap = _button(message, "rc:")
        if recap is not None and person.kind != "dropout":
            mark = user.mark()
            await user.tap(recap, message.message_id)
            person.recaps.append("\n".join(user.texts_since(mark)))
        if review_id is None or not (message.text or "").startswith("📝"):
            continue  # reminders and welcome-backs are ignored
        week = review_week(now, person.zone)
        text = f"{person.kind} {person.lang} headline of {week.key}"
        if person.kind == "dropout" and today >= DROPS_OUT:
            continue
        if person.kind == "silent" and FALLS_SILENT <= today < COMES_BACK:
            continue
        if person.kind == "snoozer":
            if review_id in person.snoozed:
                continue  # the snoozed prompt is back: they answer on Tuesday morning
            later = _button(message, f"rv:later:{review_id}:tomorrow")
            assert later is not None
            await user.tap(later, message.message_id)
            person.snoozed.add(review_id)
            person.to_answer_on_tuesday = True
            continue
        if person.kind == "faithful":
            person.pending = message  # answered on Tuesday morning, after Monday's reminder
            continue
        if person.kind == "skipper" and week.week % 4 == 0:
            skip = _button(message, "rv:skipweek:")
            assert skip is not None
            await user.tap(skip, message.message_id)
            continue
        await _answer(person, message, text)
    # On their own initiative, at 10:00 local.
    if local.hour != 10:
        return
    if person.kind == "snoozer" and person.to_answer_on_tuesday and local.weekday() == 1:
        person.to_answer_on_tuesday = False
        await user.send("/review last")  # the week just prompted, on a Tuesday
        week = IsoWeek.of(today).previous()
        await user.send(f"snoozer {person.lang} late headline of {week.key}")
    if person.kind == "faithful" and person.pending is not None and local.weekday() == 1:
        prompt, person.pending = person.pending, None
        week = IsoWeek.of(today).previous()
        await _answer(person, prompt, f"faithful {person.lang} headline of {week.key}")
    if person.kind == "pauser" and today in (PAUSES, RESUMES):
        await user.send("/pause" if today == PAUSES else "/resume")
    if person.kind == "silent" and today == COMES_BACK:
        await user.send("I'm back" if person.lang == "en" else "다시 왔어요")
    if person.kind == "mover" and today == MOVES:
        await user.send("/settings")
        settings = user.last_message()
        timezone = _button(settings, "set:menu:tz")
        assert timezone is not None
        await user.tap(timezone, settings.message_id)
        await user.send("Berlin")
        person.zone = BERLIN


async def _live_the_year(bot: Bot) -> list[Person]:
    bot.clock.set(START)
    people = []
    for number, (lang, kind) in enumerate((lang, k) for lang in ("en", "ko") for k in KINDS):
        user = bot.user(2000 + number, language_code=lang)
        await onboard(
            user,
            zone="Seoul" if lang == "en" else "서울",
            day="Sunday" if lang == "en" else "일요일",
            hour=f"{HOUR}:00",
        )
        people.append(Person(kind, lang, user))
    by_chat = {p.user.chat_id: p for p in people}
    seen = len(bot.api.calls)
    day = START.astimezone(ZoneInfo(SEOUL)).date()
    while day <= END:
        instants = sorted(
            {slot_on(day, 10, SEOUL), slot_on(day, HOUR, SEOUL), slot_on(day, HOUR, BERLIN)}
        )
        for now in instants:
            if now <= bot.clock.now():
                continue
            bot.clock.set(now)
            await bot.tick()
            arrived: dict[int, list[MessageState]] = {}
            for call in bot.api.calls[seen:]:  # what the tick sent, unasked
                if call.delivered and call.method in MESSAGE_METHODS:
                    chat = call.chat_id
                    assert isinstance(chat, int)
                    message = bot.api.message_state(chat, call.message_id or 0)
                    arrived.setdefault(chat, []).append(message)
                    if call.method == "sendDocument" and call.files:
                        [(_, content)] = call.files.values()
                        by_chat[chat].draft = content.decode()
            for chat, new in arrived.items():
                _record(by_chat[chat], now, new)
            for person in people:
                await _react(person, now, arrived.get(person.user.chat_id, []))
            seen = len(bot.api.calls)
        day += dtm.timedelta(days=1)
    return people


def _record(person: Person, now: dtm.datetime, new: list[MessageState]) -> None:
    """Count what arrived on its own; note first prompts (a snoozed one coming back was asked)."""
    local = now.astimezone(ZoneInfo(person.zone))
    for message in new:
        review_id = _review_id(message)
        if review_id is not None and review_id in person.snoozed:
            continue
        person.unasked.append(local)
        if review_id is not None and (message.text or "").startswith("📝"):
            person.prompts.append((local, review_id))


async def test_a_year_of_habits(bot: Bot) -> None:
    people = await _live_the_year(bot)
    for person in people:
        who = f"{person.kind} ({person.lang})"
        reviews = {r.id: r for r in await stored_reviews(bot, person.user.user_id)}

        # At most 2 unasked notifications in any week, never two in one day.
        by_week = Counter(IsoWeek.of(at.date()) for at in person.unasked)
        by_day = Counter(at.date() for at in person.unasked)
        assert max(by_week.values()) <= 2, (who, by_week.most_common(3))
        assert max(by_day.values()) <= 1, (who, by_day.most_common(3))

        # Every prompt at 19:00 local, in the zone of the day (Seoul, then Berlin for the mover).
        assert all((at.hour, at.minute) == (HOUR, 0) for at, _ in person.prompts), who

        # No week prompted twice or not at all.
        prompted = [reviews[review_id].week for _, review_id in person.prompts]
        assert len(prompted) == len(set(prompted)), (who, Counter(prompted).most_common(2))
        all_weeks = [IsoWeek(2026, n).key for n in range(1, 54)] + ["2027-W01"]
        statuses = {r.week: r.status for r in reviews.values()}
        if person.kind in ("faithful", "snoozer", "skipper", "mover"):
            assert prompted == all_weeks, who
        if person.kind == "pauser":
            paused = [w for w in all_weeks if statuses.get(w) == "paused"]
            assert len(paused) == 5, (who, paused)
            assert sorted(prompted + paused) == all_weeks, who

        # Late answers count for the week they review.
        if person.kind == "snoozer":
            answered = {a.week for a in await stored_answers(bot, person.user.user_id)}
            assert answered == set(all_weeks[:-1]), who  # 2026-W01 to W53, all on Tuesdays

        # Streaks and "N of M" survive declared skips and pauses.
        assert person.draft is not None, who
        found = N_OF_M[person.lang].search(person.draft)
        assert found is not None, who
        answered_n, counted_m = int(found["n"]), int(found["m"])
        [longest] = map(int, LONGEST[person.lang].search(person.draft).groups())
        if person.kind in ("faithful", "snoozer", "mover"):
            assert (answered_n, counted_m, longest) == (52, 52, 52), who
        if person.kind in ("skipper", "pauser"):
            assert answered_n == counted_m == longest, who
            assert answered_n == (39 if person.kind == "skipper" else 47), who
        if person.kind in ("dropout", "silent"):
            assert answered_n < counted_m, who  # their silence is a real gap

        # No recap calls an open week (or a skipped or paused one) a miss.
        if person.kind in ("faithful", "snoozer", "skipper", "mover", "pauser"):
            # January to November, each on the first prompt of the next month; December's
            # is replaced by the draft. The pauser had no prompt in May (April's recap went
            # stale) and wrote nothing in May.
            offered = 9 if person.kind == "pauser" else 11
            assert len(person.recaps) == offered, (who, len(person.recaps))
            for recap in person.recaps:
                assert not any(word in recap for word in MISSED_WORDS[person.lang]), (who, recap)
