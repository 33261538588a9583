"""README's backup and restore, end to end, on SQLite.

The bot stores a user's year (tests/data/seed.py) and keeps running while a backup is taken with
SQLite's online backup (what ``sqlite3 data/weekly-review.sqlite3 ".backup 'file'"`` does). The
backup is restored the README's way, into a data folder of its own, with the keyring (kept
apart from the database's backups) beside it and the same master key; then ``python -m bot draft``
run against the live database and against the restored one must write the same drafts, and the
restored database must pass the migration check every start runs.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import ENCRYPTION_KEY, TOKEN, Bot
from tests.data.seed import seed_user
from tests.test_cli import Result, finish, start_bot


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite, whatever TEST_DATABASE_URL says: the backup is SQLite's own."""
    return f"sqlite+aiosqlite:///{tmp_path / 'live' / 'weekly-review.sqlite3'}"


def row_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def drafts_from_the_cli(folder: Path, database: Path) -> dict[str, Result]:
    """``python -m bot draft`` for 2026, without and with the private answers."""
    runs = {
        name: start_bot(
            folder,
            "draft",
            "--user-id",
            "1001",
            "--year",
            "2026",
            "--out",
            name,
            *flags,
            DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            ENCRYPTION_KEY=ENCRYPTION_KEY,
        )
        for name, flags in (("draft.md", ()), ("draft-all.md", ("--all",)))
    }
    return {name: finish(process) for name, process in runs.items()}


async def test_a_restored_backup_gives_the_same_drafts(bot: Bot, tmp_path: Path) -> None:
    await seed_user(bot)
    live = tmp_path / "live" / "weekly-review.sqlite3"

    backup = tmp_path / "backup-2026-11-22.sqlite3"
    with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(backup)) as target:
        source.backup(target)  # while the bot runs, as README's `.backup` command does

    restored = tmp_path / "restored" / "data" / "weekly-review.sqlite3"
    restored.parent.mkdir(parents=True)
    restored.write_bytes(backup.read_bytes())  # README: copy the backup into place
    keyring = live.with_name("weekly-review.keyring.sqlite3")  # kept apart, restored beside it
    restored.with_name(keyring.name).write_bytes(keyring.read_bytes())
    assert row_counts(restored) == row_counts(live)

    for folder, database in ((tmp_path / "live", live), (tmp_path / "restored", restored)):
        for name, result in drafts_from_the_cli(folder, database).items():
            assert (result.code, result.stderr) == (0, ""), name
    for name in ("draft.md", "draft-all.md"):
        live_draft = (tmp_path / "live" / name).read_text(encoding="utf-8")
        assert "Open-sourced the model" in live_draft  # the seeded headline: a real draft
        assert (tmp_path / "restored" / name).read_text(encoding="utf-8") == live_draft
    private = "Thanks to my team lead"  # the answer marked 🔒: only with --all
    assert private not in (tmp_path / "live" / "draft.md").read_text("utf-8")
    assert private in (tmp_path / "live" / "draft-all.md").read_text("utf-8")

    upgrade = finish(
        start_bot(
            tmp_path / "restored",
            "db",
            "upgrade",
            TELEGRAM_BOT_TOKEN=TOKEN,
            DATABASE_URL=f"sqlite+aiosqlite:///{restored}",
            ENCRYPTION_KEY=ENCRYPTION_KEY,
        )
    )
    assert (upgrade.code, upgrade.stdout.strip()) == (0, "database is up to date"), upgrade.stderr
