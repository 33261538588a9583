"""Benchmark 2: a monthly recap for one user while the database holds N other users.

Run: ``.venv/bin/python -m bench.recap_scaling [--quick] [--json PATH]``.

For each N a fresh SQLite file is migrated with :func:`bot.storage.migrate.upgrade` and
filled through SQLAlchemy Core bulk inserts, week by week as the bot would have written it
(so the target user's rows are interleaved with everyone else's): N other users with ten
consecutive answered weeks each, spread over the year, and one target user with 52 answered
weeks and goals with check-ins. Every user has a data key and what they wrote is sealed with
it (:mod:`bot.crypto`), so the recap opens each value as the bot does. Then ``load_journal``
(as :func:`bot.tasks.recap.build_recap` calls it), ``build_month_recap`` and ``render_recap``
run for the target user's November recap, timed in fresh child processes (``--measure
PATH``), two rounds per N in alternating order. The time should stay flat as N grows; the
query plans show why.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import synthetic
from bench.common import ROOT, Report, Stats, Table, finish, make_parser, mib, ms
from bot.domain.weeks import IsoWeek
from bot.reports.recap import build_month_recap
from bot.reports.recap_html import render_recap
from bot.reports.stats import weeks_of_month
from bot.storage.engine import create_engine, session_factory
from bot.storage.journal import load_journal
from bot.storage.migrate import upgrade
from bot.storage.models import Answer, Entry, Goal, Review, User

if TYPE_CHECKING:
    from bot.crypto.vault import Vault

NOW = dtm.datetime(2026, 12, 1, 10, tzinfo=dtm.UTC)  # the recap of November goes out
YEAR, MONTH = 2026, 11
TARGET_ID = 1
YEAR_WEEKS = 52
OTHER_WEEKS = 10
FLAT_RATIO = 1.5  # largest N may be at most this much slower than N = 1
FLAT_SLACK = 0.002  # seconds of noise forgiven on top of the ratio
FULL_SIZES = (1, 1_000, 20_000)
Measure = Callable[[Path, int], dict[str, Any]]
Keys = dict[int, synthetic.DataKey]
QUICK_SIZES = (1, 50)


def _window() -> list[IsoWeek]:
    return synthetic.weeks_ending(weeks_of_month(YEAR, MONTH)[-1], YEAR_WEEKS)


async def _insert(engine: AsyncEngine, rows: synthetic.Rows, keys: Keys) -> None:
    async with engine.begin() as conn:
        for table, batch in (
            (Review, rows.reviews),
            (Answer, synthetic.seal_rows(Answer, rows.answers, keys)),
            (Entry, synthetic.seal_rows(Entry, rows.entries, keys)),
        ):
            if batch:
                await conn.execute(insert(table), batch)


async def build_database(engine: AsyncEngine, others: int, vault: Vault) -> dict[str, int]:
    """Migrate and fill the database (every user with a data key, what they wrote sealed with
    it, as the bot stores it); returns row counts per table."""
    await upgrade(engine)
    window = _window()
    target = synthetic.journal(window, "en", first_goal_id=1)
    users = [synthetic.user_row(TARGET_ID, "en", NOW)]
    users += [
        synthetic.user_row(uid, "ko" if uid % 2 else "en", NOW)
        for uid in range(TARGET_ID + 1, TARGET_ID + 1 + others)
    ]
    keys = await synthetic.add_data_keys(vault, [int(u["id"]) for u in users], NOW)
    for user in users:
        user["key_id"] = keys[int(user["id"])].key_id
    goals = synthetic.goal_rows(target, TARGET_ID, NOW)
    async with engine.begin() as conn:
        await conn.execute(insert(User), users)
        await conn.execute(insert(Goal), synthetic.seal_rows(Goal, goals, keys))

    # User i answered the ten weeks starting at window[i % starts].
    starts = len(window) - OTHER_WEEKS + 1
    by_start: dict[int, list[int]] = {}
    for n, user in enumerate(users[1:]):
        by_start.setdefault(n % starts, []).append(int(user["id"]))
    ids = synthetic.Ids()
    counts = {"users": len(users), "reviews": 0, "answers": 0, "entries": 0}
    for k, week in enumerate(window):
        rows = synthetic.Rows()
        synthetic.week_rows(target.weeks[k], TARGET_ID, TARGET_ID, ids, rows)
        for start in range(max(0, k - OTHER_WEEKS + 1), min(k, starts - 1) + 1):
            for uid in by_start.get(start, ()):
                lang = "ko" if uid % 2 else "en"
                view = synthetic.week_view(week, lang, uid % 7)
                synthetic.week_rows(view, uid, uid, ids, rows)
        await _insert(engine, rows, keys)
        counts["reviews"] += len(rows.reviews)
        counts["answers"] += len(rows.answers)
        counts["entries"] += len(rows.entries)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return counts


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _measure(path: Path, runs: int) -> dict[str, Any]:
    engine = create_engine(_url(path))
    try:
        async with synthetic.open_vault(engine, _url(path), NOW):  # as the bot starts
            return await _measure_recaps(engine, runs)
    finally:
        await engine.dispose()


async def _measure_recaps(engine: AsyncEngine, runs: int) -> dict[str, Any]:
    sessions = session_factory(engine)
    last = weeks_of_month(YEAR, MONTH)[-1]
    current = IsoWeek.of(NOW.date())
    samples: dict[str, list[float]] = {"load": [], "build": [], "render": [], "total": []}
    weeks_loaded = messages = 0
    for _ in range(runs + 1):
        gc.collect()  # keep collections of earlier garbage out of the samples
        async with sessions() as session:
            start = time.perf_counter()
            user = await session.get(User, TARGET_ID)
            assert user is not None
            journal = await load_journal(session, user, last=last)
            loaded = time.perf_counter()
            recap = build_month_recap(journal, YEAR, MONTH, current)
            built = time.perf_counter()
            chunks = render_recap(recap, user.language)
            done = time.perf_counter()
        weeks_loaded, messages = len(journal.weeks), len(chunks)
        samples["load"].append(loaded - start)
        samples["build"].append(built - loaded)
        samples["render"].append(done - built)
        samples["total"].append(done - start)
    return {"samples": samples, "weeks_loaded": weeks_loaded, "messages": messages}


def measure_here(path: Path, runs: int) -> dict[str, Any]:
    """Time the target user's recap ``runs + 1`` times in this process (the first is cold)."""
    return asyncio.run(_measure(path, runs))


