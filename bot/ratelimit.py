"""Outgoing Telegram traffic control: PTB's AIORateLimiter plus clock-driven spacing and retries.

PTB's :class:`AIORateLimiter` keeps group chats under Telegram's per-group limit. On top of it
this limiter

* spaces all requests to chats at least ``1 / overall_per_second`` apart (Telegram's overall
  limit is about 30 messages per second), so a fan-out to thousands of users is spread out;
* spaces messages to one private chat at least ``per_chat_interval`` apart (Telegram asks for
  no more than about one message per second per chat);
* on 429 waits ``retry_after`` and tries again (all chats wait: a flood limit is bot-wide);
* on a timeout or network error retries a few times with growing pauses;
* never retries 400 (our request is wrong) or 403 (the user blocked the bot).

Waiting goes through the injected clock, so tests control time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.clock import Clock

log = logging.getLogger(__name__)
JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


class ReviewBotRateLimiter(AIORateLimiter):
    """See the module docstring."""

    def __init__(
        self,
        clock: Clock,
        *,
        overall_per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        max_retries: int = 3,
        timeout_backoff: float = 2.0,
    ) -> None:
        # PTB's own overall limiter waits on the event loop's real time; ours uses the clock.
        super().__init__(overall_max_rate=0, overall_time_period=0, max_retries=0)
        self._clock = clock
        self._overall_interval = 1.0 / overall_per_second
        self._next_overall = 0.0
        self._overall_lock = asyncio.Lock()
        self._per_chat_interval = per_chat_interval
        self._retries = max_retries
        self._timeout_backoff = timeout_backoff
        self._next_slot: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._flood_over = asyncio.Event()
        self._flood_over.set()

    async def _wait_for_overall(self) -> None:
        async with self._overall_lock:
            now = self._clock.now().timestamp()
            slot = max(now, self._next_overall)
            if slot > now:
                await self._clock.sleep(slot - now)
            self._next_overall = slot + self._overall_interval

    async def _wait_for_chat(self, chat_id: int) -> None:
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            now = self._clock.now().timestamp()
            slot = max(now, self._next_slot.get(chat_id, now))
            if slot > now:
                await self._clock.sleep(slot - now)
            self._next_slot[chat_id] = slot + self._per_chat_interval
        if len(self._next_slot) > 10_000:  # forget chats whose spacing no longer matters
            cutoff = self._clock.now().timestamp()
            self._next_slot = {c: t for c, t in self._next_slot.items() if t > cutoff}
            self._chat_locks = {c: lk for c, lk in self._chat_locks.items() if c in self._next_slot}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        chat_id = data.get("chat_id")
        sends = endpoint.startswith(("send", "copy", "forward"))
        for attempt in range(self._retries + 1):
            await self._flood_over.wait()
            if sends and isinstance(chat_id, int) and chat_id > 0:
                await self._wait_for_chat(chat_id)
            if chat_id is not None:
                await self._wait_for_overall()
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as exc:
                if attempt == self._retries:
                    raise
                pause = exc.retry_after
                seconds = pause if isinstance(pause, int) else pause.total_seconds()
                log.warning("flood_wait", extra={"method": endpoint, "seconds": seconds})
                self._flood_over.clear()
                try:
                    await self._clock.sleep(seconds + 0.1)
                finally:
                    self._flood_over.set()
            except BadRequest:
                raise  # a NetworkError subclass in PTB, but retrying cannot fix our request
            except (TimedOut, NetworkError):
                if attempt == self._retries:
                    raise
                log.warning("telegram_retry", extra={"method": endpoint, "attempt": attempt + 1})
                await self._clock.sleep(self._timeout_backoff * (2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover
