"""Shared fixtures: a controlled clock, a fresh database per test, and the production bot
driven through the fake Bot API.

Set ``TEST_DATABASE_URL`` (``postgresql+asyncpg://user@127.0.0.1/postgres``) to run every test
against PostgreSQL too; each test then gets a database of its own on that server.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import os
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.logging import LogCaptureHandler
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import Pool
from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.context import BotApp
from bot.jobs import weekly
from bot.pipeline.runtime import PIPELINE_KEY, Pipeline
from bot.services import SERVICES_KEY, Services
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.users import ChatType, FakeUser

TOKEN = "123456789:AAE-fake-token-for-tests-only-0123456789"
# The master key every test bot uses unless a test says otherwise (base64 of 32 bytes).
ENCRYPTION_KEY = "dGVzdHMtb25seS1tYXN0ZXIta2V5LTMyLWJ5dGVzISE="
START = dtm.datetime(2026, 11, 18, 9, 0, tzinfo=dtm.UTC)  # a Wednesday


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly."""

    def __init__(self, start: dtm.datetime = START) -> None:
        self.current = start
        self.slept: list[float] = []

    def now(self) -> dtm.datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += dtm.timedelta(seconds=seconds)
        await asyncio.sleep(0)  # like a real sleep, let other tasks run meanwhile

    def advance(self, delta: dtm.timedelta | None = None, **kwargs: float) -> None:
        self.current += delta if delta is not None else dtm.timedelta(**kwargs)

    def set(self, instant: dtm.datetime) -> None:
        assert instant.tzinfo is not None
        self.current = instant


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new, empty database for each test (SQLite file, or a PostgreSQL database)."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    name = "t_" + uuid.uuid4().hex[:16]
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def keyring_url_for(database_url: str) -> str:
    """The keyring's default for SQLite (a file beside the database); for a PostgreSQL test
    database a SQLite file named after it, so each test needs no second database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return ""
    return f"sqlite+aiosqlite:///{Path(tempfile.gettempdir()) / f'{url.database}.keyring.sqlite3'}"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "database_url": database_url,
        "default_timezone": "UTC",
        "encryption_key": ENCRYPTION_KEY,
        "keyring_url": keyring_url_for(database_url),
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


class Bot:
    """The production Application plus the fake Telegram it talks to, and handler errors."""

    def __init__(self, app: BotApp, api: FakeBotAPI, clock: FakeClock) -> None:
        self.app = app
        self.api = api
        self.clock = clock
        self.errors: list[BaseException] = []

    @property
    def services(self) -> Services:
        services = self.app.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    def user(
        self,
        user_id: int = 1001,
        *,
        language_code: str | None = "en",
        first_name: str = "Ada",
        chat_type: ChatType = "private",
    ) -> FakeUser:
        return FakeUser(
            self.app,
            self.api,
            user_id,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
        )

    @property
    def pipeline(self) -> Pipeline:
        pipeline = self.app.bot_data[PIPELINE_KEY]
        assert isinstance(pipeline, Pipeline)
        return pipeline

    async def tick(self, *, settle: bool = True) -> None:
        """Fire the scheduler job once, as the JobQueue would, then send what it queued."""
        jobs = self.app.job_queue.get_jobs_by_name(weekly.JOB_NAME)  # type: ignore[union-attr]
        assert len(jobs) == 1, "the weekly job must be scheduled exactly once"
        await jobs[0].run(self.app)
        if settle:
            await self.pipeline.settle()

    async def feed(self, update: Update) -> None:
        """Deliver an update the way polling does (stored first), then let everything settle."""
        await self.pipeline.receive([update])
        await self.pipeline.settle()


class BotFactory:
    """Starts applications on one database; several may run at once (restarts, two processes)."""

    def __init__(self, database_url: str, clock: FakeClock) -> None:
        self.database_url = database_url
        self.clock = clock
        self.running: list[Bot] = []
        self.crashed: list[Bot] = []

    async def start(self, *, api: FakeBotAPI | None = None, **settings: Any) -> Bot:
        api = api or FakeBotAPI(now=self.clock.now)
        app = build_application(
            make_settings(self.database_url, **settings), clock=self.clock, request=api
        )
        bot = Bot(app, api, self.clock)

        async def collect(update: object, context: Any) -> None:
            bot.errors.append(context.error)

        app.add_error_handler(collect)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        self.running.append(bot)
        return bot

    async def stop(self, bot: Bot) -> None:
        """Shut an application down the way run_polling does on exit."""
        self.running.remove(bot)
        await bot.app.shutdown()
        if bot.app.post_shutdown is not None:
            await bot.app.post_shutdown(bot.app)
        assert not bot.errors, f"handler errors: {bot.errors!r}"

    def crash(self, bot: Bot) -> None:
        """``bot``'s process dies: no shutdown, no lease released, nothing more handled.

        Its database connections are closed when the test ends, as the operating system
        closes a dead process's files."""
        self.running.remove(bot)
        self.crashed.append(bot)

    async def restart(self, bot: Bot) -> Bot:
        """Stop ``bot`` and start a fresh application on the same database and fake Telegram."""
        await self.stop(bot)
        return await self.start(api=bot.api)


