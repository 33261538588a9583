"""/delete destroys the user's data key: a backup taken before can no longer be opened."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.crypto.cipher import Unreadable, key_id_of
from bot.crypto.sealing import open_value
from bot.crypto.vault import KeyConfig, Vault
from bot.storage.engine import sqlite_path
from bot.storage.models import Entry, User
from tests.conftest import Bot
from tests.data.seed import seed_user

CONFIRM = "🗑 Delete everything"
Sealed = list[tuple[int, int, int, str]]  # user, chat, message, sealed text


async def _sealed_entries(bot: Bot, tmp_path: Path) -> Sealed:
    """What a backup made now holds of every note: a ``.backup`` copy of a SQLite file, the
    rows as ``pg_dump`` would write them on PostgreSQL."""
    table = Entry.__table__
    columns = [table.c.user_id, table.c.chat_id, table.c.message_id, table.c.text]
    path = sqlite_path(bot.services.settings.database_url)
    if path is None:
        async with bot.services.engine.connect() as connection:
            rows: list[Any] = list(
                await connection.execute(select(*columns).where(table.c.text.is_not(None)))
            )
        return [tuple(row) for row in rows]  # type: ignore[misc]
    backup = tmp_path / "before-delete.sqlite3"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(backup)) as target:
        source.backup(target)
    with closing(sqlite3.connect(backup)) as connection:
        return list(
            connection.execute(
                "SELECT user_id, chat_id, message_id, text FROM entries WHERE text IS NOT NULL"
            )
        )


async def _open_with_master_key(bot: Bot, sealed: Sealed) -> list[str | BaseException]:
    """Open each value as someone holding the master key and today's keyring would."""
    settings = bot.services.settings
    vault = Vault(KeyConfig.from_settings(settings, settings.database_url))
    await vault.open(bot.clock.now())
    try:

        async def attempt(user: int, chat: int, message: int, text: str) -> str | BaseException:
            try:
                await vault.key(key_id_of(text))  # fetched from the keyring, or Unreadable
                return str(open_value(vault, Entry, "text", user, f"{chat}/{message}", text))
            except Unreadable as exc:
                return exc

        return [await attempt(*row) for row in sealed]
    finally:
        await vault.close()


async def test_a_backup_from_before_delete_cannot_be_opened(bot: Bot, tmp_path: Path) -> None:
    user = await seed_user(bot)
    other = bot.user(1002, first_name="Bea")
    await other.send("/start")
    await other.send("Bea's note stays readable")
    backup = await _sealed_entries(bot, tmp_path)
    mine = [row for row in backup if row[0] == 1001]
    assert len(mine) >= 9
    before = await _open_with_master_key(bot, mine)
    assert "a note I edited" in before  # the backup opens while the key exists

    await user.send("/delete")
    await user.tap(CONFIRM)
    await bot.pipeline.settle()  # the shred task has run

    after = await _open_with_master_key(bot, mine)
    assert all(isinstance(value, Unreadable) for value in after), after
    assert "does not exist" in str(after[0])
    theirs = await _open_with_master_key(bot, [row for row in backup if row[0] == 1002])
    assert "Bea's note stays readable" in theirs  # one user's deletion is theirs alone


async def _a_user_with_a_note(bot: Bot) -> tuple[Any, str]:
    """User 1001, started, with one note; and their data key's id."""
    user = bot.user()
    await user.send("/start")
    await user.send("still mine")
    async with bot.services.reading() as session:
        key_id = await session.scalar(select(User.key_id).where(User.id == 1001))
    assert key_id is not None
    return user, key_id


async def test_the_key_goes_only_after_the_deletion_commits(bot: Bot) -> None:
    """The key is destroyed by a task the deleting transaction queued: until it commits
    nothing is destroyed, so a failed deletion never leaves rows nobody can read."""
    user, key_id = await _a_user_with_a_note(bot)
    assert await bot.services.vault.keyring.get(key_id) is not None
    await user.send("/delete")
    await user.tap(CONFIRM)
    await bot.pipeline.settle()
    assert await bot.services.vault.keyring.get(key_id) is None
    await user.send("/start")  # a new beginning gets a new key
    await user.send("a fresh start")
    async with bot.services.reading() as session:
        fresh = await session.scalar(select(User.key_id).where(User.id == 1001))
        texts = [e.text for e in await session.scalars(select(Entry))]
    assert fresh not in (None, key_id)
    assert texts == ["a fresh start"]


async def test_the_key_is_destroyed_even_after_days_of_a_broken_keyring(bot: Bot) -> None:
    """The user was told everything is gone: the sender never gives up on the shredding."""
    import datetime as dtm

    from sqlalchemy import text

    user, key_id = await _a_user_with_a_note(bot)
    keyring = bot.services.vault.keyring
    start = bot.clock.now()
    async with keyring.engine.begin() as connection:  # the keyring breaks: its table is gone
        await connection.execute(text("ALTER TABLE keyring_data_keys RENAME TO away"))
    await user.send("/delete")
    await user.tap(CONFIRM)  # the sender retries for a day, then hourly, never giving up
    assert bot.clock.now() - start > dtm.timedelta(days=1)
    bot.clock.advance(dtm.timedelta(days=2))
    await bot.pipeline.settle()
    async with keyring.engine.begin() as connection:  # the operator repairs it
        await connection.execute(text("ALTER TABLE away RENAME TO keyring_data_keys"))
    assert await keyring.get(key_id) is not None
    bot.clock.advance(dtm.timedelta(hours=1, minutes=1))
    await bot.pipeline.settle()
    assert await keyring.get(key_id) is None


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_privacy_says_the_words_are_encrypted_and_delete_destroys_the_key(
    bot: Bot, language: str
) -> None:
    user = bot.user(language_code=language)
    await user.send("/privacy")
    text = user.last_text()
    expected = {"en": ("encrypted", "key"), "ko": ("암호화", "열쇠")}[language]
    for phrase in expected:
        assert phrase in text, text
