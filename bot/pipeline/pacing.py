"""Keeping under Telegram's limits with a margin: ~30 requests/s overall, ~1 message/s a chat.

The sender asks :meth:`Pacer.chat_ready_at` before it picks a chat, so a chat that must still
wait never holds up the others, and books the chat's slot only when the overall turn comes.
Turns are handed out in order, each just before its request leaves:

* one every ``1 / overall_per_second`` seconds, counted from the slot it was due rather than
  from when the waiting task woke up, so late wake-ups do not slow the rate down; a stall of
  more than half a slot is not caught up with a burst;
* and never more than ``WINDOW_MAX`` in any rolling second *of arrival*: a request may leave
  only ``WINDOW`` after the request ``WINDOW_MAX`` places before it was answered. A request
  reaches Telegram between leaving and its answer, so however an event-loop stall bunches
  requests on the way, no second at Telegram sees more than ``WINDOW_MAX`` of them.

The per-chat interval counts the same way, from the answer of the chat's previous message.
Use :meth:`Pacer.sending` around the request, so the pacer learns when it was answered.
A 429 pauses everyone for ``retry_after``. All waiting goes through the injected clock.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.clock import Clock

OVERALL_PER_SECOND = 29.2  # Telegram allows about 30; WINDOW_MAX keeps the margin
WINDOW_MAX = 29  # requests in any rolling second
WINDOW = 1.005  # seconds (a little over one, for the clock granularity on both sides)
PER_CHAT_INTERVAL = 1.05  # about one message a second in one chat
UNPACED_METHODS = frozenset({"answerCallbackQuery"})
IN_FLIGHT_WAIT = 2.0  # seconds (wall clock) the window waits for an unanswered request
PER_CHAT_METHODS = ("send", "copy", "forward")


def counts_for_chat(method: str) -> bool:
    """New messages count against the per-chat limit; edits, reactions and deletions do not."""
    return method.startswith(PER_CHAT_METHODS)


class _Request:
    """One paced request: answered (``done`` set, ``at`` its time) or still on its way."""

    __slots__ = ("at", "done")

    def __init__(self, at: float) -> None:
        self.at = at
        self.done = asyncio.Event()


class Pacer:
    """Hands out send turns; see the module docstring."""

    def __init__(
        self,
        clock: Clock,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        per_chat_interval: float = PER_CHAT_INTERVAL,
    ) -> None:
        self._clock = clock
        self._interval = 1.0 / overall_per_second
        self._per_chat = per_chat_interval
        self._next_overall = 0.0
        self._flood_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._recent: deque[_Request] = deque(maxlen=WINDOW_MAX)
        self._lock = asyncio.Lock()

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def chat_ready_at(self, chat_id: int) -> float:
        return self._chat_next.get(chat_id, 0.0)

    def chat_ready(self, chat_id: int) -> bool:
        return self.chat_ready_at(chat_id) <= self._now()

    def flooded_until(self) -> float:
        return self._flood_until

    def flood(self, seconds: float) -> None:
        """Telegram answered 429: nobody sends for ``seconds``."""
        self._flood_until = max(self._flood_until, self._now() + seconds)

    @asynccontextmanager
    async def sending(self, chat_id: int, method: str) -> AsyncIterator[None]:
        """Wait for this request's turn, then let it go; its answer closes the block."""
        request = await self.turn(chat_id, method)
        try:
            yield
        finally:
            if request is not None:
                self._answered(request, chat_id, method)

    async def turn(self, chat_id: int, method: str) -> _Request | None:
        """Wait for this request's turn (the chat's slot, then overall spacing and the flood
        pause) and book it.

        The chat's slot is waited for outside the lock, so a chat that must still wait (a task
        sending its second message) never holds up the others.
        Prefer :meth:`sending`; a turn taken here must be closed with :meth:`_answered`."""
        if method in UNPACED_METHODS:
            return None
        per_chat = counts_for_chat(method) and chat_id > 0
        while True:
            if per_chat:
                await self._chat_slot(chat_id)
            async with self._lock:
                now, slot = await self._overall_turn()
                if per_chat and self._chat_next.get(chat_id, 0.0) > now:
                    continue  # its previous message was answered meanwhile: wait again
                # From the slot this turn was due, unless it is more than half a slot late.
                self._next_overall = max(slot, now - self._interval / 2) + self._interval
                request = _Request(now)
                self._recent.append(request)
                if per_chat:
                    self._chat_next[chat_id] = now + self._per_chat
                break
        if len(self._chat_next) > 10_000:  # forget chats whose spacing no longer matters
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return request

    async def _chat_slot(self, chat_id: int) -> None:
        """Until the chat may get its next message."""
        while (wait := self._chat_next.get(chat_id, 0.0) - self._now()) > 0:
            await self._clock.sleep(max(wait, 0.001))  # clocks tick in µs or ms

    async def _overall_turn(self) -> tuple[float, float]:
        """Under the lock: until the overall spacing, the flood pause and the rolling window
        let a request go; (now, the slot it was due)."""
        while True:
            oldest = self._recent[0] if len(self._recent) == WINDOW_MAX else None
            if oldest is not None and not oldest.done.is_set():
                # Not answered yet: it may still arrive. A slow one (a big upload) holds
                # the others up for IN_FLIGHT_WAIT at most, then counts as arriving now.
                try:
                    await asyncio.wait_for(oldest.done.wait(), IN_FLIGHT_WAIT)
                except TimeoutError:
                    oldest.at = max(oldest.at, self._now())
                    oldest.done.set()
                continue
            now = self._now()
            slot = max(self._next_overall, self._flood_until)
            start = max(now, slot)
            if len(self._recent) == WINDOW_MAX:
                start = max(start, self._recent[0].at + WINDOW)
            if start <= now:
                return now, slot
            await self._clock.sleep(max(start - now, 0.001))  # clocks tick in µs or ms

    def _answered(self, request: _Request, chat_id: int, method: str) -> None:
        """The request was answered (or failed): it reached Telegram by now, if at all."""
        now = self._now()
        request.at = max(request.at, now)
        request.done.set()
        if counts_for_chat(method) and chat_id > 0:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + self._per_chat)
