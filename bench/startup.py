"""Start-up time and idle memory of ``python -m bot run``, side by side with a bare echo bot.

Each round starts both processes (the bot on a fresh SQLite file, already migrated, as on
every start after the first) against their own loopback Bot API
(:class:`tests.fakes.http_api.LoopbackBotAPI`) and measures

* the time from spawning the process to its first ``getUpdates`` call, and
* its resident memory (VmRSS) after it has idled for a few seconds.

The baseline is :mod:`bench.echo_bot` (python-telegram-bot, ``AIORateLimiter``,
``run_polling``), from the same virtualenv. Targets (issue "Run it like a real service"):
idle RSS ≤ 1.6 × the echo bot's, start-up ≤ 2 × the echo bot's. Medians over the rounds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Report, Table, finish, parse_args

TOKEN = "123456789:AAE-fake-token-for-benchmarks-0123456789"
RSS_TARGET = 1.6
# What the guide prescribes besides PTB, imported by an otherwise bare echo bot: the memory
# floor any bot on this stack starts from.
STACK = "sqlalchemy.ext.asyncio,sqlalchemy.orm,aiosqlite,pydantic_settings"
START_TARGET = 2.0
IDLE_SECONDS = 3.0


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _env(base_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "WEBHOOK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        PTB_TIMEDELTA="true",
    )
    env.update(extra)
    return env


def _one(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    from tests.fakes.http_api import LoopbackBotAPI

    with LoopbackBotAPI(token=TOKEN) as api:
        env = {**env, "TELEGRAM_API_BASE_URL": api.base_url}
        began = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            polled = api.wait_until(lambda: api.last_poll_at is not None, 60)
            if not polled or process.poll() is not None:
                raise RuntimeError(f"{command} did not start")
            assert api.last_poll_at is not None
            startup = api.last_poll_at - began
            time.sleep(IDLE_SECONDS)
            rss = _rss_kib(process.pid) / 1024
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return {"startup_s": startup, "rss_mib": rss}


def measure(rounds: int) -> dict[str, Any]:
    found: dict[str, list[dict[str, float]]] = {"bot": [], "echo": [], "echo + stack": []}
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        work = Path(tmp)
        database = f"sqlite+aiosqlite:///{work / 'bot.sqlite3'}"
        bot_env = _env("http://127.0.0.1:9", DATABASE_URL=database)
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=work,
            env=bot_env,
            check=True,
            capture_output=True,
        )
        for _ in range(rounds):  # interleaved, so both see the same machine load
            found["bot"].append(_one([sys.executable, "-m", "bot", "run"], bot_env, work))
            found["echo"].append(
                _one([sys.executable, "-m", "bench.echo_bot", "run"], _env(""), work)
            )
            found["echo + stack"].append(
                _one(
                    [sys.executable, "-m", "bench.echo_bot", "run"],
                    _env("", ECHO_ALSO_IMPORT=STACK),
                    work,
                )
            )
    summary: dict[str, Any] = {}
    for who, runs in found.items():
        summary[who] = {
            "startup_s": statistics.median(r["startup_s"] for r in runs),
            "rss_mib": statistics.median(r["rss_mib"] for r in runs),
            "runs": runs,
        }
    summary["ratio"] = {
        key: summary["bot"][key] / summary["echo"][key] for key in ("startup_s", "rss_mib")
    }
    summary["floor"] = {
        key: summary["echo + stack"][key] / summary["echo"][key] for key in ("startup_s", "rss_mib")
    }
    return summary


def build_report(found: dict[str, Any], quick: bool, rounds: int) -> Report:
    ratio = found["ratio"]
    rss_ok = ratio["rss_mib"] <= RSS_TARGET
    start_ok = ratio["startup_s"] <= START_TARGET
    rows = [
        [
            who,
            f"{found[who]['startup_s'] * 1000:.0f}",
            f"{found[who]['rss_mib']:.1f}",
        ]
        for who in ("bot", "echo", "echo + stack")
    ]
    floor = found["floor"]
    rows.append(["bot ÷ echo", f"{ratio['startup_s']:.2f}×", f"{ratio['rss_mib']:.2f}×"])
    rows.append(["(echo + stack) ÷ echo", f"{floor['startup_s']:.2f}×", f"{floor['rss_mib']:.2f}×"])
    return Report(
        name="startup",
        title="Start-up and idle memory against a bare echo bot",
        target=f"idle RSS ≤ {RSS_TARGET}× and start-up to the first getUpdates ≤ "
        f"{START_TARGET}× the echo bot's",
        quick=quick,
        passed=rss_ok and start_ok,
        verdict=f"idle RSS {ratio['rss_mib']:.2f}× ({'met' if rss_ok else 'missed'}), "
        f"start-up {ratio['startup_s']:.2f}× ({'met' if start_ok else 'missed'})",
        tables=[
            Table(
                f"medians of {rounds} interleaved rounds",
                [
                    "process",
                    "start-up to first getUpdates (ms)",
                    f"RSS after {IDLE_SECONDS:.0f} s idle (MiB)",
                ],
                rows,
            )
        ],
        notes=[
            "All run from the same virtualenv against their own loopback Bot API; the bot on "
            "an already migrated SQLite file (every start after the first).",
            f"'echo + stack' is the same echo bot importing only {STACK.replace(',', ', ')} "
            "before it starts: the floor of any bot built on the prescribed stack, with no "
            "code of ours.",
        ],
        data=found,
    )


def main(argv: list[str] | None = None) -> Report:
    args = parse_args(argv, __doc__ or "")
    rounds = 1 if args.quick else 5
    return finish(build_report(measure(rounds), args.quick, rounds), args)


if __name__ == "__main__":
    main()
