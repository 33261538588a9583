"""Benchmark 8: what encryption at rest costs, against the same code with a pass-through cipher.

Run: ``.venv/bin/python -m bench.encryption [--quick] [--json PATH] [--rounds N] [--workdir DIR]
[--profile]``.

Every word a user writes is sealed with AES-256-GCM on its way into the database and opened on
its way out (:mod:`bot.crypto`); no setting turns that off. This benchmark swaps the cipher in
its own child processes only: before anything is built there, ``bot.crypto.cipher.AESGCM``
(what the vault and the master key make their cipher objects from) becomes
:class:`PassThrough`: the same calls and sizes (the data and a 16-byte zero tag), no cipher.
The rest of the sealing (ORM events, associated data, nonces, base64, key look-ups) runs
unchanged in both variants, so a ratio is what AES-GCM itself adds to the bot's work. Every
child reports the cipher class it ran with, and the notes a bot stored are read back to check
which cipher sealed them.

Both measurements are taken in the same run, in rounds, the two variants side by side so that
both see the same machine (on a shared machine, runs taken a minute apart drift by more than
the difference being measured):

1. **Draft for 52 weeks.** A user with the 52 answered weeks of 2026 of
   :mod:`bench.synthetic` (answers, notes, photos, goals with check-ins) is stored through the
   ORM with the vault attached, so the production events seal every value; one database per
   variant, each sealed by its own cipher. Each round starts one process per variant, both
   pinned to the same CPU, each opening the vault as the bot does; after a cold run each,
   they take ``draft_runs`` runs each turn about (which goes first alternates). A run is what
   the ``/draft`` task does before it sends: the user and the year read in
   ``Services.reading()`` (``users.get_user`` + ``load_journal``; the load events open every
   value) and :func:`bot.tasks.draft.compile_for`; wall (``perf_counter``) and process CPU
   (``process_time``). Target: medians ≤ 1.25 × the pass-through's.
2. **CPU per stored note**, as :mod:`bench.pipeline` measures it. Each round runs both
   variants' bots at the same time: the bot's ``run`` command (:func:`bot.cli.main` in a child
   that swapped the cipher first), each on a fresh SQLite file with 20 onboarded users and
   against its own strict loopback Bot API; both get 1,000 notes at the same moment
   (:func:`bench.pipeline.burst`). Process CPU (utime + stime) from the push to the last
   acknowledgement, per 1,000 notes. Each note is sealed in the inbox (the raw update), in its
   entry and in the outbox (the reply or reaction), and opened again on the way. Target:
   median ≤ 1.15 × the pass-through's.

``--profile`` adds one unmeasured round: cProfile around a draft (load + compile) and py-spy
on both bots during a burst (``.venv/bin/pip install py-spy``), summarised in the report.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import datetime as dtm
import gc
import hashlib
import io
import json
import os
import pstats
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import synthetic
from bench.common import ROOT, Report, Stats, Table, VirtualClock, finish, make_parser, ms
from bot.crypto import cipher

AES_GCM = "aes-gcm"
PASS_THROUGH = "pass-through"
VARIANTS = (AES_GCM, PASS_THROUGH)
LABELS = {AES_GCM: "AES-256-GCM", PASS_THROUGH: "pass-through"}
DRAFT_TARGET = 1.25
NOTE_TARGET = 1.15
YEAR = 2026
WEEKS = 52
USER_ID = 4242
JOINED = dtm.datetime(2025, 12, 1, 9, tzinfo=dtm.UTC)
NOW = dtm.datetime(2026, 12, 31, 10, tzinfo=dtm.UTC)  # week 53 is the open one
TOKEN = "123456789:AAE-fake-token-for-benchmarks-0123456789"
REAL_AESGCM = cipher.AESGCM
TAG = bytes(16)


@dataclass(frozen=True)
class Sizes:
    rounds: int
    draft_runs: int  # timed runs of each variant per round, after a cold one
    note_users: int
    notes_per_user: int
    settle: float  # quiet seconds before and after a burst, as in bench.pipeline

    @property
    def notes(self) -> int:
        return self.note_users * self.notes_per_user


FULL = Sizes(rounds=5, draft_runs=20, note_users=20, notes_per_user=50, settle=2.0)
QUICK = Sizes(rounds=1, draft_runs=2, note_users=3, notes_per_user=4, settle=0.5)


# --------------------------------------------------------------------------- the swap


class PassThrough:
    """Stands in for cryptography's ``AESGCM``: the same calls and sizes, no cipher.

    ``encrypt`` returns the data with a 16-byte zero tag where AES-GCM puts its tag;
    ``decrypt`` checks and strips it (a value sealed by the real cipher fails, as a wrong key
    would). Data keys are still made by the real ``generate_key``.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise ValueError("AESGCM key must be 128, 192, or 256 bits.")

    @staticmethod
    def generate_key(bit_length: int) -> bytes:
        return REAL_AESGCM.generate_key(bit_length)

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        return bytes(data) + TAG

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        if len(data) < len(TAG) or data[-len(TAG) :] != TAG:
            from cryptography.exceptions import InvalidTag

            raise InvalidTag
        return bytes(data[: -len(TAG)])


