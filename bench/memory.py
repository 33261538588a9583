"""Benchmark 4: memory while compiling 100 drafts and while prompting 1,000 due users.

Run: ``.venv/bin/python -m bench.memory [--quick] [--json PATH]``.

Each measurement runs in a fresh child process (``--phase NAME --mode rss|traced``) because a
process's peak RSS never goes down and tracemalloc's own bookkeeping inflates RSS:

* ``rss``: peak resident set size (``getrusage``'s ``ru_maxrss``) after imports and set-up,
  then after the work; no tracing.
* ``traced``: tracemalloc's peak of Python allocations during the work only.

Phases: ``drafts`` builds one user's 52-week journal at a time and compiles its draft
(en and ko alternating, 100 users); ``scheduler`` is :mod:`bench.scheduler_tick` with 1,000
users due at once (all run_due passes until nobody is due, fake Telegram included).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import ROOT, Report, Table, finish, make_parser, max_rss_bytes, mib

TARGET_MIB = 200.0
PHASES = ("drafts", "scheduler")
FULL_COUNTS = {"drafts": 100, "scheduler": 1_000}
QUICK_COUNTS = {"drafts": 3, "scheduler": 20}


def _drafts(count: int) -> tuple[Callable[[], None], Callable[[], None]]:
    from bench import synthetic
    from bot.reports.draft import compile_draft
    from bot.reports.stats import weeks_of_year

    weeks = weeks_of_year(2026)[:52]

    def work() -> None:
        for n in range(count):
            lang = "ko" if n % 2 else "en"
            journal = synthetic.journal(weeks, lang, variant=n)
            compile_draft(
                journal,
                2026,
                lang,
                include_private=True,
                images=synthetic.image_paths(journal),
                energy_chart="images/energy-2026.png",
                generated_on=dtm.date(2026, 12, 31),
            )
            synthetic.week_view.cache_clear()  # hold one user's journal at a time, as the bot

    return (lambda: None), work


def _scheduler(count: int) -> tuple[Callable[[], None], Callable[[], None]]:
    from bench import scheduler_tick

    loop = asyncio.new_event_loop()
    folder = tempfile.TemporaryDirectory(prefix="bench-memory-")
    harness: list[scheduler_tick.Harness] = []

    def setup() -> None:
        harness.append(loop.run_until_complete(scheduler_tick.prepare(count, Path(folder.name))))

    def work() -> None:
        try:
            found = loop.run_until_complete(scheduler_tick.drain(harness[0]))
            if not found["exactly_once"]:
                raise RuntimeError("a user did not get exactly one prompt")
        finally:
            loop.run_until_complete(scheduler_tick.close(harness[0]))
            loop.close()
            folder.cleanup()

    return setup, work


def measure_phase(phase: str, mode: str, count: int) -> dict[str, Any]:
    """Run one phase in this process and measure it (call in a fresh process)."""
    setup, work = {"drafts": _drafts, "scheduler": _scheduler}[phase](count)
    setup()
    before = max_rss_bytes()
    if mode == "traced":
        tracemalloc.start()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "phase": phase,
        "mode": mode,
        "count": count,
        "seconds": seconds,
        "rss_before": before,
        "rss_peak": max_rss_bytes(),
    }
    if mode == "traced":
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


def run_child(phase: str, mode: str, count: int) -> dict[str, Any]:
    """Measure a phase in a fresh interpreter; its last stdout line is the JSON result."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bench.memory", "--phase", phase, "--mode", mode]
    done = subprocess.run(
        [*command, "--count", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{phase}/{mode} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


Runner = Callable[[str, str, int], dict[str, Any]]


def main(argv: Sequence[str] | None = None, *, runner: Runner = run_child) -> Report | None:
    """The benchmark (or, with ``--phase``, one child measurement); ``runner`` measures one
    phase and mode, in a child process unless a test passes :func:`measure_phase`."""
    parser = make_parser(__doc__ or "")
    parser.add_argument("--phase", choices=PHASES, help="child mode: measure one phase")
    parser.add_argument("--mode", choices=("rss", "traced"), default="rss")
    parser.add_argument("--count", type=int, help="drafts or users (default: by --quick)")
    args = parser.parse_args(argv)
    counts = QUICK_COUNTS if args.quick else FULL_COUNTS
    if args.phase is not None:
        found = measure_phase(args.phase, args.mode, args.count or counts[args.phase])
        print(json.dumps(found), flush=True)
        return None

    report = Report(
        name="memory",
        title="Memory: 100 drafts, and a scheduler pass for 1,000 users",
        target=f"peak RSS under ~{TARGET_MIB:.0f} MiB for each",
        quick=args.quick,
    )
    table = Table(
        "Each row measured in a fresh process (MiB)",
        [
            "phase",
            "size",
            "RSS after imports + set-up",
            "peak RSS",
            "tracemalloc peak during work",
            "work s (untraced)",
        ],
    )
    worst = 0
    for phase in PHASES:
        rss = runner(phase, "rss", counts[phase])
        traced = runner(phase, "traced", counts[phase])
        report.data[phase] = {"rss": rss, "traced": traced}
        worst = max(worst, rss["rss_peak"])
        size = f"{counts[phase]:,} " + ("drafts" if phase == "drafts" else "users")
        table.rows.append(
            [
                phase,
                size,
                mib(rss["rss_before"]),
                mib(rss["rss_peak"]),
                mib(traced["traced_peak"]),
                f"{rss['seconds']:.1f}",
            ]
        )
    report.tables.append(table)
    report.passed = worst / 2**20 < TARGET_MIB
    report.verdict = f"highest peak RSS {mib(worst)} MiB (target < {TARGET_MIB:.0f} MiB)"
    report.notes.append(
        "The scheduler row includes the fake Telegram API, which keeps every call and message "
        "in memory, and SQLite's page cache; the drafts row holds one journal at a time."
    )
    return finish(report, args)


if __name__ == "__main__":
    main()
