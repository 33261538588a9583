"""The pacer counts Telegram's limits by arrival: a request answered late holds its place in the
rolling second until its answer, so a stall on the way never bunches more than the limit."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Callable

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


class SteppedClock:
    """A clock whose ``sleep`` waits until the test has moved time on (unlike FakeClock's,
    which jumps): for timing what several waiting tasks do to each other."""

    def __init__(self) -> None:
        self.current = FakeClock().now()
        self._sleepers: list[tuple[dtm.datetime, asyncio.Event]] = []

    def now(self) -> dtm.datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.Event()
        self._sleepers.append((self.current + dtm.timedelta(seconds=seconds), wake))
        await wake.wait()

    async def run_until(self, done: Callable[[], bool], limit: float) -> float:
        """Move on in 5-ms steps, letting tasks run, until ``done``; the seconds it took."""
        started = self.current
        while not done():
            assert (self.current - started).total_seconds() < limit, "still waiting"
            self.current += dtm.timedelta(milliseconds=5)
            for until, wake in self._sleepers:
                if until <= self.current:
                    wake.set()
            self._sleepers = [
                (until, wake) for until, wake in self._sleepers if until > self.current
            ]
            for _ in range(5):
                await asyncio.sleep(0)
        return (self.current - started).total_seconds()


async def test_a_chat_waiting_for_its_slot_does_not_hold_up_another_chat() -> None:
    """A task sending its second message to one chat waits a second; a message to another
    chat, asked for just after, goes at once."""
    clock = SteppedClock()
    pacer = Pacer(clock)
    async with pacer.sending(1, "sendMessage"):
        pass
    answered = clock.now()
    second_to_first = asyncio.create_task(pacer.turn(1, "sendMessage"))
    await asyncio.sleep(0)
    to_other = asyncio.create_task(pacer.turn(2, "sendMessage"))
    assert await clock.run_until(to_other.done, limit=5) < 0.1  # one overall slot or so
    assert not second_to_first.done()
    await clock.run_until(second_to_first.done, limit=5)
    assert (clock.now() - answered).total_seconds() >= PER_CHAT_INTERVAL
