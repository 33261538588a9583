"""Fakes at the Telegram boundary for end-to-end tests: a fake Bot API and simulated users."""

from __future__ import annotations

from .telegram_api import ApiCall, FakeBotAPI, MessageState, StoredFile
from .users import FakeUser

__all__ = ["ApiCall", "FakeBotAPI", "FakeUser", "MessageState", "StoredFile"]
