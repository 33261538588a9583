"""Sending unasked messages safely: what a Telegram error means for the user's schedule."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from enum import Enum
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")


class Outcome(Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot; stop until /start
    REJECTED = "rejected"  # 400: retrying cannot help
    RETRY = "retry"  # transport trouble or flood limit that outlasted the limiter's retries


async def attempt(send: Awaitable[T], *, user_id: int, what: str) -> tuple[Outcome, T | None]:
    """Await ``send`` and classify the result (the rate limiter already retried what it could)."""
    try:
        return Outcome.SENT, await send
    except Forbidden:
        log.info("user_blocked_bot", extra={"user": user_id, "what": what})
        return Outcome.BLOCKED, None
    except BadRequest as exc:
        log.warning("send_rejected", extra={"user": user_id, "what": what, "reason": exc.message})
        return Outcome.REJECTED, None
    except (RetryAfter, NetworkError) as exc:
        log.warning(
            "send_failed", extra={"user": user_id, "what": what, "reason": type(exc).__name__}
        )
        return Outcome.RETRY, None