def use_cipher(variant: str) -> None:
    """Make every cipher object this process builds from now on ``variant``'s."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    cipher.AESGCM = PassThrough if variant == PASS_THROUGH else REAL_AESGCM  # type: ignore[assignment]


# --------------------------------------------------------------------------- children


def _child_command(variant: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "bench.encryption", "child", "--cipher", variant, *args]


def run_child(
    variant: str, args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 600
) -> dict[str, Any]:
    """One child process of ``variant``; the JSON it prints last."""
    done = subprocess.run(
        _child_command(variant, *args),
        cwd=ROOT,
        env=env or {**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:1])} ({variant}) failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    _check_cipher(variant, result)
    return result


def _check_cipher(variant: str, answer: dict[str, Any]) -> None:
    expected = PassThrough.__name__ if variant == PASS_THROUGH else REAL_AESGCM.__name__
    if answer.get("cipher") != expected:
        raise RuntimeError(f"the {variant} child ran with {answer.get('cipher')}")


def sealed_by(db: Path) -> str | None:
    """Which variant sealed the notes stored in ``db``: the pass-through leaves the text and a
    zero tag after the nonce, AES-GCM neither. None when no note is stored."""
    import base64
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT text FROM entries WHERE text IS NOT NULL LIMIT 1").fetchone()
    if row is None:
        return None
    body = base64.urlsafe_b64decode(str(row[0]).rsplit(".", 1)[1])[cipher.NONCE_BYTES :]
    return PASS_THROUGH if body.endswith(TAG) and b"note" in body else AES_GCM


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def seed_year(db: Path) -> dict[str, Any]:
    """The draft's user and their year, written through the ORM with the vault attached (the
    production events seal every value); what was sealed, counted."""
    from sqlalchemy import func, select

    from bot.crypto.sealing import SEALED
    from bot.reports.stats import weeks_of_year
    from bot.storage.engine import create_engine, session_factory
    from bot.storage.migrate import upgrade
    from bot.storage.models import Answer, Entry, Goal, Review, User

    journal = synthetic.journal(weeks_of_year(YEAR)[:WEEKS], "en")
    rows, ids = synthetic.Rows(), synthetic.Ids()
    for view in journal.weeks:
        synthetic.week_rows(view, USER_ID, USER_ID, ids, rows)
    engine = create_engine(_url(db))
    try:
        async with synthetic.open_vault(engine, _url(db), JOINED):
            await upgrade(engine)
            async with session_factory(engine)() as session, session.begin():
                # In steps, parents first: the production engine enforces foreign keys.
                session.add(User(**synthetic.user_row(USER_ID, "en", JOINED)))
                steps: list[tuple[type[Any], list[dict[str, Any]]]] = [
                    (Goal, synthetic.goal_rows(journal, USER_ID, JOINED)),
                    (Review, rows.reviews),
                    (Answer, rows.answers),
                    (Entry, rows.entries),
                ]
                for model, batch in steps:
                    await session.flush()
                    session.add_all(model(**row) for row in batch)
            counts: dict[str, int] = {}
            sealed_bytes = 0
            async with engine.connect() as conn:
                for model, spec in SEALED.items():
                    table = model.__table__
                    for column in spec.columns:
                        found = (
                            await conn.execute(
                                select(
                                    func.count(table.c[column]),
                                    func.coalesce(func.sum(func.length(table.c[column])), 0),
                                )
                            )
                        ).one()
                        if found[0]:
                            counts[f"{table.name}.{column}"] = int(found[0])  # type: ignore[attr-defined]
                            sealed_bytes += int(found[1])
                sample = await conn.scalar(select(Answer.__table__.c.prompt).limit(1))
    finally:
        await engine.dispose()
    if not cipher.is_sealed(sample):
        raise RuntimeError("the seeded answers are not sealed")
    return {
        "sealed_values": counts,
        "sealed_bytes": sealed_bytes,
        "weeks": len(journal.weeks),
        "answers": len(rows.answers),
        "entries": len(rows.entries),
        "goals": len(journal.goals),
    }


async def serve_drafts(db: Path) -> None:
    """Open the vault as the bot does, then answer the parent one command a line on stdin,
    one JSON line on stdout each: ``run`` (load the year and compile the draft, timed),
    ``count`` (the values one load opens), ``profile`` (a run under cProfile), ``quit``."""
    from bot.config import Settings
    from bot.crypto import sealing
    from bot.crypto.vault import KeyConfig, Vault
    from bot.services import Services
    from bot.storage import users
    from bot.storage.engine import create_engine, session_factory
    from bot.storage.journal import load_journal
    from bot.tasks.draft import compile_for

    settings = Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        database_url=_url(db),
        default_timezone="UTC",
        encryption_key=synthetic.MASTER_KEY,  # type: ignore[arg-type]
        encryption_key_file=None,
        keyring_url="",
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(settings.database_url)
    vault = Vault(KeyConfig.from_settings(settings, settings.database_url))
    await vault.open(NOW)
    sealing.attach(engine, vault)
    services = Services(settings, VirtualClock(NOW), engine, session_factory(engine), vault)

    async def once() -> dict[str, Any]:
        wall, cpu = time.perf_counter(), time.process_time()
        async with services.reading() as session:
            user = await users.get_user(session, USER_ID)
            assert user is not None
            journal = await load_journal(session, user)
        loaded_wall, loaded_cpu = time.perf_counter(), time.process_time()
        draft = compile_for(journal, user, YEAR, NOW)
        done_wall, done_cpu = time.perf_counter(), time.process_time()
        return {
            "load_wall": loaded_wall - wall,
            "load_cpu": loaded_cpu - cpu,
            "total_wall": done_wall - wall,
            "total_cpu": done_cpu - cpu,
            "weeks_answered": draft.numbers.weeks_answered,
            "markdown_bytes": len(draft.markdown.encode()),
            "markdown_sha256": hashlib.sha256(draft.markdown.encode()).hexdigest(),
        }

    async def count() -> dict[str, Any]:
        opened: Counter[str] = Counter()
        real_open = sealing.open_

        def counting(vault_: Any, kind: Any, value: Any, aad: bytes) -> Any:
            opened[aad.split(b"\x1f", 1)[0].decode()] += 1
            return real_open(vault_, kind, value, aad)

        sealing.open_ = counting  # type: ignore[assignment]
        try:
            await once()
        finally:
            sealing.open_ = real_open
        return {"opened_per_load": dict(opened)}

    async def profile() -> dict[str, Any]:
        profiler = cProfile.Profile()
        profiler.enable()
        await once()
        profiler.disable()
        return {"profile": summarize_profile(profiler)}

    commands = {"run": once, "count": count, "profile": profile}
    try:
        _answer({"ready": True})
        for line in sys.stdin:  # blocking between commands is fine: nothing else runs here
            command = line.strip()
            if command == "quit":
                break
            gc.collect()  # keep collections of earlier garbage out of the sample
            _answer(await commands[command]())
    finally:
        sealing.detach(engine)
        await vault.close()
        await engine.dispose()


def _answer(found: dict[str, Any]) -> None:
    print(json.dumps({**found, "cipher": cipher.AESGCM.__name__}), flush=True)


def _area(path: str, name: str) -> str:
    """Where a profiled function lives, coarsely: a package, or a part of the bot."""
    if path == "~":  # a function written in C
        if "AESGCM" in name:
            return "cryptography"
        return "sqlite3" if "sqlite3" in name else "python (stdlib, builtins)"
    parts = Path(path).parts
    if "site-packages" in parts:
        top = parts[parts.index("site-packages") + 1]
        return top.split(".", 1)[0].removeprefix("_")
    for package in ("bot", "bench"):
        if package in parts:
            below = parts[parts.index(package) + 1 :]
            return f"{package}." + (below[0].removesuffix(".py") if below else "")
    if path.startswith("<") or "python3" in path:
        return "python (stdlib, builtins)"
    return Path(path).name


def summarize_profile(profiler: cProfile.Profile, top: int = 15) -> str:
    """Self time by area, and the functions with the most self time."""
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values()) or 1.0
    by_area: defaultdict[str, float] = defaultdict(float)
    functions: defaultdict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = {}
    ciphers: dict[str, float] = {}
    for (path, line, name), (_, calls, tt, ct, _) in raw.items():
        by_area[_area(path, name)] += tt
        label = f"{name} ({Path(path).name}:{line})" if line else name
        functions[label] += tt
        if "AESGCM" in name or (path.endswith("encryption.py") and name in ("encrypt", "decrypt")):
            ciphers[f"{label}, {calls} calls"] = ct
        elif "bot/crypto" in path:
            inclusive[f"{label}, {calls} calls"] = ct

    def row(value: float, label: str) -> str:
        return f"{100 * value / total:5.1f}%  {1000 * value:8.2f} ms  {label}"

    def most(found: dict[str, float], rows: int) -> list[tuple[str, float]]:
        return sorted(found.items(), key=lambda item: -item[1])[:rows]

    lines = [f"cProfile of one draft (load + compile): {1000 * total:.0f} ms of self time", ""]
    lines += ["self time by area:"] + [row(v, k) for k, v in most(by_area, 10)]
    lines += ["", "functions with the most self time:"]
    lines += [row(v, k) for k, v in most(functions, top)]
    lines += ["", "inclusive time of the sealing code (bot.crypto):"]
    lines += [row(v, k) for k, v in most(inclusive, 8)]
    lines += ["", "the cipher's own calls (AES-GCM, or the pass-through), inclusive:"]
    lines += [row(v, k) for k, v in most(ciphers, 8)]
    return "\n".join(lines)


async def seed_note_users(db: Path, users: int) -> dict[str, Any]:
    """Migrate (the vault attached, as ``bot db upgrade`` does) and insert the burst users of
    :mod:`bench.pipeline`, onboarded, each with a data key."""
    from sqlalchemy import insert

    from bench import pipeline
    from bot.storage.engine import create_engine
    from bot.storage.migrate import upgrade
    from bot.storage.models import User, UserQuestion

    now = dtm.datetime.now(dtm.UTC).replace(microsecond=0)
    slot = now - dtm.timedelta(minutes=1)
    ids = pipeline.burst_ids(pipeline.Sizes(0, users, 0, 0, 0.0))
    engine = create_engine(_url(db))
    try:
        async with synthetic.open_vault(engine, _url(db), now) as vault:
            await upgrade(engine)
            keys = await synthetic.add_data_keys(vault, ids, now)
            rows = [
                {
                    **pipeline._user(uid, slot, slot + dtm.timedelta(days=7)),
                    "key_id": keys[uid].key_id,
                }
                for uid in ids
            ]
            async with engine.begin() as conn:
                await conn.execute(insert(User), rows)
                await conn.execute(insert(UserQuestion), pipeline._question_rows(ids))
    finally:
        await engine.dispose()
    return {"users": len(ids)}


def child(argv: Sequence[str]) -> int:
    """``python -m bench.encryption child --cipher VARIANT WHAT ...``: one child process."""
    parser = argparse.ArgumentParser(prog="bench.encryption child")
    parser.add_argument("--cipher", choices=VARIANTS, required=True)
    what = parser.add_subparsers(dest="what", required=True)
    what.add_parser("draft-seed").add_argument("db", type=Path)
    what.add_parser("draft-serve").add_argument("db", type=Path)
    seeding = what.add_parser("notes-seed")
    seeding.add_argument("db", type=Path)
    seeding.add_argument("--users", type=int, required=True)
    bot = what.add_parser("bot", help="the bot's command line (bot.cli.main), e.g. run")
    bot.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    use_cipher(args.cipher)  # before anything builds a cipher object
    if args.what == "bot":
        from bot.cli import main as bot_main

        return bot_main(args.args)
    if args.what == "draft-serve":
        asyncio.run(serve_drafts(args.db))
    elif args.what == "draft-seed":
        _answer(asyncio.run(seed_year(args.db)))
    else:
        _answer(asyncio.run(seed_note_users(args.db, args.users)))
    return 0


# --------------------------------------------------------------------------- measurements


def _order(round_: int) -> tuple[str, ...]:
    return VARIANTS if round_ % 2 == 0 else tuple(reversed(VARIANTS))


class DraftProcess:
    """A ``draft-serve`` child of one variant, asked for one thing at a time."""

    def __init__(self, variant: str, db: Path, log: Path) -> None:
        self.variant = variant
        self.log = log
        self._err = log.open("wb")
        self.popen = subprocess.Popen(
            _child_command(variant, "draft-serve", str(db)),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
        )

    def read(self, timeout: float = 300.0) -> dict[str, Any]:
        """The child's next answer (one JSON line)."""
        assert self.popen.stdout is not None
        ready, _, _ = select.select([self.popen.stdout], [], [], timeout)
        line = self.popen.stdout.readline() if ready else ""
        if not line:
            self._err.flush()
            tail = self.log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"the {self.variant} draft process did not answer:\n{tail}")
        found: dict[str, Any] = json.loads(line)
        _check_cipher(self.variant, found)
        return found

    def ask(self, command: str) -> dict[str, Any]:
        assert self.popen.stdin is not None
        self.popen.stdin.write(command + "\n")
        self.popen.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.popen.poll() is None:
            try:
                self.ask_quit()
                self.popen.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.popen.kill()
                self.popen.wait()
        self._err.close()

    def ask_quit(self) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write("quit\n")
        self.popen.stdin.close()


SAMPLE_KEYS = ("load_wall", "load_cpu", "total_wall", "total_cpu")


def draft_round(
    round_: int, sizes: Sizes, dbs: dict[str, Path], folder: Path, profile: bool
) -> dict[str, dict[str, Any]]:
    """Both variants' draft processes side by side: a cold run each, then ``draft_runs``
    pairs of runs taken turn about (which variant goes first alternates pair by pair)."""
    order = _order(round_)
    children: dict[str, DraftProcess] = {}
    found: dict[str, dict[str, Any]] = {}
    # Both on one CPU (they take turns, never run together), so a busy core elsewhere on the
    # machine slows both alike; which CPU changes from round to round.
    cpus = sorted(os.sched_getaffinity(0))
    cpu = cpus[round_ % len(cpus)]
    try:
        for variant in order:
            log = folder / f"draft-{round_ + 1}-{variant}.log"
            children[variant] = DraftProcess(variant, dbs[variant], log)
            os.sched_setaffinity(children[variant].popen.pid, {cpu})
        for variant in order:
            children[variant].read(timeout=180)  # ready: imports done, vault open
        taken = {v: [children[v].ask("run")] for v in order}  # cold
        for pair in range(sizes.draft_runs):
            for variant in order if pair % 2 == 0 else order[::-1]:
                taken[variant].append(children[variant].ask("run"))
        for variant in order:
            runs = taken[variant]
            found[variant] = {
                "samples": {key: [run[key] for run in runs] for key in SAMPLE_KEYS},
                "first": order[0],
                "cpu": cpu,
                "cipher": runs[-1]["cipher"],
                "weeks_answered": runs[-1]["weeks_answered"],
                "markdown_bytes": runs[-1]["markdown_bytes"],
                "markdown_sha256": sorted({run["markdown_sha256"] for run in runs}),
                **children[variant].ask("count"),
            }
            if profile:
                found[variant]["profile"] = children[variant].ask("profile")["profile"]
    finally:
        for child_ in children.values():
            child_.close()
    return found


def measure_drafts(sizes: Sizes, folder: Path, profile: bool) -> dict[str, Any]:
    dbs = {v: folder / f"draft-{v}.sqlite3" for v in VARIANTS}
    found: dict[str, Any] = {
        "seed": {v: run_child(v, ["draft-seed", str(dbs[v])]) for v in VARIANTS}
    }
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for round_ in range(sizes.rounds):
        taken = draft_round(round_, sizes, dbs, folder, profile=False)
        for variant in VARIANTS:
            runs[variant].append(taken[variant])
        medians = {v: statistics.median(taken[v]["samples"]["total_wall"][1:]) for v in VARIANTS}
        print(
            f"draft round {round_ + 1}/{sizes.rounds}: median "
            + ", ".join(f"{ms(medians[v])} ms {v}" for v in VARIANTS),
            flush=True,
        )
    found["runs"] = runs
    if profile:  # one more round, not counted: cProfile slows what it watches
        taken = draft_round(
            sizes.rounds, dataclasses.replace(sizes, draft_runs=1), dbs, folder, True
        )
        found["profile"] = {v: taken[v]["profile"] for v in VARIANTS}
    return found


def note_pair(
    order: Sequence[str], sizes: Sizes, folder: Path, profile: bool
) -> dict[str, dict[str, Any]]:
    """Both variants' bots at the same time, each on a fresh database against its own strict
    loopback Bot API, each given the burst of :func:`bench.pipeline.burst` at the same
    moment: both see the same machine while they work."""
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import ExitStack

    from bench import pipeline
    from bench.loopback import BenchAPI, Process, Tracker, log_problems

    burst_sizes = pipeline.Sizes(0, sizes.note_users, sizes.notes_per_user, 0, sizes.settle)
    timeout = pipeline._burst_timeout(burst_sizes)
    where = {v: folder / v for v in order}
    found: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        apis: dict[str, BenchAPI] = {}
        trackers: dict[str, Tracker] = {}
        bots: dict[str, Process] = {}
        for variant in order:
            where[variant].mkdir(parents=True, exist_ok=True)
            db = where[variant] / "bot.sqlite3"
            apis[variant] = stack.enter_context(BenchAPI(token=pipeline.TOKEN, strict=True))
            trackers[variant] = Tracker("reaction_or_reply").attach(apis[variant])
            env = pipeline.child_env(
                apis[variant], DATABASE_URL=_url(db), SCHEDULER_INTERVAL_SECONDS="1"
            )
            run_child(variant, ["notes-seed", str(db), "--users", str(sizes.note_users)], env=env)
            bots[variant] = Process(
                "bot", _child_command(variant, "bot", "run"), where[variant], env
            )
            stack.callback(bots[variant].kill)
        for variant in order:
            found[variant] = {"ready_after": pipeline.wait_polling(apis[variant], bots[variant])}
        with ThreadPoolExecutor(len(order)) as pool:
            futures = {
                variant: pool.submit(
                    pipeline.burst,
                    apis[variant],
                    trackers[variant],
                    bots[variant],
                    burst_sizes,
                    timeout,
                    where[variant] / "bot-burst.pyspy.txt" if profile else None,
                )
                for variant in order
            }
            for variant in order:
                found[variant].update(futures[variant].result())
        for variant in order:
            found[variant]["exit_code"] = bots[variant].stop()
            found[variant]["log"] = log_problems(bots[variant].output())
            found[variant]["first"] = order[0]
    for variant in order:
        found[variant]["sealed_by"] = sealed_by(where[variant] / "bot.sqlite3")
        if found[variant]["sealed_by"] not in (variant, None):
            raise RuntimeError(f"the {variant} bot stored notes sealed by another cipher")
    return found