@pytest.fixture
async def factory(database_url: str, clock: FakeClock) -> AsyncIterator[BotFactory]:
    made = BotFactory(database_url, clock)
    yield made
    for bot in list(made.running):
        await made.stop(bot)
    for bot in made.crashed:
        await bot.services.engine.dispose()
        await bot.services.vault.close()


@pytest.fixture
async def bot(factory: BotFactory) -> Bot:
    return await factory.start()


_opened: list[Any] = []  # the DBAPI connections the current test opened, in any engine


@event.listens_for(Pool, "connect")
def _track_connection(dbapi_connection: Any, _record: Any) -> None:
    if hasattr(dbapi_connection, "driver_connection"):  # an async driver's adapted connection
        _opened.append(dbapi_connection)


def _still_open(driver: Any) -> bool:
    if hasattr(driver, "is_closed"):  # asyncpg
        return not driver.is_closed()
    return getattr(driver, "_connection", None) is not None  # aiosqlite


@pytest.fixture(autouse=True)
async def _no_connection_left_open() -> AsyncIterator[None]:
    """After each test (and its bots' shutdown), close any database connection still open.

    An engine a test helper created and never disposed would otherwise leave an aiosqlite
    connection for the garbage collector, which reports it later in whatever test happens to
    be running. Such a leak is closed here and named as a warning on the test that made it.
    """
    _opened.clear()
    yield
    leaked = [c.driver_connection for c in _opened if _still_open(c.driver_connection)]
    _opened.clear()
    for driver in leaked:
        await driver.close()
    if leaked:
        warnings.warn(f"{len(leaked)} database connection(s) left open; closed", stacklevel=1)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations (silences its deprecation warning)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def loggers() -> list[tuple[str, logging.Logger]]:
    return [
        (name, logger)
        for name, logger in list(logging.root.manager.loggerDict.items())
        if isinstance(logger, logging.Logger)
    ]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo ``configure_logging``: it replaces every root handler, pytest's included."""
    root = logging.getLogger()
    before, level = root.handlers[:], root.level
    named = {name: logger.level for name, logger in loggers()}
    yield
    # pytest's per-phase capture handlers are LogCaptureHandlers: keep the current phase's,
    # put back the session-wide ones, and drop whatever the test installed.
    session_wide: list[logging.Handler] = [
        h for h in before if not isinstance(h, LogCaptureHandler)
    ]
    this_phase: list[logging.Handler] = [
        h for h in root.handlers if isinstance(h, LogCaptureHandler)
    ]
    root.handlers[:] = session_wide + this_phase
    root.setLevel(level)
    for name, logger in loggers():
        logger.setLevel(named.get(name, logging.NOTSET))
