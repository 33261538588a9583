"""Benchmark 7: importing a 5,000-entry Day One export while another user keeps writing.

Run: ``.venv/bin/python -m bench.import_journal [--quick] [--json PATH]``.

Builds a Day One JSON export in memory (5,000 entries over two years in English and Korean,
one in twenty with a photo), parses it with :func:`bot.imports.formats.parse_export` and
stores it with :func:`bot.imports.store.store` on a fresh SQLite file with the production
engine (WAL, ``synchronous=FULL``, writer sessions that take the write lock as they begin)
and its vault attached, so every entry is sealed as the bot seals it (:mod:`bot.crypto`).
Each batch transaction (``Services.transaction``, as in the bot: an asyncio lock in front of
``BEGIN IMMEDIATE``) is timed from when it holds the write lock to its commit. Meanwhile
"another user" commits one small write (a note) every 50 ms the same way, and the time each
write waits and takes is recorded, against the same writes with no import running.

Targets (issue "Bring your past"): no batch holds the write lock for more than 1 s, and the
other user's writes stay responsive: their worst latency during the import under 1 s.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
import tempfile
import time
import zipfile
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import synthetic
from bench.common import Report, Stats, Table, finish, ms, parse_args

if TYPE_CHECKING:
    from bot.services import Services

TARGET_LOCK_SECONDS = 1.0
TARGET_OTHER_SECONDS = 1.0
OTHER_EVERY = 0.05  # seconds between the other user's writes
JPEG = bytes.fromhex("ffd8ffe000104a4649460001010000010001000000ffd9")


def dayone_export(count: int) -> bytes:
    """A Day One JSON export with ``count`` entries, one in twenty with a photo."""
    start = dtm.datetime(2025, 1, 1, tzinfo=dtm.UTC)
    entries: list[dict[str, Any]] = []
    photos: dict[str, bytes] = {}
    for n in range(count):
        text = (
            f"Entry {n}: a long run by the river, then notes on the project. "
            if n % 2
            else f"{n}번째 기록: 강가를 달리고 프로젝트를 정리했다. "
        ) * 3
        entry: dict[str, Any] = {
            "uuid": f"U{n:06d}",
            "creationDate": (start + dtm.timedelta(hours=3.5 * n))
            .isoformat()
            .replace("+00:00", "Z"),
            "timeZone": "Asia/Seoul" if n % 3 else "Europe/Berlin",
            "text": text,
            "tags": ["bench"],
            "starred": n % 50 == 0,
        }
        if n % 20 == 0:
            content = JPEG + n.to_bytes(4, "big")
            md5 = f"{n:032x}"
            photos[md5] = content
            entry["photos"] = [{"identifier": f"P{n}", "md5": md5, "type": "jpeg"}]
            entry["text"] += f"\n\n![](dayone-moment://P{n})"
        entries.append(entry)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Journal.json", json.dumps({"entries": entries}, ensure_ascii=False))
        for md5, content in photos.items():
            archive.writestr(f"photos/{md5}.jpeg", content)
    return buffer.getvalue()


async def measure(count: int, folder: Path) -> dict[str, Any]:
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.services import Services
    from bot.storage.engine import create_engine, session_factory
    from bot.storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}"
    engine = create_engine(url)
    now = dtm.datetime(2026, 11, 20, tzinfo=dtm.UTC)
    try:
        async with synthetic.open_vault(engine, url, now) as vault:  # as the bot starts
            await upgrade(engine)
            settings = Settings(
                telegram_bot_token="123456789:AAE-fake-token-for-benchmarks-0123456789",  # type: ignore[arg-type]
                database_url=url,
                encryption_key=synthetic.MASTER_KEY,  # type: ignore[arg-type]
                _env_file=None,  # type: ignore[call-arg]
            )
            services = Services(settings, SystemClock(), engine, session_factory(engine), vault)
            return await _import_while_writing(services, count, now)
    finally:
        await engine.dispose()


async def _import_while_writing(
    services: Services, count: int, now: dtm.datetime
) -> dict[str, Any]:
    from sqlalchemy import func, select

    from bot.domain.journal import MessageKind
    from bot.imports.formats import parse_export
    from bot.imports.store import store
    from bot.storage import entries as entry_store
    from bot.storage import users
    from bot.storage.models import Entry

    async with services.transaction() as session:
        for user_id in (1, 2):
            await users.create_user(
                session, user_id=user_id, chat_id=user_id, language="en", now=now
            )
    raw = dayone_export(count)
    started = time.perf_counter()
    parsed = await asyncio.to_thread(parse_export, raw, "dayone.zip", "Asia/Seoul")
    parse_seconds = time.perf_counter() - started
    locks: list[float] = []

    @asynccontextmanager
    async def timed_transaction() -> Any:
        async with services.transaction() as session:  # the bot's own writes take the same way
            began = time.perf_counter()
            yield session
        locks.append(time.perf_counter() - began)

    other: list[float] = []
    next_message = 10_000

    async def other_user(stop: asyncio.Event) -> None:
        nonlocal next_message
        while not stop.is_set():
            asked = time.perf_counter()
            async with services.transaction() as session:
                next_message += 1
                await entry_store.add_entry(
                    session,
                    user_id=2,
                    week="2026-W47",
                    chat_id=2,
                    message_id=next_message,
                    kind=MessageKind.TEXT,
                    text="still here",
                    sent_at=now,
                )
            other.append(time.perf_counter() - asked)
            await asyncio.sleep(OTHER_EVERY)

    # The other user's writes alone, for comparison.
    stop = asyncio.Event()
    task = asyncio.create_task(other_user(stop))
    await asyncio.sleep(1.0)
    stop.set()
    await task
    idle = list(other)
    other.clear()

    stop = asyncio.Event()
    task = asyncio.create_task(other_user(stop))
    started = time.perf_counter()
    stored = await store(
        timed_transaction,
        parsed,
        user_id=1,
        chat_id=1,
        zone="Asia/Seoul",
        now=now,
        between_batches=lambda: asyncio.sleep(0),
    )
    import_seconds = time.perf_counter() - started
    stop.set()
    await task
    async with services.reading() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Entry).where(Entry.user_id == 1)
        )
    return {
        "entries": len(parsed.entries),
        "problems": len(parsed.problems),
        "photos": stored.photos,
        "rows": rows,
        "parse_s": parse_seconds,
        "import_s": import_seconds,
        "batches": len(locks),
        "lock": Stats.of(locks).__dict__,
        "other_idle": Stats.of(idle).__dict__,
        "other_during": Stats.of(other).__dict__,
        "other_writes": len(other),
    }


def build_report(found: dict[str, Any], quick: bool) -> Report:
    lock, idle, during = found["lock"], found["other_idle"], found["other_during"]
    lock_ok = lock["maximum"] <= TARGET_LOCK_SECONDS
    other_ok = during["maximum"] <= TARGET_OTHER_SECONDS
    return Report(
        name="import_journal",
        title="Importing a Day One export while another user writes",
        target=f"no batch holds the write lock over {TARGET_LOCK_SECONDS:.0f} s; the other "
        f"user's writes take under {TARGET_OTHER_SECONDS:.0f} s meanwhile",
        quick=quick,
        passed=lock_ok and other_ok,
        verdict=f"longest write lock {ms(lock['maximum'])} ms over {found['batches']} batches "
        f"({'met' if lock_ok else 'missed'}); other user's slowest write {ms(during['maximum'])} "
        f"ms ({'met' if other_ok else 'missed'})",
        tables=[
            Table(
                "times (ms)",
                ["what", "n", "median", "p95", "max"],
                [
                    [
                        "import batch, BEGIN IMMEDIATE → commit",
                        str(lock["runs"]),
                        ms(lock["median"]),
                        ms(lock["p95"]),
                        ms(lock["maximum"]),
                    ],
                    [
                        "other user's write, no import",
                        str(idle["runs"]),
                        ms(idle["median"]),
                        ms(idle["p95"]),
                        ms(idle["maximum"]),
                    ],
                    [
                        "other user's write, during the import",
                        str(during["runs"]),
                        ms(during["median"]),
                        ms(during["p95"]),
                        ms(during["maximum"]),
                    ],
                ],
            )
        ],
        notes=[
            f"{found['entries']:,} entries ({found['photos']} photos, {found['problems']} "
            f"unreadable) parsed in {found['parse_s']:.2f} s and stored as {found['rows']:,} "
            f"notes in {found['import_s']:.1f} s, {found['batches']} transactions.",
            "SQLite file with the production engine: WAL, synchronous=FULL, writer sessions.",
        ],
        data=found,
    )


def main(argv: Sequence[str] | None = None) -> Report:
    args = parse_args(argv, __doc__ or "")
    count = 600 if args.quick else 5000
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        found = asyncio.run(measure(count, Path(tmp)))
    return finish(build_report(found, args.quick), args)


if __name__ == "__main__":
    main()