def measure_notes(sizes: Sizes, folder: Path, profile: bool) -> dict[str, Any]:
    from bench import profiling

    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for round_ in range(sizes.rounds):
        taken = note_pair(_order(round_), sizes, folder / f"notes-{round_ + 1}", profile=False)
        for variant in VARIANTS:
            runs[variant].append(taken[variant])
        print(
            f"notes round {round_ + 1}/{sizes.rounds}: CPU s per 1,000 notes "
            + ", ".join(f"{taken[v]['cpu_per_1000_notes']:.2f} {v}" for v in VARIANTS)
            + "; acknowledged "
            + ", ".join(f"{taken[v]['acknowledged']}/{taken[v]['notes']}" for v in VARIANTS),
            flush=True,
        )
    result: dict[str, Any] = {"runs": runs}
    if profile:  # one more pair, not counted: py-spy takes CPU of its own
        where = folder / "notes-profile"
        note_pair(VARIANTS, sizes, where, profile=True)
        result["profile"] = {}
        for variant in VARIANTS:
            raw = where / variant / "bot-burst.pyspy.txt"
            if raw.exists():
                # This module's frames (main → child → the bot's CLI) are on every stack.
                summary = profiling.summarize(raw).splitlines()
                result["profile"][variant] = "\n".join(
                    line for line in summary if not line.endswith("(encryption.py)")
                )
    return result


