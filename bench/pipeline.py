"""Benchmark 5: the real ``python -m bot run`` next to a bare python-telegram-bot echo bot.

Run: ``.venv/bin/python -m bench.pipeline [--quick] [--json PATH] [--apart] [--workdir DIR]``.

Both bots talk HTTP to their own strict :class:`~tests.fakes.http_api.LoopbackBotAPI` (Telegram's
``getUpdates`` offsets; 429 past 30 requests in any sliding second overall or a second send in
one chat within a second). Every number comes from what reaches the server, timed on arrival.

* **The bot** runs as a self-hoster starts it: ``python -m bot run`` with
  ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL``, a SQLite file in ``DATABASE_URL``,
  ``ENCRYPTION_KEY`` (its keyring the default file beside the database) and
  ``LOG_LEVEL=WARNING``; the scheduler keeps its default 30-s tick, whose first run comes a
  second after the start. Before it starts, the database is migrated with
  ``python -m bot db upgrade`` and seeded with onboarded users, each with a data key.
* **The baseline** is ``bench/echo_bot.py``: PTB's ``Application`` with its ``AIORateLimiter``
  (30/s), a ``MessageHandler`` that echoes the text with ``reply_text``, ``run_polling``; its
  fan-out is the same bot object sending one message to each chat with ``asyncio.gather``.

What is measured, in one run:

1. **Fan-out.** N onboarded users whose weekly slot passed a minute ago (``next_due_at``), in
   five time zones, are prompted by the scheduler tick. Every user must get exactly one
   ``sendMessage`` (the prompt, with its Start button); reported with the 429 answers, the
   steady send rate (sends between the 5th and 95th percentile send times over that span)
   and when the first and last prompt arrived after the process was started. Echo side: the
   fan-out script, one message to each of N chats. By default both fan-outs run at the same
   time (they are paced, not CPU-bound, and take about three minutes each); ``--apart`` runs
   the echo fan-out after the bot's.
2. **Burst.** 2,000 text notes from 200 users (10 each, interleaved user by user) pushed at
   once; time until the last one is acknowledged (bot: a reaction on it or a send replying
   to it; echo: a ``sendMessage`` with its text to its chat), and the 429 answers.
3. **CPU per 1,000 notes** of the bot or echo process during that burst (utime + stime from
   ``/proc/<pid>/stat``, push to last acknowledgement).
4. **Latency at low load.** 60 notes, one at a time from ten of the burst users in turn: the
   next is pushed 0.2 s after the previous one was acknowledged. Push to the acknowledgement's
   arrival at the server, p50 and p95.

The bot is judged against the targets; the echo bot is the reference for items 3 and 4.

For context, items 2 to 4 also run against ``bench/echo_bot.py run --store``: the echo bot
committing each note to SQLite (the bot's own engine and settings) before echoing it, the
least any bot can do that acknowledges nothing before it is stored. Its ratios to the bare
echo bot show what storing alone costs on this stack; they are not judged.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dtm
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert

from bench import profiling, synthetic
from bench.common import ROOT, Report, Stats, Table, finish, make_parser
from bench.loopback import BenchAPI, Key, Process, Tracker, log_problems
from bot.domain.questions import DEFAULT_QUESTIONS, default_order
from bot.storage.models import User, UserQuestion
from tests.fakes.http_api import ApiCall

TOKEN = "123456789:AAE-fake-token-for-tests-only-0123456789"
TELEGRAM_RATE = 30.0  # messages per second, bot-wide
RATE_TARGET = 0.95 * TELEGRAM_RATE
BURST_SLACK = 1.2  # the burst may take 1.2× what 30 msg/s needs
RATIO_TARGET = 2.0
FANOUT_FIRST = 10_001
BURST_FIRST = 900_001
ZONES = ("UTC", "Europe/Berlin", "Asia/Seoul", "America/New_York", "Asia/Kolkata")
LATENCY_CHATS = 10
LATENCY_GAP = 0.2  # seconds between an acknowledgement and the next note
LATENCY_TIMEOUT = 20.0  # per note
START_TIMEOUT = 60.0  # spawn to first getUpdates
RATE_WINDOW = 20.0  # seconds per bucket of the fan-out's send-rate series
IDLE_GIVE_UP = 30.0  # nothing arrived at the server for this long and nothing is pending


@dataclass(frozen=True)
class Sizes:
    fanout: int
    burst_users: int
    notes_per_user: int
    latency_notes: int
    settle: float  # quiet seconds before a phase (also the idle CPU sample) and after a burst

    @property
    def notes(self) -> int:
        return self.burst_users * self.notes_per_user


FULL = Sizes(fanout=5_000, burst_users=200, notes_per_user=10, latency_notes=60, settle=2.0)
QUICK = Sizes(fanout=200, burst_users=10, notes_per_user=4, latency_notes=6, settle=0.5)


def burst_target(sizes: Sizes) -> float:
    """Seconds: 1.2 × the time ``notes`` messages take at 30 msg/s (80 s for 2,000)."""
    return BURST_SLACK * sizes.notes / TELEGRAM_RATE


# --------------------------------------------------------------------------- set-up


def child_env(api: BenchAPI, **extra: str) -> dict[str, str]:
    """The environment of a child: ours without any bot settings, plus the loopback API."""
    dropped = ("DATABASE_URL", "ALLOWED_USER_IDS", "DEFAULT_TIMEZONE", "LOG_LEVEL", "KEYRING_URL")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in dropped
        and not k.startswith(("TELEGRAM_", "WEBHOOK_", "SCHEDULER_", "PYTHONPATH", "ENCRYPTION_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        ENCRYPTION_KEY=synthetic.MASTER_KEY,  # the keyring is the default one, beside the database
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PTB_TIMEDELTA="true",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


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


def _user(uid: int, slot: dtm.datetime, due: dtm.datetime) -> dict[str, Any]:
    """An onboarded user whose weekly slot (weekday, hour in their zone) is ``slot``."""
    zone = ZONES[uid % len(ZONES)]
    local = slot.astimezone(ZoneInfo(zone))
    return synthetic.user_row(
        uid,
        "ko" if uid % 2 else "en",
        slot - dtm.timedelta(days=30),
        timezone=zone,
        review_weekday=local.weekday(),
        review_hour=local.hour,
        next_due_at=due,
        last_seen_at=slot - dtm.timedelta(days=2),
    )


async def data_key_ids(db_path: Path, user_ids: Sequence[int], now: dtm.datetime) -> list[str]:
    """A data key for each user, made in the keyring beside ``db_path`` with the bot's master
    key (:data:`bench.synthetic.MASTER_KEY`, which :func:`child_env` gives the bot)."""
    from bot.crypto.vault import KeyConfig, Vault

    url = f"sqlite+aiosqlite:///{db_path}"
    vault = Vault(KeyConfig.from_settings(synthetic.key_settings(), url))
    try:
        await vault.open(now)
        keys = await synthetic.add_data_keys(vault, user_ids, now)
    finally:
        await vault.close()
    return [keys[uid].key_id for uid in user_ids]


def seed(workdir: Path, env: dict[str, str], db_path: Path, sizes: Sizes) -> dict[str, Any]:
    """Migrate with ``python -m bot db upgrade``, then insert the fan-out and burst users, each
    with a data key of their own (as the bot makes one when it creates a user)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bot db upgrade failed ({done.returncode}): {done.stderr[-2000:]}")
    slot = dtm.datetime.now(dtm.UTC).replace(microsecond=0) - dtm.timedelta(minutes=1)
    fanout = fanout_ids(sizes)
    burst = burst_ids(sizes)
    rows = [_user(uid, slot, slot) for uid in fanout]
    # Burst users are onboarded too, but their next slot is a week away.
    rows += [_user(uid, slot, slot + dtm.timedelta(days=7)) for uid in burst]
    key_ids = asyncio.run(data_key_ids(db_path, fanout + burst, slot))
    for row, key_id in zip(rows, key_ids, strict=True):
        row["key_id"] = key_id
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            conn.execute(insert(User), rows)
            conn.execute(insert(UserQuestion), _question_rows(fanout + burst))
    finally:
        engine.dispose()
    return {"slot": slot.isoformat(), "users": len(rows), "seconds": time.perf_counter() - started}


