"""Fixtures for the process-level tests: the loopback Bot API (with Telegram's flood limits
on), a read-only view of the database, and the bot process itself.

``database_url`` (from ``tests/conftest.py``) makes every test here run on PostgreSQL too when
``TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.fakes.http_api import LoopbackBotAPI
from tests.process.harness import NoteDatabase


@pytest.fixture
def api() -> Iterator[LoopbackBotAPI]:
    """A loopback Bot API as strict as Telegram about flood limits (30/s, 1 send/s a chat)."""
    with LoopbackBotAPI(token=TOKEN, strict=True) as server:
        yield server


@pytest.fixture
def db(database_url: str) -> Iterator[NoteDatabase]:
    database = NoteDatabase(database_url)
    yield database
    database.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The bot's working directory (no ``.env`` in it); its logs go here too."""
    path = tmp_path / "bot"
    path.mkdir()
    return path
