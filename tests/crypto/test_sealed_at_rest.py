"""What reaches the disk is sealed: no word a user wrote shows in the database, its log, a
backup copy or the keyring, in English or Korean, on SQLite and PostgreSQL."""

from __future__ import annotations

import glob
import json
import os
import sqlite3
import subprocess
from contextlib import closing

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.crypto import cipher
from bot.storage.engine import sqlite_path
from bot.storage.models import Entry, Goal, User
from tests.conftest import Bot
from tests.data.seed import HEADLINE, YEAR_NAME, drafts, seed_user

NOTES = {
    "en": ("Walnut ferry crossing at dawn", "Grandma's <b>plum</b> jam & 🍑"),
    "ko": ("한강에서 자전거를 탔다", "할머니의 자두잼 🍑 <i>최고</i>"),
}
SEEDED = [
    HEADLINE,
    YEAR_NAME,
    "shipped v1.0",
    "Thanks to my team lead",  # private
    "a note I will edit",  # the version before the edit
    "a note I edited",
    "Sunset at the river",  # a caption
    "Run a half marathon",  # a goal
    "What made you proud?",  # a custom question
    "Book 14 done",  # a goal check-in
]


def traces(data: bytes, words: str) -> list[str]:
    """Where ``words`` show in ``data``: as UTF-8, or JSON-escaped as in a stored update."""
    forms = {"utf-8": words.encode(), "json": json.dumps(words).strip('"').encode()}
    return [name for name, form in forms.items() if form in data]


def sqlite_files(bot: Bot) -> dict[str, bytes]:
    """The database, its write-ahead log, a ``.backup`` copy made now, and the keyring."""
    path = sqlite_path(bot.services.settings.database_url)
    assert path is not None
    backup = path.with_name("backup.sqlite3")
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(backup)) as target:
        source.backup(target)
    files = {
        "database": path.read_bytes(),
        "backup": backup.read_bytes(),
        "keyring": path.with_name(path.stem + ".keyring.sqlite3").read_bytes(),
    }
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        files["wal"] = wal.read_bytes()
    return files


def pg_dump(database_url: str) -> bytes:
    """A plain-SQL ``pg_dump`` of the test database (the backup an operator would make)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
    if not found:
        pytest.skip("pg_dump is not installed")
    url = make_url(database_url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    return subprocess.run(
        [
            *(found[-1], "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)),
            *("-U", url.username or "postgres", "--no-owner", url.database or ""),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=60,
    ).stdout


def stored_files(bot: Bot) -> dict[str, bytes]:
    url = bot.services.settings.database_url
    if sqlite_path(url) is not None:
        return sqlite_files(bot)
    return {"pg_dump": pg_dump(url)}


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_no_word_a_user_wrote_is_on_disk(bot: Bot, language: str) -> None:
    user = await seed_user(bot, language=language)
    for note in NOTES[language]:
        await user.send(note)
    await bot.pipeline.settle()
    _, draft_all, archive = await drafts(bot, lang=language)
    everything = draft_all + archive
    words = [*SEEDED, *NOTES[language]]
    for phrase in ("Sunset at the river", *NOTES[language]):  # the bot still reads them all
        assert phrase in everything, phrase

    files = stored_files(bot)
    live = files["database"] + files.get("wal", b"") if "database" in files else None
    for data in (live, files.get("backup"), files.get("pg_dump")):
        assert data is None or b"2026-W47" in data  # weeks stay clear: the grep can see
    for name, data in files.items():
        found = {words_: where for words_ in words if (where := traces(data, words_))}
        assert found == {}, f"{name} holds {found}"


async def test_sealed_values_name_their_key_and_differ_each_time(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")
    await user.send("same words")
    await user.send("same words")
    async with bot.services.engine.connect() as connection:
        texts = list(await connection.scalars(select(Entry.__table__.c.text)))
        key_id = await connection.scalar(select(User.__table__.c.key_id))
    assert len(texts) == 2
    assert all(t.startswith(f"wrb1.{key_id}.") for t in texts)  # version and key id
    assert texts[0] != texts[1]  # a fresh nonce each time


async def test_a_goal_is_sealed_against_its_own_row(bot: Bot) -> None:
    """Goals have no natural key: they are sealed right after their INSERT, by id."""
    user = bot.user()
    await user.send("/start")
    async with bot.services.transaction() as session:
        from bot.storage import goals

        await goals.add_goal(session, 1001, 2026, "Swim across the lake", bot.clock.now())
        await goals.add_goal(session, 1001, 2026, "Learn the cello", bot.clock.now())
    async with bot.services.engine.connect() as connection:
        raw = list(await connection.scalars(select(Goal.__table__.c.text)))
    assert all(cipher.is_sealed(value) for value in raw)
    async with bot.services.reading() as session:
        from bot.storage import goals

        texts = [g.text for g in await goals.goals_of(session, 1001)]
    assert texts == ["Swim across the lake", "Learn the cello"]