def fanout_ids(sizes: Sizes) -> list[int]:
    return list(range(FANOUT_FIRST, FANOUT_FIRST + sizes.fanout))


def burst_ids(sizes: Sizes) -> list[int]:
    return list(range(BURST_FIRST, BURST_FIRST + sizes.burst_users))


def is_prompt(call: ApiCall) -> bool:
    """The weekly prompt: a message with the review's Start button."""
    return "rv:start:" in json.dumps(call.params.get("reply_markup"))


# --------------------------------------------------------------------------- phases


def wait_polling(api: BenchAPI, process: Process) -> float:
    """Seconds from spawn to the process's first getUpdates (seen waiting, or answered);
    raises if it exits first or never polls."""
    since = process.started_at
    seen: list[float] = []

    def polling() -> bool:
        # A long poll is recorded only when it returns; one waiting shows in waiting_polls.
        if api.waiting_polls > 0 or any(p.at >= since for p in api.polls()):
            seen.append(time.monotonic())
            return True
        return not process.alive

    api.wait_until(polling, START_TIMEOUT, poll=0.02)
    if not process.alive or not seen:
        raise RuntimeError(f"{process.name} did not start polling:\n{process.output()[-3000:]}")
    answered = [p.at for p in api.polls() if p.at >= since]
    return min([*answered, seen[0]]) - since