def measure_in_child(path: Path, runs: int) -> dict[str, Any]:
    """:func:`measure_here` in a fresh interpreter, so every N is timed in the same process
    state (filling the database leaves a large, fragmented heap behind)."""
    command = [sys.executable, "-m", "bench.recap_scaling", "--measure", str(path)]
    done = subprocess.run(
        [*command, "--runs", str(runs)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {path.name} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def query_plans(engine: AsyncEngine) -> list[tuple[str, list[str]]]:
    """EXPLAIN QUERY PLAN of every SELECT one recap load runs, with its FROM/WHERE part."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with session_factory(engine)() as session:
            user = await session.get(User, TARGET_ID)
            assert user is not None
            await load_journal(session, user, last=weeks_of_month(YEAR, MONTH)[-1])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    plans: list[tuple[str, list[str]]] = []
    async with engine.connect() as conn:
        for statement, parameters in captured:
            result = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            details = [str(row[3]) for row in result]
            where = " ".join(statement.split())
            where = where[where.upper().find(" FROM ") + 1 :]
            plans.append((where, details))
    return plans


def uses_indexes(plans: Sequence[tuple[str, list[str]]]) -> bool:
    """Every table access is an index or primary-key search, never a scan."""
    for _, details in plans:
        for detail in details:
            if detail.startswith("SCAN"):
                return False
            if detail.startswith("SEARCH") and "USING" not in detail:
                return False
    return True


def _file_bytes(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern))


async def fill(sizes: Sequence[int], folder: Path) -> dict[str, Any]:
    """One database per size; row counts, fill time and size, and the largest one's plans."""
    filled: dict[str, Any] = {"sizes": {}}
    for others in sizes:
        path = folder / f"recap-{others}.sqlite3"
        engine = create_engine(_url(path))
        try:
            async with synthetic.open_vault(engine, _url(path), NOW) as vault:
                started = time.perf_counter()
                counts = await build_database(engine, others, vault)
                seconds = time.perf_counter() - started
                if others == sizes[-1]:
                    filled["plans"] = await query_plans(engine)
        finally:
            await engine.dispose()
        filled["sizes"][str(others)] = {
            "path": str(path),
            "rows": counts,
            "build_seconds": seconds,
            "db_bytes": _file_bytes(folder, f"{path.name}*"),
        }
        print(f"N={others}: {sum(counts.values()):,} rows in {seconds:.1f} s", flush=True)
    return filled


def run(
    sizes: Sequence[int], runs: int, rounds: int, folder: Path, measure: Measure
) -> dict[str, Any]:
    """Fill every database, then time the recap on each in ``rounds`` rounds (alternating the
    order of sizes, so a drift in machine speed affects them alike)."""
    results = asyncio.run(fill(sizes, folder))
    samples: dict[str, dict[str, list[float]]] = {str(n): {} for n in sizes}
    cold: dict[str, list[float]] = {str(n): [] for n in sizes}
    for round_ in range(rounds):
        for others in sizes if round_ % 2 == 0 else list(reversed(sizes)):
            found = results["sizes"][str(others)]
            measured = measure(Path(found["path"]), runs)
            found["weeks_loaded"] = measured["weeks_loaded"]
            found["messages"] = measured["messages"]
            cold[str(others)].append(measured["samples"]["total"][0])
            for stage, values in measured["samples"].items():
                samples[str(others)].setdefault(stage, []).extend(values[1:])
    for others in sizes:
        found = results["sizes"][str(others)]
        found["cold_total"] = statistics.median(cold[str(others)])
        for stage, values in samples[str(others)].items():
            found[stage] = Stats.of(values).__dict__
        found.pop("path")
        print(f"N={others}: recap median {ms(found['total']['median'])} ms", flush=True)
    return results


def main(
    argv: Sequence[str] | None = None, *, measure: Measure = measure_in_child
) -> Report | None:
    """The benchmark, or with ``--measure PATH`` one child measurement (JSON on stdout);
    ``measure`` times one database, in a child process unless a test passes
    :func:`measure_here`."""
    parser = make_parser(__doc__ or "")
    parser.add_argument("--measure", type=Path, help="child mode: time the recap on this file")
    parser.add_argument("--runs", type=int, default=10, help="child mode: warm runs")
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(json.dumps(measure_here(args.measure, args.runs)), flush=True)
        return None
    sizes, runs, rounds = (QUICK_SIZES, 2, 1) if args.quick else (FULL_SIZES, 10, 2)
    report = Report(
        name="recap_scaling",
        title="Monthly recap vs. database size (SQLite file)",
        target=(
            "load_journal + build_month_recap + render_recap for one user stays flat as other "
            f"users are added (median at the largest N ≤ {FLAT_RATIO}× the median at N = 1), "
            "and every journal query is an index search"
        ),
        quick=args.quick,
    )
    with tempfile.TemporaryDirectory(prefix="bench-recap-") as folder:
        results = run(sizes, runs, rounds, Path(folder), measure)
    report.data = results
    table = Table(
        f"Target user: {YEAR_WEEKS} weeks loaded. Times in ms: {rounds * runs} warm runs per N "
        f"in {rounds} fresh process(es); cold = a process's first run",
        [
            "other users N",
            "rows in DB",
            "DB MiB",
            "fill s",
            "cold",
            "load med",
            "build med",
            "render med",
            "total med",
            "total p95",
        ],
    )
    for others, found in results["sizes"].items():
        table.rows.append(
            [
                f"{int(others):,}",
                f"{sum(found['rows'].values()):,}",
                mib(found["db_bytes"]),
                f"{found['build_seconds']:.1f}",
                ms(found["cold_total"]),
                ms(found["load"]["median"]),
                ms(found["build"]["median"]),
                ms(found["render"]["median"]),
                ms(found["total"]["median"]),
                ms(found["total"]["p95"]),
            ]
        )
    report.tables.append(table)
    plans = results["plans"]
    report.blocks[f"EXPLAIN QUERY PLAN of the journal queries at N = {sizes[-1]:,}"] = "\n".join(
        f"{where}\n" + "\n".join(f"  -> {d}" for d in details) for where, details in plans
    )
    first = results["sizes"][str(sizes[0])]["total"]["median"]
    largest = results["sizes"][str(sizes[-1])]["total"]["median"]
    indexed = uses_indexes(plans)
    loaded = {found["weeks_loaded"] for found in results["sizes"].values()}
    report.data["weeks_loaded"] = sorted(loaded)
    report.passed = (
        largest <= first * FLAT_RATIO + FLAT_SLACK and indexed and loaded == {YEAR_WEEKS}
    )
    report.verdict = (
        f"median {ms(first)} ms at N = {sizes[0]:,} vs {ms(largest)} ms at N = {sizes[-1]:,} "
        f"(×{largest / first:.2f}); "
        + ("all journal queries use indexes" if indexed else "a journal query scans a table")
    )
    report.notes.append(
        "Warm OS page cache (the database was just written); SQLite's own page cache is the "
        "default per connection. No ANALYZE was run, as in production."
    )
    return finish(report, args)


if __name__ == "__main__":
    main()
