"""Benchmark 1: compiling a full year's draft (52 answered weeks) in English and Korean.

Run: ``.venv/bin/python -m bench.draft_compile [--quick] [--json PATH]``.

Times :func:`bot.reports.draft.compile_draft` on a synthetic journal (see
:mod:`bench.synthetic`) with private answers, photo paths and the chart link included (the
ZIP variant, the most work), plus ``draft_numbers`` and the 52-week energy chart the ZIP
carries. The first call of each operation is reported apart ("cold": catalogs and Babel
locale data load then); median and p95 are over the following calls.
"""

from __future__ import annotations

import datetime as dtm
import functools
import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bench import synthetic
from bench.common import Report, Stats, Table, finish, ms, parse_args
from bot.domain.journal import Journal
from bot.reports.charts import energy_chart_png, font_for
from bot.reports.draft import compile_draft, draft_numbers
from bot.reports.stats import weeks_of_year

YEAR = 2026
GENERATED_ON = dtm.date(2026, 12, 31)
LANGS = ("en", "ko")
TARGET_SECONDS = 0.25  # issue #10: a 52-week draft with story threads, p95
T = TypeVar("T")
WEEKS = 52


def year_journal(lang: str) -> Journal:
    """52 answered weeks of ``YEAR`` (its 53rd week is the current, open one)."""
    return synthetic.journal(weeks_of_year(YEAR)[:WEEKS], lang)


def _timings(action: Callable[[], T], runs: int) -> tuple[float, list[float], T]:
    """(first call, the ``runs`` calls after it) in seconds, and the last result."""
    samples: list[float] = []
    for _ in range(runs + 1):
        gc.collect()
        start = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - start)
    return samples[0], samples[1:], result


def _size(output: object) -> str:
    if isinstance(output, str):
        return f"{len(output.encode()) / 1024:.0f} KiB md"
    if isinstance(output, bytes):
        return f"{len(output) / 1024:.0f} KiB png"
    return ""


def operations(journal: Journal, lang: str) -> list[tuple[str, Callable[[], object]]]:
    """What is timed: the ZIP variant of the draft, its numbers, and the energy chart."""
    images = synthetic.image_paths(journal)
    return [
        (
            "compile_draft",
            functools.partial(
                compile_draft,
                journal,
                YEAR,
                lang,
                include_private=True,
                images=images,
                energy_chart=f"images/energy-{YEAR}.png",
                generated_on=GENERATED_ON,
            ),
        ),
        ("draft_numbers", functools.partial(draft_numbers, journal, YEAR, as_of=GENERATED_ON)),
        ("energy_chart_png", functools.partial(energy_chart_png, journal.weeks, lang, f"{YEAR}")),
    ]


def _threads(markdown: str) -> int:
    """How many story threads the draft shows (``###`` headings of its stories section)."""
    for part in markdown.split("\n## "):
        if part.startswith(("Stories of the year", "올해의 이야기들")):
            return part.count("\n### ")
    return 0


def main(argv: Sequence[str] | None = None) -> Report:
    args = parse_args(argv, __doc__ or "")
    runs, chart_runs = (2, 1) if args.quick else (20, 5)
    report = Report(
        name="draft_compile",
        title="Draft compile: 52 answered weeks → year-in-review Markdown",
        target=(
            f"compile_draft with story threads under {TARGET_SECONDS * 1000:.0f} ms per draft "
            "(p95, en and ko)"
        ),
        quick=args.quick,
    )
    table = Table(
        "Per call (ms); cold = first call in the process",
        ["operation", "lang", "runs", "cold", "median", "p95", "max", "output"],
    )
    worst = 0.0
    for lang in LANGS:
        journal = year_journal(lang)
        report.data[f"journal_{lang}"] = {
            "weeks": len(journal.weeks),
            "answers": sum(len(v.answers) for v in journal.weeks),
            "notes": sum(len(v.notes) for v in journal.weeks),
            "photos": len(synthetic.image_paths(journal)),
            "goals": len(journal.goals),
        }
        for name, action in operations(journal, lang):
            count = chart_runs if name == "energy_chart_png" else runs
            cold, samples, output = _timings(action, count)
            stats = Stats.of(samples)
            report.data[f"{name}_{lang}"] = {"cold": cold, **stats.__dict__}
            if name == "compile_draft":
                worst = max(worst, stats.p95)
                assert isinstance(output, str)
                report.data[f"threads_{lang}"] = _threads(output)
            table.rows.append(
                [
                    name,
                    lang,
                    str(stats.runs),
                    ms(cold),
                    ms(stats.median),
                    ms(stats.p95),
                    ms(stats.maximum),
                    _size(output),
                ]
            )
    report.tables.append(table)
    facts = report.data["journal_en"]
    report.notes.append(
        f"Journal: {facts['weeks']} weeks, {facts['answers']} answers (7 a week plus goal "
        f"check-ins), {facts['notes']} notes, {facts['photos']} photos, {facts['goals']} goals."
    )
    report.notes.append(
        "Story threads found: "
        + ", ".join(f"{report.data.get(f'threads_{lang}', 0)} ({lang})" for lang in LANGS)
        + "; scikit-learn is imported by the first compile, so its import is in 'cold'."
    )
    font = font_for("에너지")
    report.notes.append(
        "Korean chart labels drawn with "
        + (Path(font).name if font else "no Hangul font (ASCII fallback)")
        + "."
    )
    report.passed = worst < TARGET_SECONDS
    report.verdict = (
        f"slowest compile_draft p95 {ms(worst)} ms (target < {TARGET_SECONDS * 1000:.0f} ms)"
    )
    return finish(report, args)


if __name__ == "__main__":
    main()
