"""What every benchmark shares: command line, timing statistics, result tables, machine facts.

A benchmark builds a :class:`Report` (tables of formatted cells, the target, a verdict and
the raw numbers), prints it and, with ``--json PATH``, writes it for ``bench/run_all.py``,
which renders the reports into ``docs/PERFORMANCE.md``.
"""

from __future__ import annotations

import argparse
import datetime as dtm
import json
import os
import platform
import resource
import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Stats:
    """Summary of repeated timings, in seconds."""

    runs: int
    median: float
    p95: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        if not samples:
            raise ValueError("no samples")
        ordered = sorted(samples)
        if len(ordered) == 1:
            p95 = ordered[0]
        else:  # linear interpolation between the closest ranks, as numpy's default
            p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18]
        return cls(len(ordered), statistics.median(ordered), p95, ordered[0], ordered[-1])


def ms(seconds: float) -> str:
    """Seconds as milliseconds with a precision that suits the size."""
    value = seconds * 1000
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.1f}"


def max_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class Table:
    """A titled table of already formatted cells."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Report:
    """One benchmark's outcome: tables to show, whether the target was met, and raw data."""

    name: str
    title: str
    target: str
    quick: bool
    passed: bool = False
    verdict: str = ""
    tables: list[Table] = field(default_factory=list)
    blocks: dict[str, str] = field(default_factory=dict)  # title -> preformatted text
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    measured_at: str = field(default_factory=lambda: dtm.datetime.now(dtm.UTC).isoformat())

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Report:
        raw = json.loads(text)
        raw["tables"] = [Table(**t) for t in raw.get("tables", [])]
        return cls(**raw)


def render_table(table: Table) -> str:
    """A plain-text table with aligned columns."""
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    for row in table.rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def render_console(report: Report) -> str:
    mode = " (quick mode: sizes too small to mean anything)" if report.quick else ""
    parts = [f"== {report.title}{mode}", f"Target: {report.target}"]
    for table in report.tables:
        parts += ["", table.title, render_table(table)]
    for title, block in report.blocks.items():
        parts += ["", title, block]
    parts += [""] + [f"Note: {n}" for n in report.notes]
    parts.append(f"{'PASS' if report.passed else 'FAIL'}: {report.verdict}")
    return "\n".join(parts)


def make_parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--quick`` and ``--json PATH``."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, a few seconds (for the smoke test)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser


def parse_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    return make_parser(description).parse_args(argv)


def finish(report: Report, args: argparse.Namespace) -> Report:
    """Print the report and write its JSON when asked; returns it for callers and tests."""
    print(render_console(report), flush=True)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(report.to_json() + "\n", encoding="utf-8")
    return report


def _first_line(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine_facts() -> dict[str, str]:
    """Where the numbers were measured: CPU, cores, memory, and the software that matters."""
    mem_kib = _first_line("/proc/meminfo", "MemTotal")
    memory = f"{int(mem_kib.split()[0]) / 2**20:.1f} GiB" if mem_kib else "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _first_line("/proc/cpuinfo", "model name") or platform.processor() or "?",
        "cores": str(usable),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": _version("SQLAlchemy"),
        "python-telegram-bot": _version("python-telegram-bot"),
        "matplotlib": _version("matplotlib"),
    }


class VirtualClock:
    """A :class:`bot.clock.Clock` that only moves when told; ``sleep`` advances it at once."""

    def __init__(self, start: dtm.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the virtual clock needs an aware start time")
        self.current = start
        self.slept = 0.0

    def now(self) -> dtm.datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.current += dtm.timedelta(seconds=seconds)

    def set(self, instant: dtm.datetime) -> None:
        self.current = instant
