"""Operating the bot: ``health`` and ``status`` read what the running bot recorded, and
``/metrics`` exposes sends, 429s, backlogs, tick duration and handler errors."""

from __future__ import annotations

import datetime as dtm
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot import metrics, operations
from tests.conftest import Bot
from tests.helpers import onboard

ROOT = Path(__file__).resolve().parent.parent
SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)  # Sunday 19:00 in Seoul


async def status_of(bot: Bot) -> operations.Status:
    async with bot.services.reading() as session:
        return await operations.read_status(session, bot.clock.now())


async def test_healthy_after_a_tick_and_unhealthy_when_the_scheduler_stops(bot: Bot) -> None:
    await onboard(bot.user())
    assert operations.problems(await status_of(bot), 30) == ["the scheduler has never run"]
    bot.clock.set(SLOT)
    await bot.tick()
    status = await status_of(bot)
    assert status.last_tick == SLOT
    assert operations.problems(status, 30) == []
    bot.clock.advance(minutes=10)  # no tick for ten minutes: the scheduler is stuck or down
    assert operations.problems(await status_of(bot), 30) == ["the scheduler last ran 10 min ago"]


async def test_a_fast_scheduler_records_its_tick_every_30_seconds_and_stays_healthy(
    bot: Bot,
) -> None:
    """With a 1-s interval the tick is recorded for ``health`` every 30 s, not every pass,
    and health never calls it late."""
    bot.clock.set(SLOT)
    await bot.tick()
    for _ in range(29):
        bot.clock.advance(seconds=1)
        await bot.tick()
    status = await status_of(bot)
    assert status.last_tick == SLOT
    assert operations.problems(status, 1) == []
    bot.clock.advance(seconds=1)
    await bot.tick()
    assert (await status_of(bot)).last_tick == SLOT + dtm.timedelta(seconds=30)


async def test_a_growing_send_backlog_is_reported(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(SLOT)
    bot.api.fail_next("sendMessage", "network", times=10_000)  # Telegram is unreachable
    await bot.tick(settle=False)  # the prompt is queued; the sender cannot get it out
    bot.clock.advance(minutes=11)
    await bot.tick(settle=False)
    status = await status_of(bot)
    assert status.outbox_backlog == 1
    assert operations.problems(status, 30) == [
        "outbox: 1 waiting to be sent, the oldest for 11 min"
    ]
    text = operations.render(status)
    assert f"outbox backlog: {status.outbox_backlog}" in text
    assert "users: 1 (1 active)" in text
    bot.api._failures.clear()  # Telegram is back: let the teardown shut down quickly


def test_the_health_command_fails_in_one_line_before_the_first_tick(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TELEGRAM_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "health"], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 1
    assert missing.stdout.strip().startswith("unhealthy: no database at")
    env["TELEGRAM_BOT_TOKEN"] = "123456789:AAE-fake-token-for-tests-only-0123456789"
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    health = subprocess.run(
        [sys.executable, "-m", "bot", "health"], env=env, capture_output=True, text=True
    )
    assert (health.returncode, health.stdout) == (1, "unhealthy: the scheduler has never run\n")
    status = subprocess.run(
        [sys.executable, "-m", "bot", "status"], env=env, capture_output=True, text=True
    )
    assert status.returncode == 0
    assert "last scheduler tick: never" in status.stdout
    assert "inbox backlog: 0" in status.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_metrics_expose_the_named_series(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_series", None)  # recording stops again after this test
    metrics.enable()  # what `python -m bot run` does when METRICS_PORT is set
    user = bot.user()
    await onboard(user)
    bot.api.fail_next("setMessageReaction", "retry_after", retry_after=2)
    await user.send("a note")
    bot.clock.set(SLOT)
    await bot.tick()
    port = free_port()
    metrics.serve(port, "127.0.0.1")
    async with httpx.AsyncClient() as client:
        page = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    for series in (
        'review_bot_sends_total{method="sendMessage",outcome="sent"}',
        'review_bot_sends_total{method="setMessageReaction",outcome="retry"}',
        "review_bot_flood_waits_total",
        "review_bot_inbox_backlog",
        "review_bot_outbox_backlog",
        "review_bot_scheduler_tick_seconds_count",
        "review_bot_handler_errors_total",
        'review_bot_updates_total{outcome="handled"}',
    ):
        assert series in page, series
