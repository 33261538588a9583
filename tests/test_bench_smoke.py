"""Smoke tests: every benchmark under bench/ still runs end to end in its tiny --quick mode.

No timing assertions (speed targets live in the benchmarks and docs/PERFORMANCE.md); these
only check that the benchmarks run, write their JSON, and that what they verify on the way
(one prompt per user, index use, the data they build) still holds.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bench import (
    draft_compile,
    encryption,
    import_journal,
    memory,
    pipeline,
    recap_scaling,
    run_all,
    scheduler_tick,
    startup,
)
from bench.common import Report, Stats, Table
from bench.report import END, START, render, replace_section
from bot.crypto import cipher


def _saved(path: Path) -> Report:
    return Report.from_json(path.read_text(encoding="utf-8"))


def test_run_all_runs_a_benchmark_and_updates_only_the_marked_part(tmp_path: Path) -> None:
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text(f"# Perf\n\nHand-written.\n\n{START}\nold numbers\n{END}\n\nMore text.\n")
    results = tmp_path / "results"

    code = run_all.main(
        ["--quick", "--only", "draft_compile", "--doc", str(doc), "--results", str(results)]
    )

    assert code == 0
    report = _saved(results / "draft_compile.json")
    assert {(row[0], row[1]) for row in report.tables[0].rows} == {
        (op, lang)
        for op in ("compile_draft", "draft_numbers", "energy_chart_png")
        for lang in ("en", "ko")
    }
    assert report.data["journal_en"]["weeks"] == draft_compile.WEEKS
    assert report.data["journal_ko"]["photos"] > 0
    text = doc.read_text(encoding="utf-8")
    assert "old numbers" not in text
    assert text.startswith("# Perf\n\nHand-written.\n\n")
    assert text.endswith(f"{END}\n\nMore text.\n")
    assert "compile_draft" in text
    assert "Quick mode" in text


def test_recap_scaling_loads_the_year_through_indexes(tmp_path: Path) -> None:
    report = recap_scaling.main(["--quick", "--json", str(tmp_path / "recap.json")])

    assert report is not None
    assert report.data["weeks_loaded"] == [recap_scaling.YEAR_WEEKS]
    assert recap_scaling.uses_indexes(report.data["plans"])
    tables = {where.split()[1] for where, _ in report.data["plans"]}
    assert {"reviews", "answers", "entries", "goals"} <= tables
    assert len(report.tables[0].rows) == len(recap_scaling.QUICK_SIZES)
    assert _saved(tmp_path / "recap.json").tables == report.tables


def test_scheduler_tick_prompts_every_user_once_within_the_rate(tmp_path: Path) -> None:
    report = scheduler_tick.main(["--quick", "--json", str(tmp_path / "scheduler.json")])

    for size, found in report.data["sizes"].items():
        assert found["exactly_once"], size
        assert found["peak_per_second"] <= scheduler_tick.TELEGRAM_RATE
        assert found["review_statuses"] == {"prompted": int(size)}
    assert report.passed


def test_memory_reports_both_phases(tmp_path: Path) -> None:
    # In this process to stay fast; the child-process path is checked just below.
    report = memory.main(
        ["--quick", "--json", str(tmp_path / "memory.json")], runner=memory.measure_phase
    )

    assert report is not None
    assert [row[0] for row in report.tables[0].rows] == list(memory.PHASES)
    for phase in memory.PHASES:
        found = report.data[phase]
        assert found["rss"]["rss_peak"] >= found["rss"]["rss_before"] > 0
        assert found["traced"]["traced_peak"] > 0
    assert _saved(tmp_path / "memory.json").data == report.data


def test_memory_child_process_returns_its_measurement() -> None:
    found = memory.run_child("drafts", "traced", 1)

    assert (found["phase"], found["mode"], found["count"]) == ("drafts", "traced", 1)
    assert found["traced_peak"] > 0


def test_pipeline_runs_the_bot_process_and_the_echo_bot(tmp_path: Path) -> None:
    work = tmp_path / "work"
    report = pipeline.main(
        ["--quick", "--json", str(tmp_path / "pipeline.json"), "--workdir", str(work)]
    )

    sizes, data = pipeline.QUICK, report.data
    fanout = data["bot_fanout"]
    assert fanout["exactly_once"], fanout
    assert fanout["prompted_once"] == fanout["users"] == sizes.fanout
    assert data["echo_fanout"]["sends"] > 0
    assert data["bot_burst"]["all_acknowledged"], data["bot_burst"]
    # The echo bot may drop a reply after AIORateLimiter's three retries; it is the baseline.
    assert data["echo_burst"]["acknowledged"] > 0
    for side in ("bot", "echo", "store"):
        assert data[f"{side}_burst"]["notes"] == sizes.notes
        assert data[f"{side}_burst"]["cpu_seconds"] >= 0
        assert data[f"{side}_latency"]["acknowledged"] == sizes.latency_notes
        assert data[f"{side}_exit_code"] == 0
    # Every note got its 👌; the first one of the week per user also got a message.
    assert data["bot_burst"]["requests"]["setMessageReaction"] == sizes.notes
    assert data["bot_log"]["tracebacks"] == 0
    assert report.tables[0].rows[0][0].startswith("(1) fan-out")
    # The storing echo bot kept every note it echoed.
    with sqlite3.connect(work / "storing-echo" / "echo.sqlite3") as stored:
        kept = stored.execute("SELECT count(*) FROM notes").fetchone()[0]
    echoed = data["store_burst"]["acknowledged"] + data["store_latency"]["acknowledged"]
    assert kept >= echoed > 0
    assert report.tables[1].columns[-1] == "echo storing each note"
    assert _saved(tmp_path / "pipeline.json").data == json.loads(json.dumps(report.data))


def test_pipeline_rate_helpers() -> None:
    sends = [n / 8 for n in range(81)]  # 8 a second for 10 s (exact binary fractions)
    assert pipeline.steady_rate(sends) == pytest.approx(8.0)
    assert pipeline.peak_per_second(sends) == 8
    assert pipeline.steady_rate([1.0]) is None
    assert pipeline.burst_target(pipeline.FULL) == pytest.approx(80.0)


def test_run_all_only_replaces_the_benchmarks_it_ran() -> None:
    def report(name: str, verdict: str) -> Report:
        return Report(name=name, title=name.upper(), target="t", quick=False, verdict=verdict)

    old = render([report("a", "old a"), report("b", "old b")], {"cores": "2"}, date="D1")
    new = render([report("b", "new b"), report("c", "new c")], {"cores": "2"}, date="D2")

    merged = run_all.merge_generated(old, new)

    assert "on D2;" in merged
    assert "old b" not in merged
    assert merged.index("| A |") < merged.index("| B |") < merged.index("| C |")
    assert merged.index("### A") < merged.index("### B") < merged.index("### C")
    assert "### A\n\n_Measured on D1; not re-run since._" in merged
    assert merged.count("_Measured on") == 1
    # Merging again keeps A's date; text that is not a generated section is replaced.
    assert run_all.merge_generated(merged, new) == merged
    assert run_all.merge_generated("old numbers", new) == new


def test_replace_section_needs_both_markers_in_order() -> None:
    with pytest.raises(ValueError, match="bench:start"):
        replace_section("no markers here", "numbers")
    with pytest.raises(ValueError, match="bench:start"):
        replace_section(f"{END}\n{START}", "numbers")


def test_render_escapes_pipes_in_cells() -> None:
    report = Report(
        name="x",
        title="X",
        target="t",
        quick=False,
        passed=True,
        verdict="ok",
        tables=[Table("T", ["a", "b"], [["1|2", "3"]])],
    )
    text = render([report], {"cores": "2"}, date="2026-01-01")
    assert "| 1\\|2 | 3 |" in text
    assert "Quick mode" not in text


def test_stats_median_and_p95() -> None:
    stats = Stats.of([float(n) for n in range(1, 21)])
    assert stats.median == pytest.approx(10.5)
    assert stats.p95 == pytest.approx(19.05)
    assert (stats.minimum, stats.maximum, stats.runs) == (1.0, 20.0, 20)


def test_startup_measures_the_bot_and_the_echo_bot(tmp_path: Path) -> None:
    report = startup.main(["--quick", "--json", str(tmp_path / "startup.json")])
    for who in ("bot", "echo"):
        assert report.data[who]["startup_s"] > 0
        assert report.data[who]["rss_mib"] > 10
    assert set(report.data["ratio"]) == {"startup_s", "rss_mib"}


def test_import_journal_stores_every_entry_in_short_transactions(tmp_path: Path) -> None:
    report = import_journal.main(["--quick", "--json", str(tmp_path / "import.json")])
    assert report.data["rows"] == report.data["entries"] == 600
    assert report.data["batches"] == 3
    assert report.data["other_writes"] >= 1


def test_encryption_measures_aes_gcm_and_the_pass_through_side_by_side(tmp_path: Path) -> None:
    report = encryption.main(["--quick", "--json", str(tmp_path / "encryption.json")])

    assert report is not None
    data, sizes = report.data, encryption.QUICK
    for variant in encryption.VARIANTS:
        drafts = data["drafts"]["runs"][variant]
        assert len(drafts) == sizes.rounds
        assert drafts[0]["weeks_answered"] == encryption.WEEKS
        assert drafts[0]["cipher"] == ("PassThrough" if variant == "pass-through" else "AESGCM")
        assert len(drafts[0]["samples"]["total_wall"]) == sizes.draft_runs + 1
        assert sum(drafts[0]["opened_per_load"].values()) > 500  # every answer and note
        notes = data["notes"]["runs"][variant]
        # Each bot sealed its notes with its own variant's cipher, and acknowledged them all.
        assert [run["sealed_by"] for run in notes] == [variant] * sizes.rounds
        assert all(run["all_acknowledged"] and run["exit_code"] == 0 for run in notes)
        assert all(run["log"]["tracebacks"] == 0 for run in notes)
    # The cipher changes how values are stored, never what the draft says.
    drafts = data["drafts"]["runs"].values()
    assert len({sha for runs in drafts for run in runs for sha in run["markdown_sha256"]}) == 1
    ratios = data["summary"]["ratio"]
    assert {"draft_wall", "draft_cpu", "cpu_per_note"} <= set(ratios)
    assert all(value > 0 for value in ratios.values())
    assert report.tables[0].columns[1:4] == ["AES-256-GCM", "pass-through", "ratio"]
    assert _saved(tmp_path / "encryption.json").data == json.loads(json.dumps(report.data))


def test_encryption_pass_through_keeps_the_sealed_format() -> None:
    passing = encryption.PassThrough(bytes(32))
    sealed = cipher.seal_text(passing, "k1", "a note", b"row")

    assert cipher.is_sealed(sealed)
    assert cipher.open_text(passing, sealed, b"row") == "a note"
    real = encryption.REAL_AESGCM(bytes(32))
    with pytest.raises(cipher.Unreadable):  # a value the real cipher sealed does not pass
        cipher.open_text(passing, cipher.seal_text(real, "k1", "a note", b"row"), b"row")
