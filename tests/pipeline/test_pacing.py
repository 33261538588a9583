"""The pacer counts Telegram's limits by arrival: a request answered late holds its place in the
rolling second until its answer, so a stall on the way never bunches more than the limit."""

from __future__ import annotations

import asyncio

from bot.pipeline.pacing import PER_CHAT_INTERVAL, WINDOW, WINDOW_MAX, Pacer
from tests.conftest import FakeClock


async def test_a_second_of_arrivals_never_holds_more_than_the_limit() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, overall_per_second=1000)  # only the rolling window limits here
    started = clock.now().timestamp()
    slow = await pacer.turn(1, "sendMessage")  # answered only 3 s later (a stalled request)
    assert slow is not None
    for chat in range(2, WINDOW_MAX + 1):
        async with pacer.sending(chat, "sendMessage"):
            pass
    waiting = asyncio.create_task(pacer.turn(999, "sendMessage"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiting.done()  # the slow one may still arrive: no 30th in its second
    clock.advance(seconds=3)
    pacer._answered(slow, 1, "sendMessage")
    await waiting
    assert clock.now().timestamp() - started >= 3 + WINDOW


async def test_one_chat_waits_a_second_from_the_answer_of_its_last_message() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    async with pacer.sending(7, "sendMessage"):
        clock.advance(seconds=0.5)  # the request took half a second
    before = clock.now().timestamp()
    async with pacer.sending(7, "sendMessage"):
        pass
    assert clock.now().timestamp() - before >= PER_CHAT_INTERVAL - 1e-6


async def test_reactions_and_callback_answers_do_not_wait_for_the_chat() -> None:
    clock = FakeClock()
    pacer = Pacer(clock)
    async with pacer.sending(7, "sendMessage"):
        pass
    before = clock.now().timestamp()
    async with pacer.sending(7, "setMessageReaction"):
        pass
    async with pacer.sending(7, "answerCallbackQuery"):
        pass
    assert clock.now().timestamp() - before < 0.1
