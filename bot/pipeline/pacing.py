"""Keeping under Telegram's limits with a margin: ~30 requests/s overall, ~1 message/s a chat.

The sender asks :meth:`Pacer.chat_ready_at` before it picks a chat, so a chat that must still
wait never holds up the others, and books the chat's slot only when the overall turn comes.
Turns are handed out in order, each just before its request leaves:

* one every ``1 / overall_per_second`` seconds, counted from the slot it was due rather than
  from when the waiting task woke up, so late wake-ups do not slow the rate down; a stall of
  more than half a slot is not caught up with a burst;
* and never more than ``WINDOW_MAX`` in any rolling second, so requests that arrive at
  Telegram closer together than they left still stay under its 30 a second.

A 429 pauses everyone for ``retry_after``. All waiting goes through the injected clock.
"""

from __future__ import annotations

import asyncio
from collections import deque

from bot.clock import Clock

OVERALL_PER_SECOND = 29.2  # Telegram allows about 30; WINDOW_MAX keeps the margin
WINDOW_MAX = 29  # requests in any rolling second
WINDOW = 1.005  # seconds (a little over one, for the clock granularity on both sides)
PER_CHAT_INTERVAL = 1.05  # about one message a second in one chat
UNPACED_METHODS = frozenset({"answerCallbackQuery"})
PER_CHAT_METHODS = ("send", "copy", "forward")


def counts_for_chat(method: str) -> bool:
    """New messages count against the per-chat limit; edits, reactions and deletions do not."""
    return method.startswith(PER_CHAT_METHODS)


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
        self._recent: deque[float] = deque(maxlen=WINDOW_MAX)
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

    async def turn(self, chat_id: int, method: str) -> None:
        """Wait for this request's turn (overall spacing, flood pause, then the chat's slot)."""
        if method in UNPACED_METHODS:
            return
        per_chat = counts_for_chat(method) and chat_id > 0
        async with self._lock:
            while True:
                now = self._now()
                slot = max(self._next_overall, self._flood_until)
                start = max(now, slot)
                if len(self._recent) == WINDOW_MAX:
                    start = max(start, self._recent[0] + WINDOW)
                if per_chat:
                    start = max(start, self._chat_next.get(chat_id, 0.0))
                if start <= now:
                    break
                await self._clock.sleep(max(start - now, 0.001))  # clocks tick in µs or ms
            # From the slot this turn was due, unless it is more than half a slot late.
            self._next_overall = max(slot, now - self._interval / 2) + self._interval
            self._recent.append(now)
            if per_chat:
                self._chat_next[chat_id] = now + self._per_chat
        if len(self._chat_next) > 10_000:  # forget chats whose spacing no longer matters
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