def measure(sizes: Sizes, folder: Path, *, profile: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"sizes": asdict(sizes), "load_average_before": os.getloadavg()}
    found["drafts"] = measure_drafts(sizes, folder, profile)
    found["notes"] = measure_notes(sizes, folder, profile)
    found["load_average_after"] = os.getloadavg()
    return found


# --------------------------------------------------------------------------- report


def _warm(runs: list[dict[str, Any]], key: str) -> list[float]:
    return [value for run in runs for value in run["samples"][key][1:]]


def summarize(found: dict[str, Any]) -> dict[str, Any]:
    """Medians per variant and their ratios (AES-GCM ÷ pass-through), overall and per round."""
    drafts, notes = found["drafts"]["runs"], found["notes"]["runs"]
    summary: dict[str, Any] = {"draft": {}, "notes": {}, "rounds": []}
    for variant in VARIANTS:
        summary["draft"][variant] = {
            key: Stats.of(_warm(drafts[variant], key)).__dict__
            for key in ("load_wall", "load_cpu", "total_wall", "total_cpu")
        }
        per_note = [run["cpu_per_1000_notes"] for run in notes[variant]]
        summary["notes"][variant] = {
            "cpu_per_1000_notes": statistics.median(per_note),
            "cpu_per_1000_notes_all": per_note,
            "acknowledged": sum(run["acknowledged"] for run in notes[variant]),
            "notes": sum(run["notes"] for run in notes[variant]),
            "burst_seconds": statistics.median(
                run["last_ack_after"] or 0 for run in notes[variant]
            ),
        }

    def ratio(section: str, key: str) -> float:
        a, b = summary[section][AES_GCM][key], summary[section][PASS_THROUGH][key]
        a, b = (a["median"], b["median"]) if isinstance(a, dict) else (a, b)
        return float(a / b) if b else float("inf")

    def paired(key: str) -> float:
        """The median of AES-GCM ÷ pass-through over runs taken back to back."""
        return statistics.median(
            float(a / b)
            for run_a, run_b in zip(drafts[AES_GCM], drafts[PASS_THROUGH], strict=True)
            for a, b in zip(run_a["samples"][key][1:], run_b["samples"][key][1:], strict=True)
        )

    summary["ratio"] = {
        "draft_wall": ratio("draft", "total_wall"),
        "draft_cpu": ratio("draft", "total_cpu"),
        "load_wall": ratio("draft", "load_wall"),
        "load_cpu": ratio("draft", "load_cpu"),
        "draft_wall_paired": paired("total_wall"),
        "draft_cpu_paired": paired("total_cpu"),
        "cpu_per_note": ratio("notes", "cpu_per_1000_notes"),
    }
    for n in range(len(drafts[AES_GCM])):
        medians = {
            v: statistics.median(drafts[v][n]["samples"]["total_wall"][1:]) for v in VARIANTS
        }
        pairs = zip(
            drafts[AES_GCM][n]["samples"]["total_wall"][1:],
            drafts[PASS_THROUGH][n]["samples"]["total_wall"][1:],
            strict=True,
        )
        cpu = {v: notes[v][n]["cpu_per_1000_notes"] for v in VARIANTS}
        summary["rounds"].append(
            {
                "first": _order(n)[0],
                "draft_wall": medians,
                "draft_ratio": medians[AES_GCM] / medians[PASS_THROUGH],
                "draft_ratio_paired": statistics.median(a / b for a, b in pairs),
                "cpu_per_1000_notes": cpu,
                "note_ratio": cpu[AES_GCM] / cpu[PASS_THROUGH] if cpu[PASS_THROUGH] else None,
            }
        )
    return summary


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}×"


