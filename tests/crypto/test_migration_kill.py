"""Upgrading a database of plain words to sealed ones survives ``kill -9`` in the middle.

A real ``python -m bot db upgrade`` process is killed while migration 0006 seals the notes.
The upgrade runs in one transaction, so the database is still entirely at 0005, every word
in place; the next upgrade starts again and finishes, and every word opens.
"""

from __future__ import annotations

import datetime as dtm
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, insert, text

from bot.crypto import cipher
from bot.storage.engine import create_engine, sqlite_path
from bot.storage.migrate import upgrade
from tests.conftest import ENCRYPTION_KEY, TOKEN, keyring_url_for

ROOT = Path(__file__).resolve().parents[2]
USERS = 40
NOTES_EACH = 150
MOMENT = dtm.datetime(2026, 3, 1, 9, tzinfo=dtm.UTC)


def note(user: int, n: int) -> str:
    return f"plain note {n} of user {user}: 산책 {n}"


async def _plain_database(url: str) -> None:
    """A database at revision 0005 (before encryption) holding words in plain text."""
    engine = create_engine(url)
    try:
        await upgrade(engine, "0005")
        async with engine.begin() as connection:
            meta = MetaData()
            await connection.run_sync(lambda sync: meta.reflect(sync))
            users, entries, goals = (meta.tables[n] for n in ("users", "entries", "goals"))
            common: dict[str, Any] = {
                "language": "ko",
                "review_weekday": 6,
                "review_hour": 19,
                "onboarded": True,
                "paused": False,
                "blocked": False,
                "dormant": False,
                "monthly_recap": True,
                "draft_day": 31,
                "draft_format": "markdown",
                "created_at": MOMENT,
                "updated_at": MOMENT,
            }
            ids = range(1001, 1001 + USERS)
            await connection.execute(
                insert(users), [{"id": u, "chat_id": u, **common} for u in ids]
            )
            await connection.execute(
                insert(entries),
                [
                    {
                        "user_id": u,
                        "week": "2026-W09",
                        "chat_id": u,
                        "message_id": n,
                        "kind": "text",
                        "text": note(u, n),
                        "original_text": note(u, n),
                        "sent_at": MOMENT,
                        "starred": False,
                        "tags": ["walk"],
                    }
                    for u in ids
                    for n in range(NOTES_EACH)
                ],
            )
            await connection.execute(
                insert(goals),
                [
                    {"user_id": u, "year": 2026, "text": f"goal of {u}", "position": 0}
                    | {"done": False, "created_at": MOMENT}
                    for u in ids
                ],
            )
    finally:
        await engine.dispose()


async def _state(url: str) -> tuple[str, int, int]:
    """The revision, and how many notes are plain and sealed."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            texts = list(await connection.scalars(text("SELECT text FROM entries")))
    finally:
        await engine.dispose()
    sealed = sum(cipher.is_sealed(t) for t in texts)
    return str(revision), len(texts) - sealed, sealed


def _upgrade_process(url: str, workdir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "ENCRYPTION_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        DATABASE_URL=url,
        ENCRYPTION_KEY=ENCRYPTION_KEY,
        KEYRING_URL=keyring_url_for(url),
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_a_kill_in_the_middle_of_sealing_and_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    await _plain_database(database_url)
    total = USERS * NOTES_EACH
    assert await _state(database_url) == ("0005", total, 0)

    process = _upgrade_process(database_url, tmp_path)
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    seen = []
    for line in process.stderr:  # kill -9 once it has begun sealing the notes
        seen.append(line)
        if "sealing_rows" in line and "entries" in line:
            os.kill(process.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "".join(seen)
    assert process.wait(timeout=30) == -signal.SIGKILL, "".join(seen)

    assert await _state(database_url) == ("0005", total, 0)  # all or nothing: nothing

    again = _upgrade_process(database_url, tmp_path)
    out, err = again.communicate(timeout=120)
    assert (again.returncode, out.strip()) == (0, "database is up to date"), err
    assert await _state(database_url) == ("0006", 0, total)

    path = sqlite_path(database_url)
    if path is not None:  # no plain word left in the file or its log
        wal = path.with_name(path.name + "-wal")
        data = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert note(1001, 7).encode() not in data
        assert "산책".encode() not in data

    exported = _export(database_url, tmp_path, 1003)
    assert note(1003, 149) in exported
    assert "goal of 1003" in exported


def _export(database_url: str, tmp_path: Path, user_id: int) -> str:
    """``python -m bot export`` of one user: what they would get back."""
    export = tmp_path / f"{user_id}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "ENCRYPTION_"))}
    env.update(
        DATABASE_URL=database_url,
        ENCRYPTION_KEY=ENCRYPTION_KEY,
        KEYRING_URL=keyring_url_for(database_url),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--user-id", str(user_id), "--out", str(export)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return export.read_text(encoding="utf-8")
