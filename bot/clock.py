"""The one source of "now" and of waiting, so tests can control time instead of sleeping."""

from __future__ import annotations

import asyncio
import datetime as dtm
from typing import Protocol


class Clock(Protocol):
    """Tells the current UTC time and waits; injected wherever time matters."""

    def now(self) -> dtm.datetime:
        """Return the current time as a timezone-aware UTC datetime."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dtm.datetime:
        return dtm.datetime.now(dtm.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
