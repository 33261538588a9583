"""Benchmark 3: M users due at the same moment, prompted by the production scheduler pass.

Run: ``.venv/bin/python -m bench.scheduler_tick [--quick] [--json PATH]``.

The production application is built with :func:`bot.app.build_application` on a fresh SQLite
file, a virtual clock (its ``sleep`` advances time at once) and the fake Telegram Bot API, and
initialised as ``tests/conftest.py`` does. M onboarded users whose slot has just come are
inserted directly (with their question lists, as after their first review). Then
:func:`bot.jobs.weekly.run_due` runs the way the JobQueue calls it: one pass per scheduler
interval until nobody is due. Reported: wall time (what the CPU spends), virtual time (what
the rate limiter makes the users wait), Telegram's ~30 messages/second limit, and that every
user got exactly one prompt.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dtm
import itertools
import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from telegram.request import BaseRequest, RequestData

from bench import synthetic
from bench.common import Report, Table, VirtualClock, finish, ms, parse_args
from bot.app import build_application
from bot.config import Settings
from bot.context import BotApp
from bot.domain.questions import DEFAULT_QUESTIONS, default_order
from bot.jobs import weekly
from bot.services import SERVICES_KEY, Services
from bot.storage.models import Review, User, UserQuestion
from tests.fakes import FakeBotAPI

TOKEN = "123456789:AAE-fake-token-for-tests-only-0123456789"
SLOT = dtm.datetime(2026, 11, 22, 19, 0, tzinfo=dtm.UTC)  # a Sunday, 19:00 UTC
TELEGRAM_RATE = 30.0  # messages per second, bot-wide
FULL_SIZES = (100, 1_000, 5_000)
QUICK_SIZES = (5, 30)
MAX_PASSES = 10_000
CLOCK_TOLERANCE = 1e-4  # seconds


class TimedFakeBotAPI(FakeBotAPI):
    """The fake Bot API, also recording its own wall time and the virtual time of each send."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(now=clock.now)
        self.clock = clock
        self.wall = 0.0
        self.sent_at: list[float] = []

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        start = time.perf_counter()
        try:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        finally:
            self.wall += time.perf_counter() - start
            if url.endswith("/sendMessage"):
                self.sent_at.append(self.clock.now().timestamp())


@dataclass
class Harness:
    """A running production application on a prepared database."""

    app: BotApp
    api: TimedFakeBotAPI
    clock: VirtualClock
    users: list[int]

    @property
    def services(self) -> Services:
        services = self.app.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services


def _question_rows(user_ids: Sequence[int]) -> list[dict[str, Any]]:
    sections = {q.key: q.section.value for q in DEFAULT_QUESTIONS}
    return [
        {
            "user_id": uid,
            "key": key,
            "text": None,
            "section": sections.get(key, "rotating"),
            "enabled": True,
            "position": position,
        }
        for uid in user_ids
        for position, key in enumerate(default_order())
    ]


