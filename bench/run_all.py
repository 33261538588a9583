"""Run every benchmark, each in its own process, and regenerate docs/PERFORMANCE.md's numbers.

Run from the repository root: ``.venv/bin/python bench/run_all.py`` (full sizes, about
four minutes; rewrites the section between the ``bench`` markers of docs/PERFORMANCE.md) or
``.venv/bin/python bench/run_all.py --quick`` (seconds; leaves the document alone unless
``--doc`` is given). ``--only NAME`` runs some benchmarks; ``--results DIR`` keeps the JSON.
Exits 1 when a benchmark crashed or missed its target.
"""

from __future__ import annotations

import argparse
import datetime as dtm
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Report, machine_facts
from bench.report import render, replace_section

BENCHMARKS = ("draft_compile", "recap_scaling", "scheduler_tick", "memory")
DOC = ROOT / "docs" / "PERFORMANCE.md"


def run_benchmark(name: str, output: Path, *, quick: bool) -> Report | None:
    """Run ``bench.<name>`` in a fresh interpreter (its output streams through)."""
    command = [sys.executable, "-m", f"bench.{name}", "--json", str(output)]
    if quick:
        command.append("--quick")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)
    print(f"-- {name}: {time.perf_counter() - started:.0f} s\n", flush=True)
    if done.returncode != 0 or not output.exists():
        return None
    return Report.from_json(output.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="repeatable")
    parser.add_argument("--results", type=Path, help="keep each benchmark's JSON here")
    parser.add_argument("--doc", type=Path, help=f"document to update (default {DOC})")
    parser.add_argument("--no-doc", action="store_true", help="do not touch any document")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    doc: Path | None = None
    if not args.no_doc:
        doc = args.doc or (None if args.quick else DOC)

    with tempfile.TemporaryDirectory(prefix="bench-results-") as scratch:
        folder = args.results or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        reports: list[Report] = []
        crashed: list[str] = []
        for name in names:
            report = run_benchmark(name, folder / f"{name}.json", quick=args.quick)
            if report is None:
                crashed.append(name)
            else:
                reports.append(report)

    if doc is not None and reports:
        date = dtm.datetime.now(dtm.UTC).strftime("%Y-%m-%d %H:%M UTC")
        generated = render(reports, machine_facts(), date=date)
        doc.write_text(replace_section(doc.read_text(encoding="utf-8"), generated), "utf-8")
        print(f"updated {doc}")
    missed = [r.name for r in reports if not r.passed]
    for name in crashed:
        print(f"CRASHED: {name}")
    for name in missed:
        print(f"MISSED TARGET: {name}")
    return 1 if crashed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