def build_report(found: dict[str, Any], sizes: Sizes, quick: bool) -> Report:
    summary = summarize(found)
    ratio = summary["ratio"]
    draft_ok = ratio["draft_wall"] <= DRAFT_TARGET and ratio["draft_cpu"] <= DRAFT_TARGET
    notes_all = all(
        run["all_acknowledged"] for runs in found["notes"]["runs"].values() for run in runs
    )
    note_ok = notes_all and ratio["cpu_per_note"] <= NOTE_TARGET
    shas = {
        sha
        for runs in found["drafts"]["runs"].values()
        for run in runs
        for sha in run["markdown_sha256"]
    }
    report = Report(
        name="encryption",
        title="Encryption at rest: AES-256-GCM against a pass-through cipher, same code",
        target=(
            f"loading and compiling the 52-week draft ≤ {DRAFT_TARGET}× and CPU per stored note "
            f"≤ {NOTE_TARGET}× the same code with the cipher replaced by a pass-through "
            "(medians of interleaved rounds in one run)"
        ),
        quick=quick,
        passed=draft_ok and note_ok,
    )
    report.verdict = (
        f"draft ×{ratio['draft_wall']:.3f} wall, ×{ratio['draft_cpu']:.3f} CPU "
        f"({'met' if draft_ok else 'missed'}, ≤ {DRAFT_TARGET}); CPU per note "
        f"×{ratio['cpu_per_note']:.3f} ({'met' if note_ok else 'missed'}, ≤ {NOTE_TARGET})"
    )
    d, n = summary["draft"], summary["notes"]

    def cells(key: str) -> list[str]:
        return [ms(d[v][key]["median"]) for v in VARIANTS]

    mark = {True: "met", False: "MISSED"}
    table = Table(
        f"Medians over {sizes.rounds} round(s); each variant in processes of its own, side by side",
        ["measure", LABELS[AES_GCM], LABELS[PASS_THROUGH], "ratio", "target", "result"],
        [
            [
                "draft, 52 weeks: load + compile, wall ms",
                *cells("total_wall"),
                _x(ratio["draft_wall"]),
                f"≤ {DRAFT_TARGET}×",
                mark[ratio["draft_wall"] <= DRAFT_TARGET],
            ],
            [
                "draft, 52 weeks: load + compile, CPU ms",
                *cells("total_cpu"),
                _x(ratio["draft_cpu"]),
                f"≤ {DRAFT_TARGET}×",
                mark[ratio["draft_cpu"] <= DRAFT_TARGET],
            ],
            [
                "draft: median of the ratios of runs taken back to back, wall / CPU",
                "",
                "",
                f"{_x(ratio['draft_wall_paired'])} / {_x(ratio['draft_cpu_paired'])}",
                "",
                "—",
            ],
            [
                "of which the load (opens every value), wall ms",
                *cells("load_wall"),
                _x(ratio["load_wall"]),
                "",
                "—",
            ],
            [
                "of which the load, CPU ms",
                *cells("load_cpu"),
                _x(ratio["load_cpu"]),
                "",
                "—",
            ],
            [
                f"stored note: CPU s per 1,000 notes ({sizes.notes:,} per burst)",
                *[f"{n[v]['cpu_per_1000_notes']:.2f}" for v in VARIANTS],
                _x(ratio["cpu_per_note"]),
                f"≤ {NOTE_TARGET}×",
                mark[note_ok],
            ],
            [
                "stored note: burst acknowledged after, s",
                *[f"{n[v]['burst_seconds']:.1f}" for v in VARIANTS],
                "",
                "",
                "—",
            ],
        ],
    )
    report.tables.append(table)
    rounds = Table(
        "Per round: the draft's median wall time (ms) with the ratio of the medians and the "
        "median ratio of runs taken back to back, and CPU s per 1,000 notes",
        [
            "round",
            "first",
            f"draft {LABELS[AES_GCM]}",
            "draft pass-through",
            "draft ratio",
            "draft paired",
            f"notes {LABELS[AES_GCM]}",
            "notes pass-through",
            "notes ratio",
        ],
    )
    for number, r in enumerate(summary["rounds"], 1):
        rounds.rows.append(
            [
                str(number),
                LABELS[r["first"]],
                *[ms(r["draft_wall"][v]) for v in VARIANTS],
                _x(r["draft_ratio"]),
                _x(r["draft_ratio_paired"]),
                *[f"{r['cpu_per_1000_notes'][v]:.2f}" for v in VARIANTS],
                _x(r["note_ratio"]),
            ]
        )
    report.tables.append(rounds)

    seed = found["drafts"]["seed"][AES_GCM]
    first = found["drafts"]["runs"][AES_GCM][0]
    opened = first["opened_per_load"]
    logs = [run["log"] for runs in found["notes"]["runs"].values() for run in runs]
    kinds: Counter[str] = Counter()
    for log in logs:
        kinds.update(log["lines"])
    problems = ", ".join(f"{count} × {kind}" for kind, count in kinds.most_common()) or "none"
    tracebacks = sum(log["tracebacks"] for log in logs)
    load = found["load_average_before"][0], found["load_average_after"][0]
    report.notes += [
        "The pass-through replaces bot.crypto.cipher.AESGCM in the benchmark's child processes "
        "only (data + a 16-byte zero tag, the same sizes); the rest of the sealing (ORM events, "
        "associated data, nonces, base64, key look-ups) runs in both variants, so the ratios "
        "are what AES-GCM itself costs, not the whole of encryption at rest.",
        f"Draft: {seed['weeks']} answered weeks, {seed['answers']} answers, {seed['entries']} "
        f"entries, {seed['goals']} goals stored through the ORM with the vault attached; one "
        f"load opens {sum(opened.values()):,} values ("
        + ", ".join(f"{count} {table}" for table, count in sorted(opened.items()))
        + f"). Timed: users.get_user + load_journal in Services.reading(), then compile_for "
        "(the /draft task's work before it sends). Each round starts one process per variant, "
        "both pinned to the same CPU; after a cold run each, they take "
        f"{sizes.draft_runs} runs each turn about (the one to go first alternates), so both "
        "see the same machine; "
        f"{sizes.rounds * sizes.draft_runs} warm runs per variant in all. Drafts: "
        f"{first['weeks_answered']} weeks answered, {first['markdown_bytes'] / 1024:.0f} KiB of "
        "Markdown, "
        + (
            "identical in both variants."
            if len(shas) == 1
            else f"{len(shas)} different texts across runs (!)."
        ),
        f"Notes: each round runs both variants' bots at the same time, each on a fresh SQLite "
        f"file with {sizes.note_users} onboarded users (with data keys) against its own strict "
        "loopback Bot API, each the bot's run command in a child that swapped the cipher "
        f"first; both get {sizes.notes:,} notes at the same moment, measured as "
        "bench/pipeline.py measures its burst (process utime + stime from the push to the last "
        "acknowledgement, including the 1-s scheduler ticks). "
        f"{n[AES_GCM]['acknowledged']:,}/{n[AES_GCM]['notes']:,} and "
        f"{n[PASS_THROUGH]['acknowledged']:,}/{n[PASS_THROUGH]['notes']:,} notes acknowledged; "
        f"bot log lines WARNING or above: {problems}; tracebacks: {tracebacks}.",
        f"Machine load average (1 min) before / after the run: {load[0]:.2f} / {load[1]:.2f}. "
        "Absolute times on a shared machine drift; the ratios compare runs taken side by side.",
    ]
    for section, label in (("drafts", "cProfile, one draft"), ("notes", "py-spy, bot burst")):
        for variant, text in found[section].get("profile", {}).items():
            report.blocks[f"{label} ({LABELS[variant]})"] = text
    report.data = {**found, "summary": summary}
    return report


def main(argv: Sequence[str] | None = None) -> Report | None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        code = child(argv[1:])
        if code:
            sys.exit(code)
        return None
    parser = make_parser(__doc__ or "")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5; 1 quick)")
    parser.add_argument(
        "--workdir", type=Path, help="keep the databases and logs here (default: a temp dir)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="one more, unmeasured run per variant: cProfile of a draft, py-spy of a burst "
        "(pip install py-spy)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.rounds is not None:
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        found = measure(sizes, args.workdir, profile=args.profile)
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-encryption-"))
        try:
            found = measure(sizes, folder, profile=args.profile)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return finish(build_report(found, sizes, args.quick), args)


if __name__ == "__main__":
    main()