async def prepare(users: int, folder: Path) -> Harness:
    """Start the application like tests/conftest.py and insert ``users`` due users."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # PTB 22's opt-in; silences its warning
    clock = VirtualClock(SLOT)
    api = TimedFakeBotAPI(clock)
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "database_url": f"sqlite+aiosqlite:///{folder / 'scheduler.sqlite3'}",
        "default_timezone": "UTC",
        "_env_file": None,  # the settings are exactly these, whatever .env holds
    }
    settings = Settings(**values)
    app = build_application(settings, clock=clock, request=api)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)  # migrates the database, schedules the tick
    user_ids = list(range(10_001, 10_001 + users))
    rows = [
        synthetic.user_row(
            uid,
            "ko" if uid % 2 else "en",
            SLOT - dtm.timedelta(days=30),
            next_due_at=SLOT,
            last_seen_at=SLOT - dtm.timedelta(days=2),
        )
        for uid in user_ids
    ]
    services: Services = app.bot_data[SERVICES_KEY]
    async with services.engine.begin() as conn:
        await conn.execute(insert(User), rows)
        await conn.execute(insert(UserQuestion), _question_rows(user_ids))
    for uid in user_ids:
        api.add_chat({"id": uid, "type": "private", "first_name": f"User {uid}"})
    api.clear()
    return Harness(app, api, clock, user_ids)


async def close(harness: Harness) -> None:
    await harness.app.shutdown()
    assert harness.app.post_shutdown is not None
    await harness.app.post_shutdown(harness.app)


async def _due_count(services: Services, now: dtm.datetime) -> int:
    async with services.transaction() as session:
        found = await session.scalar(
            select(func.count()).select_from(User).where(User.next_due_at <= now)
        )
    return int(found or 0)


async def drain(harness: Harness) -> dict[str, Any]:
    """Run scheduler passes as the JobQueue would until nobody is due; the raw numbers."""
    services, clock, api = harness.services, harness.clock, harness.api
    interval = services.settings.scheduler_interval_seconds
    start = clock.now()
    passes: list[dict[str, float]] = []
    while await _due_count(services, clock.now()):
        if len(passes) >= MAX_PASSES:
            raise RuntimeError("the scheduler does not make progress")
        sent_before, fake_before, virtual_before = len(api.sent_at), api.wall, clock.now()
        began = time.perf_counter()
        await weekly.run_due(services)  # claims and queues the prompts in the outbox
        await harness.app.bot_data["pipeline"].settle()  # the paced sender sends them
        wall = time.perf_counter() - began
        passes.append(
            {
                "wall": wall,
                "fake_api_wall": api.wall - fake_before,
                "sent": len(api.sent_at) - sent_before,
                "virtual": (clock.now() - virtual_before).total_seconds(),
            }
        )
        if passes[-1]["sent"] == 0:
            raise RuntimeError("a scheduler pass sent nothing while users were due")
        # The next tick: one interval after the last, or (max_instances=1) the first tick
        # after this pass ended.
        elapsed = (clock.now() - start).total_seconds()
        ticks = max(len(passes), math.ceil(elapsed / interval))
        clock.set(max(clock.now(), start + dtm.timedelta(seconds=interval * ticks)))
    return {"passes": passes, **await _outcome(harness)}


async def _outcome(harness: Harness) -> dict[str, Any]:
    api = harness.api
    prompts = collections.Counter(
        call.chat_id for call in api.calls if call.method == "sendMessage" and call.delivered
    )
    async with harness.services.transaction() as session:
        statuses = collections.Counter(
            (await session.execute(select(Review.status))).scalars().all()
        )
    sent = sorted(api.sent_at)
    # Telegram's limit: no more than TELEGRAM_RATE sends in any one-second window. The clock
    # has microsecond steps, so a send due at exactly +1 s may land a microsecond early.
    window_peak, left = 0, 0
    for right, instant in enumerate(sent):
        while instant - sent[left] >= 1.0 - CLOCK_TOLERANCE:
            left += 1
        window_peak = max(window_peak, right - left + 1)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    return {
        "users": len(harness.users),
        "exactly_once": all(prompts[uid] == 1 for uid in harness.users)
        and len(prompts) == len(harness.users),
        "failed_calls": sum(1 for call in api.calls if not call.ok),
        "review_statuses": dict(statuses),
        "peak_per_second": window_peak,
        "min_gap": min(gaps) if gaps else None,
        "last_prompt_after": (sent[-1] - SLOT.timestamp()) if sent else None,
    }


async def run_one(users: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as folder:
        harness = await prepare(users, Path(folder))
        try:
            return await drain(harness)
        finally:
            await close(harness)


def main(argv: Sequence[str] | None = None) -> Report:
    args = parse_args(argv, __doc__ or "")
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    report = Report(
        name="scheduler_tick",
        title="Scheduler: M users due at once, prompted through the production Application",
        target=(
            f"every user gets exactly one prompt; never more than {TELEGRAM_RATE:.0f} sends in "
            f"any second of virtual time, so M sends take at least ⌈M/{TELEGRAM_RATE:.0f}⌉ − 1 s "
            "of virtual time"
        ),
        quick=args.quick,
    )
    results = {str(m): asyncio.run(run_one(m)) for m in sizes}
    report.data = {"batch": weekly.BATCH, "sizes": results}
    table = Table(
        f"run_due passes until nobody is due (users read in batches of {weekly.BATCH}; a pass "
        "takes every batch due; passes start every 30 s)",
        [
            "users M",
            "passes",
            "1st pass wall s",
            "all passes wall s",
            "wall ms/user",
            "fake API share",
            "virtual s sending",
            "floor s",
            "peak sends/s",
            "last prompt after",
            "exactly once",
        ],
    )
    ok = True
    for m, found in results.items():
        passes = found["passes"]
        wall = sum(p["wall"] for p in passes)
        sending = sum(p["virtual"] for p in passes)
        users = int(m)
        # At most 30 sends in any one-second window: n sends need ⌈n/30⌉ − 1 s at least.
        floor = sum(math.ceil(p["sent"] / TELEGRAM_RATE) - 1 for p in passes)
        ok = (
            ok
            and found["exactly_once"]
            and found["peak_per_second"] <= TELEGRAM_RATE
            and sending >= floor - CLOCK_TOLERANCE * users
        )
        table.rows.append(
            [
                f"{users:,}",
                str(len(passes)),
                f"{passes[0]['wall']:.2f}",
                f"{wall:.2f}",
                ms(wall / users),
                f"{sum(p['fake_api_wall'] for p in passes) / wall:.0%}",
                f"{sending:.1f}",
                f"{floor:.1f}",
                str(found["peak_per_second"]),
                f"{found['last_prompt_after']:.0f} s",
                "yes" if found["exactly_once"] else "NO",
            ]
        )
    report.tables.append(table)
    report.passed = ok
    largest = results[str(sizes[-1])]
    report.verdict = (
        f"{sizes[-1]:,} users: "
        + ("each prompted exactly once" if largest["exactly_once"] else "NOT exactly once")
        + f", peak {largest['peak_per_second']} sends/s, last prompt "
        f"{largest['last_prompt_after']:.0f} s (virtual) after the slot"
    )
    report.notes += [
        "Wall time is CPU work: database transactions, PTB request building and the fake API "
        "(which parses and validates every message's HTML, as Telegram would).",
        "Virtual time is what users wait: the rate limiter sleeps on the injected clock. Each "
        f"pass of n sends takes at least ⌈n/{TELEGRAM_RATE:.0f}⌉ − 1 s ('floor' sums that over "
        "the passes: at most 30 sends in any one-second window). The JobQueue starts a pass "
        "every 30 s, so 'last prompt after' includes the idle time between passes.",
    ]
    return finish(report, args)


if __name__ == "__main__":
    main()