def steady_rate(times: Sequence[float]) -> float | None:
    """Sends between the 5th and 95th percentile send times divided by that span."""
    ordered = sorted(times)
    if len(ordered) < 3:
        return None
    low, high = round(0.05 * (len(ordered) - 1)), round(0.95 * (len(ordered) - 1))
    span = ordered[high] - ordered[low]
    return (high - low) / span if span > 0 else None


def peak_per_second(times: Sequence[float]) -> int:
    """The most timestamps in any half-open one-second window."""
    ordered, best, left = sorted(times), 0, 0
    for right, instant in enumerate(ordered):
        while instant - ordered[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


def fanout_outcome(
    tracker: Tracker, started_at: float, users: Sequence[int], too_many: int
) -> dict[str, Any]:
    sends, _ = tracker.snapshot()
    times = [at for at, _, _ in sends]
    per_chat = Counter(chat for _, chat, _ in sends)
    gaps = [b - a for a, b in itertools.pairwise(sorted(times))]
    by_window: Counter[int] = Counter(int((at - started_at) // RATE_WINDOW) for at in times)
    matching = sum(1 for _, _, match in sends if match)
    once = sum(1 for uid in users if per_chat[uid] == 1)
    return {
        "users": len(users),
        "sends": len(sends),
        "prompted_once": once,
        "prompted_twice_or_more": sum(1 for v in per_chat.values() if v > 1),
        "not_prompted": sum(1 for uid in users if per_chat[uid] == 0),
        "sends_not_a_prompt": len(sends) - matching,
        "exactly_once": once == len(users) and matching == len(sends) == len(users),
        "too_many_requests": too_many,
        "steady_rate": steady_rate(times),
        "peak_per_second": peak_per_second(times),
        "median_gap": statistics.median(gaps) if gaps else None,
        f"sends_per_{RATE_WINDOW:.0f}s_after_start": [
            by_window[w] for w in range(max(by_window, default=-1) + 1)
        ],
        "first_after_start": (min(times) - started_at) if times else None,
        "last_after_start": (max(times) - started_at) if times else None,
    }


def wait_fanout(tracker: Tracker, process: Process, users: int, deadline: float) -> bool:
    """Until ``users`` fan-out sends arrived (or the process died, or the deadline)."""
    return tracker.wait(
        lambda t: len(t.fanout_sends) >= users,
        max(deadline - time.monotonic(), 0.0),
        give_up=lambda t: not process.alive,
    )


def fanout_timeout(sizes: Sizes) -> float:
    return 1.5 * sizes.fanout / (RATE_TARGET - 1) + 60.0


def idle_cpu(process: Process, seconds: float) -> float:
    """CPU seconds per second while nothing is asked of the process."""
    before = process.cpu_seconds()
    time.sleep(seconds)
    return (process.cpu_seconds() - before) / seconds


def burst(
    api: BenchAPI,
    tracker: Tracker,
    process: Process,
    sizes: Sizes,
    timeout: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Push every burst note at once; wait until all are acknowledged (bounded). With
    ``profile`` (a file), py-spy samples the process meanwhile."""
    users = burst_ids(sizes)
    messages = [
        (uid, f"burst note {n} from {uid}")
        for n in range(1, sizes.notes_per_user + 1)
        for uid in users
    ]
    idle_rate = idle_cpu(process, sizes.settle)
    too_many, methods = api.too_many_requests, Counter(tracker.methods)
    sampler = profiling.start(process.pid, profile) if profile is not None else None
    cpu_before = process.cpu_seconds()
    pushed_at = time.monotonic()
    keys = set(tracker.expect(api.push_texts(messages), pushed_at))

    def stuck(t: Tracker) -> bool:
        quiet = time.monotonic() - max(t.last_call_at, pushed_at) > IDLE_GIVE_UP
        return not process.alive or (quiet and api.pending_count == 0)

    done = tracker.wait(_acknowledged(keys), timeout, give_up=stuck)
    cpu_during = process.cpu_seconds() - cpu_before
    profiling.stop(sampler)
    _, acked = tracker.snapshot()
    times = [acked[k] for k in keys if k in acked]
    time.sleep(sizes.settle)  # the last results being recorded
    cpu_with_tail = process.cpu_seconds() - cpu_before
    return {
        "notes": len(keys),
        "acknowledged": len(times),
        "all_acknowledged": done,
        "seconds": (max(times) - pushed_at) if done and times else None,
        "last_ack_after": (max(times) - pushed_at) if times else None,
        "waited": time.monotonic() - pushed_at - sizes.settle,
        "too_many_requests": api.too_many_requests - too_many,
        "requests": dict(Counter(tracker.methods) - methods),
        "cpu_seconds": cpu_during,
        "cpu_seconds_with_tail": cpu_with_tail,
        "cpu_per_1000_notes": cpu_during / (len(keys) / 1000),
        "idle_cpu_per_second": idle_rate,
    }


def _acknowledged(keys: set[Key]) -> Callable[[Tracker], bool]:
    return lambda tracker: not tracker.waiting_for(keys)


def latency(api: BenchAPI, tracker: Tracker, process: Process, sizes: Sizes) -> dict[str, Any]:
    """One note at a time; push → acknowledgement on arrival at the server."""
    users = burst_ids(sizes)[:LATENCY_CHATS]
    time.sleep(sizes.settle)
    too_many = api.too_many_requests
    samples: list[float] = []
    missed = 0
    for n in range(sizes.latency_notes):
        if not process.alive:
            break
        uid = users[n % len(users)]
        pushed_at = time.monotonic()
        key: Key = tracker.expect(
            [api.push_text(uid, f"latency note {n + 1} from {uid}")], pushed_at
        )[0]
        if tracker.wait(_acknowledged({key}), LATENCY_TIMEOUT):
            _, acked = tracker.snapshot()
            samples.append(acked[key] - pushed_at)
        else:
            missed += 1
        time.sleep(LATENCY_GAP)
    stats = Stats.of(samples) if samples else None
    return {
        "notes": sizes.latency_notes,
        "acknowledged": len(samples),
        "missed": missed,
        "p50": stats.median if stats else None,
        "p95": stats.p95 if stats else None,
        "max": stats.maximum if stats else None,
        "min": stats.minimum if stats else None,
        "mean": statistics.fmean(samples) if samples else None,
        "too_many_requests": api.too_many_requests - too_many,
    }


# --------------------------------------------------------------------------- one run


def measure(
    sizes: Sizes, folder: Path, *, apart: bool = False, profile: bool = False
) -> dict[str, Any]:
    """Both sides, every phase; the raw numbers. ``profile``: py-spy samples both bots during
    their bursts, into ``folder`` (the numbers of such a run are perturbed a little)."""
    bot_dir, echo_dir, store_dir = folder / "bot", folder / "echo", folder / "storing-echo"
    for directory in (bot_dir, echo_dir, store_dir):
        directory.mkdir(parents=True, exist_ok=True)
    fanout = fanout_ids(sizes)
    found: dict[str, Any] = {
        "sizes": asdict(sizes),
        "apart": apart,
        "load_average_before": os.getloadavg(),
    }
    processes: list[Process] = []
    laps = Laps()
    found["phase_seconds"] = laps.seconds
    with (
        BenchAPI(token=TOKEN, strict=True) as bot_api,
        BenchAPI(token=TOKEN, strict=True) as echo_api,
        BenchAPI(token=TOKEN, strict=True) as store_api,
    ):
        bot_tracker = Tracker("reaction_or_reply", frozenset(fanout), is_prompt).attach(bot_api)
        echo_tracker = Tracker("echo", frozenset(fanout)).attach(echo_api)
        store_tracker = Tracker("echo").attach(store_api)
        bot_api.add_private_chats(fanout)
        echo_api.add_private_chats(fanout)
        db_path = bot_dir / "bot.sqlite3"
        # The scheduler ticks at its default interval, as deployed (the first tick comes a
        # second after the start, and one tick prompts everybody due).
        bot_env = child_env(bot_api, DATABASE_URL=f"sqlite+aiosqlite:///{db_path}")
        echo_env = child_env(echo_api)
        try:
            found["seed"] = seed(bot_dir, bot_env, db_path, sizes)
            laps.lap("seed")
            bot = Process("bot", [sys.executable, "-m", "bot", "run"], bot_dir, bot_env)
            processes.append(bot)
            fan_command = [sys.executable, "-m", "bench.echo_bot", "fanout"]
            fan_command += ["--first", str(FANOUT_FIRST), "--count", str(sizes.fanout)]

            def start_echo_fanout() -> Process:
                process = Process("echo-fanout", fan_command, echo_dir, echo_env)
                processes.append(process)
                return process

            fan = None if apart else start_echo_fanout()
            bot_ready = wait_polling(bot_api, bot)
            bot_done = wait_fanout(
                bot_tracker, bot, sizes.fanout, bot.started_at + fanout_timeout(sizes)
            )
            bot_fanout_429 = bot_api.too_many_requests
            if fan is None:
                fan = start_echo_fanout()
            fan_code = fan.wait(max(fan.started_at + fanout_timeout(sizes) - time.monotonic(), 1))
            echo_done = wait_fanout(
                echo_tracker, fan, sizes.fanout, time.monotonic() + sizes.settle
            )
            laps.lap("fan-out")
            found["echo_fanout"] = {
                "completed": echo_done,
                "exit_code": fan_code,
                "script": _last_json(fan.output()),
                **fanout_outcome(echo_tracker, fan.started_at, fanout, echo_api.too_many_requests),
            }

            found["bot_burst"] = burst(
                bot_api,
                bot_tracker,
                bot,
                sizes,
                _burst_timeout(sizes),
                folder / "bot-burst.pyspy.txt" if profile else None,
            )
            laps.lap("bot burst")
            found["bot_latency"] = latency(bot_api, bot_tracker, bot, sizes)
            laps.lap("bot latency")
            # Judged only now, minutes after the slot: a second prompt would have shown up.
            found["bot_fanout"] = {
                "completed": bot_done,
                "ready_after": bot_ready,
                **fanout_outcome(bot_tracker, bot.started_at, fanout, bot_fanout_429),
            }
            found["bot_exit_code"] = bot.stop()
            laps.lap("bot stop")
            found["bot_log"] = log_problems(bot.output())

            echo = Process(
                "echo-bot", [sys.executable, "-m", "bench.echo_bot", "run"], echo_dir, echo_env
            )
            processes.append(echo)
            found["echo_ready_after"] = wait_polling(echo_api, echo)
            laps.lap("echo start")
            found["echo_burst"] = burst(
                echo_api,
                echo_tracker,
                echo,
                sizes,
                _burst_timeout(sizes),
                folder / "echo-burst.pyspy.txt" if profile else None,
            )
            laps.lap("echo burst")
            found["echo_latency"] = latency(echo_api, echo_tracker, echo, sizes)
            laps.lap("echo latency")
            found["echo_exit_code"] = echo.stop()
            laps.lap("echo stop")
            found["echo_log"] = log_problems(fan.output() + echo.output())

            store_command = [sys.executable, "-m", "bench.echo_bot", "run", "--store"]
            storing = Process(
                "storing-echo-bot",
                [*store_command, str(store_dir / "echo.sqlite3")],
                store_dir,
                child_env(store_api),
            )
            processes.append(storing)
            found["store_ready_after"] = wait_polling(store_api, storing)
            found["store_burst"] = burst(
                store_api, store_tracker, storing, sizes, _burst_timeout(sizes)
            )
            laps.lap("storing echo burst")
            found["store_latency"] = latency(store_api, store_tracker, storing, sizes)
            laps.lap("storing echo latency")
            found["store_exit_code"] = storing.stop()
            found["store_log"] = log_problems(storing.output())
            found["load_average_after"] = os.getloadavg()
            for side in ("bot", "echo") if profile else ():
                raw = folder / f"{side}-burst.pyspy.txt"
                if raw.exists():
                    found[f"{side}_burst_profile"] = profiling.summarize(raw)
            found["calls"] = {
                "bot": dict(bot_api.methods_called()),
                "echo": dict(echo_api.methods_called()),
                "storing_echo": dict(store_api.methods_called()),
            }
        finally:
            for process in processes:
                process.kill()
    return found


class Laps:
    """Wall seconds of each phase, for the report and for keeping the run short."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self._mark, 2)
        self._mark = now


def _burst_timeout(sizes: Sizes) -> float:
    return max(3 * sizes.notes / TELEGRAM_RATE, 60.0)


def _last_json(output: str) -> dict[str, Any] | None:
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            return value if isinstance(value, dict) else None
    return None


# --------------------------------------------------------------------------- report


def _num(value: float | None, fmt: str = ".1f", unit: str = "") -> str:
    return "—" if value is None else f"{value:{fmt}}{unit}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "MISSED")


def judge(found: dict[str, Any], sizes: Sizes) -> dict[str, bool]:
    fan, burst_ = found["bot_fanout"], found["bot_burst"]
    rate = fan["steady_rate"]
    cpu_ratio = _ratio(burst_["cpu_per_1000_notes"], found["echo_burst"]["cpu_per_1000_notes"])
    lat_ratio = _ratio(found["bot_latency"]["p50"], found["echo_latency"]["p50"])
    return {
        "fanout_exactly_once": bool(fan["exactly_once"]),
        "fanout_no_429": fan["too_many_requests"] == 0,
        "fanout_rate": rate is not None and rate >= RATE_TARGET,
        "burst_time": burst_["seconds"] is not None and burst_["seconds"] <= burst_target(sizes),
        "cpu_ratio": cpu_ratio is not None and cpu_ratio <= RATIO_TARGET,
        "latency_ratio": lat_ratio is not None and lat_ratio <= RATIO_TARGET,
    }


def build_report(found: dict[str, Any], sizes: Sizes, quick: bool) -> Report:
    n, notes = sizes.fanout, sizes.notes
    limit = burst_target(sizes)
    report = Report(
        name="pipeline",
        title="Pipeline: the real bot process vs. a bare PTB echo bot (strict loopback Bot API)",
        target=(
            f"{n:,} users due at once: each prompted exactly once, no 429, steady rate ≥ "
            f"{RATE_TARGET:.1f} msg/s; {notes:,} burst notes all acknowledged within "
            f"{limit:.0f} s; CPU per 1,000 notes and p50 note→acknowledgement latency at most "
            f"{RATIO_TARGET:.0f}× the echo bot's"
        ),
        quick=quick,
    )
    verdicts = judge(found, sizes)
    bf, ef = found["bot_fanout"], found["echo_fanout"]
    bb, eb = found["bot_burst"], found["echo_burst"]
    bl, el = found["bot_latency"], found["echo_latency"]
    cpu_ratio = _ratio(bb["cpu_per_1000_notes"], eb["cpu_per_1000_notes"])
    lat_ratio = _ratio(bl["p50"], el["p50"])

    def once(f: dict[str, Any]) -> str:
        return f"{f['prompted_once']:,} / {f['users']:,}" + ("" if f["exactly_once"] else " (!)")

    def acked(b: dict[str, Any]) -> str:
        if b["all_acknowledged"]:
            return _num(b["seconds"])
        return f"{b['acknowledged']:,}/{b['notes']:,} after {b['waited']:.0f}"

    table = Table(
        "Side by side (times in s unless noted; echo = PTB Application + AIORateLimiter)",
        ["measure", "weekly-review-bot", "PTB echo bot", "target (bot)", "bot"],
    )
    table.rows += [
        [
            f"(1) fan-out: users with exactly one message (of {n:,})",
            once(bf),
            once(ef),
            "all",
            _mark(verdicts["fanout_exactly_once"]),
        ],
        [
            "(1) fan-out: 429 answers",
            f"{bf['too_many_requests']:,}",
            f"{ef['too_many_requests']:,}",
            "0",
            _mark(verdicts["fanout_no_429"]),
        ],
        [
            "(1) fan-out: steady send rate p5–p95, msg/s",
            _num(bf["steady_rate"], ".2f"),
            _num(ef["steady_rate"], ".2f"),
            f"≥ {RATE_TARGET:.1f}",
            _mark(verdicts["fanout_rate"]),
        ],
        [
            "(1) fan-out: busiest 1-s window, sends",
            str(bf["peak_per_second"]),
            str(ef["peak_per_second"]),
            "",
            "—",
        ],
        [
            "(1) fan-out: first / last message after process start",
            f"{_num(bf['first_after_start'])} / {_num(bf['last_after_start'])}",
            f"{_num(ef['first_after_start'])} / {_num(ef['last_after_start'])}",
            f"(N − 1)/29 = {(n - 1) / 29:.0f} s of sending",
            "—",
        ],
        [
            f"(2) burst: all {notes:,} notes acknowledged after",
            acked(bb),
            acked(eb),
            f"≤ {limit:.0f}",
            _mark(verdicts["burst_time"]),
        ],
        [
            "(2) burst: 429 answers",
            f"{bb['too_many_requests']:,}",
            f"{eb['too_many_requests']:,}",
            "",
            "—",
        ],
        [
            "(2) burst: requests that took effect",
            _requests(bb["requests"]),
            _requests(eb["requests"]),
            "",
            "—",
        ],
        [
            "(3) CPU per 1,000 notes (process utime + stime), s",
            _num(bb["cpu_per_1000_notes"], ".2f"),
            _num(eb["cpu_per_1000_notes"], ".2f"),
            f"≤ {RATIO_TARGET:.1f}× echo",
            _mark(verdicts["cpu_ratio"]),
        ],
        ["(3) CPU ratio bot / echo", _num(cpu_ratio, ".2f", "×"), "", "", ""],
        [
            f"(4) latency, {sizes.latency_notes} notes one at a time: p50 / p95, ms",
            f"{_ms(bl['p50'])} / {_ms(bl['p95'])}",
            f"{_ms(el['p50'])} / {_ms(el['p95'])}",
            f"p50 ≤ {RATIO_TARGET:.1f}× echo",
            _mark(verdicts["latency_ratio"]),
        ],
        ["(4) latency p50 ratio bot / echo", _num(lat_ratio, ".2f", "×"), "", "", ""],
    ]
    report.tables.append(table)
    report.tables.append(storing_table(found, sizes))

    details = Table(
        "Details",
        ["", "weekly-review-bot", "PTB echo bot"],
        [
            [
                "process start → first getUpdates, s",
                _num(bf["ready_after"], ".2f"),
                _num(found["echo_ready_after"], ".2f")
                + " (echo bot; the fan-out script does not poll)",
            ],
            [
                f"burst: CPU s during / incl. {sizes.settle:g} s after / idle CPU s per s before",
                f"{bb['cpu_seconds']:.2f} / {bb['cpu_seconds_with_tail']:.2f} / "
                f"{bb['idle_cpu_per_second']:.3f}",
                f"{eb['cpu_seconds']:.2f} / {eb['cpu_seconds_with_tail']:.2f} / "
                f"{eb['idle_cpu_per_second']:.3f}",
            ],
            [
                "latency: notes acknowledged / min / mean / max, ms",
                _latency_line(bl),
                _latency_line(el),
            ],
            [
                "latency phase: 429 answers",
                str(bl["too_many_requests"]),
                str(el["too_many_requests"]),
            ],
            [
                "log lines WARNING+ / tracebacks",
                _log_line(found["bot_log"]),
                _log_line(found["echo_log"]),
            ],
            [
                "exit code after SIGINT",
                str(found["bot_exit_code"]),
                str(found["echo_exit_code"]),
            ],
            [
                f"fan-out sends per {RATE_WINDOW:.0f} s after process start",
                _series(bf),
                _series(ef),
            ],
            [
                "fan-out median gap between sends, ms",
                _ms(bf["median_gap"]),
                _ms(ef["median_gap"]),
            ],
            [
                "machine load average (1 min) before / after the run",
                f"{found['load_average_before'][0]:.2f} / {found['load_average_after'][0]:.2f}",
                "(same run)",
            ],
        ],
    )
    report.tables.append(details)
    for side in ("bot", "echo"):
        if f"{side}_burst_profile" in found:
            report.blocks[f"py-spy, {side} process during the burst"] = found[
                f"{side}_burst_profile"
            ]
        log = found[f"{side}_log"]
        if log["lines"]:
            text = "\n".join(f"{count:>6}  {what}" for what, count in log["lines"].items())
            text += "\n\nfirst line of each:\n" + "\n".join(log["samples"])
            report.blocks[f"{side} log, WARNING and above"] = text

    report.passed = all(verdicts.values())
    report.verdict = (
        f"fan-out {bf['prompted_once']:,}/{n:,} once, {bf['too_many_requests']} × 429, "
        f"{_num(bf['steady_rate'], '.2f')} msg/s; burst {acked(bb)} s "
        f"(target ≤ {limit:.0f}); CPU ×{_num(cpu_ratio, '.2f')}, p50 latency "
        f"×{_num(lat_ratio, '.2f')} the echo bot's (target ≤ {RATIO_TARGET:.0f}×)"
    )
    report.data = {**found, "verdicts": verdicts}
    report.notes += [
        "Each side has its own strict loopback Bot API in the benchmark process; times are "
        "arrivals at that server (time.monotonic). The servers answer with TCP_NODELAY: with "
        "Nagle's algorithm on, every answer waited ~40 ms for a delayed ACK.",
        "Fan-out: "
        + (
            "the two fan-outs ran one after the other."
            if found["apart"]
            else "the bot's and the echo script's fan-outs ran at the same time (paced, not "
            "CPU-bound); bursts and latency ran one side at a time."
        )
        + f" Users are spread over {len(ZONES)} time zones, half en and half ko, with their "
        "question lists in place; the bot's prompt is a message with the Start button.",
        "Burst: the bot acknowledges every note with a 👌 reaction and the first note of the "
        "week per user with a message too, so it makes notes + users requests (2,200 for the "
        "full size); the echo bot makes one sendMessage per note. Its handler runs one update "
        "at a time (PTB's default), and AIORateLimiter does not space messages to one private "
        "chat, so Telegram's 1 msg/s per chat is enforced only by 429s and retries.",
        "CPU is the whole process (all threads) from the push to the last acknowledgement, "
        "including the bot's 1-s scheduler ticks; 'incl. … after' adds recording the last "
        "results.",
        f"Latency: notes from {LATENCY_CHATS} users in turn, the next {LATENCY_GAP} s after the "
        "previous acknowledgement, so no chat gets more than one message a second.",
        "The storing echo bot runs the same burst and latency phases against a third server "
        "after the echo bot. It commits one INSERT per note before echoing it and keeps no "
        "inbox, outbox, users or encryption: a floor for storing with this stack, shown for "
        "context. The targets stay relative to the bare echo bot.",
    ]
    return report


def storing_table(found: dict[str, Any], sizes: Sizes) -> Table:
    """The bot and the bare echo bot next to an echo bot that commits each note to SQLite
    before echoing it: what storing alone costs on this stack (context, not a target)."""
    bb, eb, sb = found["bot_burst"], found["echo_burst"], found["store_burst"]
    bl, el, sl = found["bot_latency"], found["echo_latency"], found["store_latency"]
    cpu = [b["cpu_per_1000_notes"] for b in (bb, eb, sb)]
    p50 = [latency["p50"] for latency in (bl, el, sl)]
    return Table(
        "What storing alone costs: the echo bot committing each note to SQLite first "
        "(bench/echo_bot.py run --store; the bot's engine and SQLite settings)",
        ["measure", "weekly-review-bot", "PTB echo bot", "echo storing each note"],
        [
            [
                "(3) CPU per 1,000 notes, s",
                *(_num(value, ".2f") for value in cpu),
            ],
            [
                "(3) CPU ratio to the bare echo bot",
                _num(_ratio(cpu[0], cpu[1]), ".2f", "×"),
                "1×",
                _num(_ratio(cpu[2], cpu[1]), ".2f", "×"),
            ],
            [
                "(3) CPU ratio to the storing echo bot",
                _num(_ratio(cpu[0], cpu[2]), ".2f", "×"),
                "",
                "1×",
            ],
            [
                f"(4) latency p50 / p95, ms ({sizes.latency_notes} notes one at a time)",
                *(f"{_ms(x['p50'])} / {_ms(x['p95'])}" for x in (bl, el, sl)),
            ],
            [
                "(4) p50 ratio to the bare echo bot",
                _num(_ratio(p50[0], p50[1]), ".2f", "×"),
                "1×",
                _num(_ratio(p50[2], p50[1]), ".2f", "×"),
            ],
            [
                "(4) p50 ratio to the storing echo bot",
                _num(_ratio(p50[0], p50[2]), ".2f", "×"),
                "",
                "1×",
            ],
            [
                "(2) burst: all notes acknowledged after, s / 429 answers",
                *(
                    f"{_num(b['seconds'])} / {b['too_many_requests']:,}"
                    if b["all_acknowledged"]
                    else f"{b['acknowledged']:,}/{b['notes']:,} / {b['too_many_requests']:,}"
                    for b in (bb, eb, sb)
                ),
            ],
            [
                "log lines WARNING+ / tracebacks",
                _log_line(found["bot_log"]),
                _log_line(found["echo_log"]),
                _log_line(found["store_log"]),
            ],
        ],
    )


def _requests(requests: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {method}" for method, count in sorted(requests.items())) or "—"


def _latency_line(lat: dict[str, Any]) -> str:
    return (
        f"{lat['acknowledged']}/{lat['notes']} / {_ms(lat['min'])} / {_ms(lat['mean'])} / "
        f"{_ms(lat['max'])}"
    )


def _series(fanout: dict[str, Any]) -> str:
    return " ".join(str(n) for n in fanout[f"sends_per_{RATE_WINDOW:.0f}s_after_start"])


def _log_line(log: dict[str, Any]) -> str:
    return f"{sum(log['lines'].values())} / {log['tracebacks']}"


def main(argv: Sequence[str] | None = None) -> Report:
    parser = make_parser(__doc__ or "")
    parser.add_argument(
        "--apart", action="store_true", help="run the echo fan-out after the bot's, not with it"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the databases and logs here (default: a temp dir)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample both bots with py-spy during their bursts (pip install py-spy; the "
        "profiles go to --workdir; the run's numbers are perturbed a little)",
    )
    args: argparse.Namespace = parser.parse_args(argv)
    if args.profile and profiling.py_spy() is None:
        parser.error("--profile needs py-spy: .venv/bin/pip install py-spy")
    sizes = QUICK if args.quick else FULL
    options = {"apart": args.apart, "profile": args.profile}
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        found = measure(sizes, args.workdir, **options)
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
        try:
            found = measure(sizes, folder, **options)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return finish(build_report(found, sizes, args.quick), args)


if __name__ == "__main__":
    main()
