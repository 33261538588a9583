"""Scheduling and delivery: exactly once across restarts and processes, catch-up after downtime,
Telegram's 429 / 403 / 400 / timeouts, silence and welcome-back, a fan-out to many users."""

from __future__ import annotations

import asyncio
import datetime as dtm

from bot.domain.journal import ReviewStatus
from tests.conftest import Bot, BotFactory
from tests.fakes import FakeUser
from tests.helpers import onboard, stored_reviews, stored_user

SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)  # Sunday 19:00 in Seoul
WEEK = dtm.timedelta(days=7)


def prompts(user: FakeUser, since: int = 0) -> list[str]:
    return [t for t in user.texts_since(since) if "Time for your weekly review" in t]


async def test_double_tick_sends_once(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    await bot.tick()
    await bot.tick()
    assert len(prompts(user)) == 1


async def test_restart_across_the_slot_sends_the_missed_prompt_once(factory: BotFactory) -> None:
    bot = await factory.start()
    user = bot.user()
    await onboard(user)
    await factory.stop(bot)
    factory.clock.set(SLOT + dtm.timedelta(hours=5))  # the bot was down at the slot
    bot = await factory.start(api=bot.api)
    await bot.tick()
    bot = await factory.restart(bot)
    await bot.tick()
    user = bot.user()
    assert len(prompts(user)) == 1
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.PROMPTED


async def test_two_processes_sharing_one_database_send_once(factory: BotFactory) -> None:
    first = await factory.start()
    user = first.user()
    await onboard(user)
    second = await factory.start(api=first.api)
    factory.clock.set(SLOT)
    await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
    assert len(prompts(user)) == 1
    assert len(await stored_reviews(first, 1001)) == 1


async def test_weeks_that_passed_while_down_are_recorded_missed(factory: BotFactory) -> None:
    bot = await factory.start()
    user = bot.user()
    await onboard(user)
    await factory.stop(bot)
    factory.clock.set(dtm.datetime(2026, 12, 7, 0, 0, tzinfo=dtm.UTC))
    bot = await factory.start(api=bot.api)
    await bot.tick()
    reviews = {r.week: r.status for r in await stored_reviews(bot, 1001)}
    assert reviews == {
        "2026-W47": ReviewStatus.MISSED,
        "2026-W48": ReviewStatus.MISSED,
        "2026-W49": ReviewStatus.PROMPTED,
    }
    assert len(prompts(bot.user())) == 1
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.next_due_at == SLOT + 3 * WEEK


async def test_flood_limit_waits_retry_after_then_delivers(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    bot.api.fail_next("sendMessage", "retry_after", retry_after=7)
    await bot.tick()
    # Waited as Telegram asked (plus a margin), on the injected clock.
    assert any(7 <= s <= 8 for s in bot.clock.slept)
    assert len(prompts(user)) == 1
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.PROMPTED


async def test_timeout_is_retried_with_backoff(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    bot.api.fail_next("sendMessage", "timeout", times=2)
    before = len(bot.clock.slept)
    await bot.tick()
    assert len(prompts(user)) == 1
    waits = bot.clock.slept[before:]
    assert sum(waits) >= 1 + 2  # growing pauses between the three tries


async def test_persistent_network_trouble_retries_later_without_flooding(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    bot.api.fail_next("sendMessage", "network", times=4)
    await bot.tick()
    tries = [c for c in bot.api.calls_to("sendMessage") if c.seq > 0]
    failed = [c for c in tries if not c.ok]
    assert len(failed) == 4
    assert (bot.clock.now() - SLOT).total_seconds() >= 1 + 2 + 4 + 8  # pauses grew
    assert len(prompts(user)) == 1
    [review] = await stored_reviews(bot, 1001)
    assert review.status == ReviewStatus.PROMPTED


async def test_blocked_bot_stops_prompts_until_start(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    bot.api.fail_next("sendMessage", "forbidden")
    await bot.tick()
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.blocked
    assert stored.next_due_at is None
    calls = len(bot.api.calls_to("sendMessage"))
    bot.clock.advance(WEEK)
    await bot.tick()
    assert len(bot.api.calls_to("sendMessage")) == calls
    await user.send("/start")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.blocked
    assert stored.next_due_at is not None


async def test_bad_request_is_not_retried(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    before = len(bot.api.calls_to("sendMessage"))
    bot.api.fail_next("sendMessage", "bad_request")
    await bot.tick()
    bot.clock.advance(minutes=10)
    await bot.tick()
    assert len(bot.api.calls_to("sendMessage")) == before + 1


async def test_three_silent_weeks_bring_one_welcome_back_then_quiet(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    for week in range(3):
        bot.clock.set(SLOT + week * WEEK)
        await bot.tick()
        bot.clock.advance(days=1, minutes=1)
        await bot.tick()  # the one reminder
    mark = user.mark()
    bot.clock.set(SLOT + 3 * WEEK)
    await bot.tick()
    assert len(user.texts_since(mark)) == 1
    assert "three weeks" in user.last_text()
    assert user.buttons() == ["📅 Change the day", "⏸ Pause for now"]
    for week in (4, 5):
        bot.clock.set(SLOT + week * WEEK)
        await bot.tick()
    assert len(user.texts_since(mark)) == 1  # quiet
    await user.send("I'm back")
    bot.clock.set(SLOT + 6 * WEEK)
    mark = user.mark()
    await bot.tick()
    assert len(prompts(user, mark)) == 1


async def test_never_more_than_two_unasked_messages_a_week(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    mark = user.mark()
    bot.clock.set(SLOT)
    for _ in range(7 * 24):
        await bot.tick()
        bot.clock.advance(hours=1)
    assert len(user.texts_since(mark)) <= 2 + 1  # prompt, reminder, next week's prompt
    week_47 = [t for t in user.texts_since(mark) if "Week 47" in t]
    assert len(week_47) == 2


async def test_fan_out_to_many_users_sends_each_exactly_once(bot: Bot) -> None:
    users = [bot.user(5000 + n) for n in range(40)]
    for user in users:
        await onboard(user)
    bot.clock.set(SLOT)
    await bot.tick()
    for user in users:
        assert len(prompts(user)) == 1
    # Spread over Telegram's ~30 messages/s rather than fired at once.
    sent = [
        c
        for c in bot.api.calls_to("sendMessage")
        if "Time for your weekly review" in (c.text or "")
    ]
    dates = sorted(c.result["date"] for c in sent if c.result)
    assert len(dates) == 40
    assert dates[-1] - dates[0] >= 1


async def test_a_crash_between_claim_and_send_delays_the_prompt_but_never_loses_it(
    factory: BotFactory,
) -> None:
    bot = await factory.start()
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    await bot.tick(settle=False)  # claimed, and the prompt queued in the same transaction
    assert prompts(user) == []
    # The process dies before its sender got to the prompt: no shutdown, no lease released.
    factory.crash(bot)
    bot.clock.advance(seconds=20)  # the dead process's sender lease runs out
    after = await factory.start(api=bot.api)
    await after.tick()
    assert len(prompts(user)) == 1
    [stored_review] = await stored_reviews(after, 1001)
    assert stored_review.status == ReviewStatus.PROMPTED


async def test_a_start_after_unblocking_is_not_undone_by_an_older_403(bot: Bot) -> None:
    """The prompt went out while the bot was blocked and its 403 is recorded only after the
    user unblocked and sent /start: the welcome back and the schedule must stay."""
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT - dtm.timedelta(seconds=30))
    await user.send("a note half a minute before the prompt")  # seen: within the minute
    bot.clock.set(SLOT)
    await bot.tick(settle=False)  # the prompt is queued, not sent yet
    bot.api.fail_next("sendMessage", "forbidden")  # blocked when the prompt goes out
    bot.clock.advance(seconds=20)
    await user.send("/start")  # unblocked since: the prompt's 403 comes in after this
    assert "Welcome back! You're all set." in user.last_text()  # the reply reached them
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.blocked
    assert stored.next_due_at is not None
