"""The master key as an operator meets it: made on the first start, missing, wrong, rotated.

A missing or wrong key ends ``python -m bot`` with one line and exit code 2 before anything is
read or written. These call :func:`bot.cli.main` in process, as tests/test_cli.py does.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import cli
from bot.config import Settings
from bot.storage.models import Entry
from tests.conftest import ENCRYPTION_KEY, TOKEN, Bot, BotFactory
from tests.helpers import onboard, stored_user

OTHER_KEY = base64.b64encode(b"another-thirty-two-byte-master!!").decode()
KEY_SETTINGS = {name.upper() for name in Settings.model_fields}


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, restore_logging: None
) -> pytest.MonkeyPatch:
    """No bot setting from this process's environment; a folder without ``.env``; the
    logging that ``cli.main`` sets up is undone afterwards."""
    for name in KEY_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    return monkeypatch


async def in_thread(argv: list[str]) -> int:
    """:func:`bot.cli.main` beside a running bot (it runs its own event loop)."""
    return await asyncio.to_thread(cli.main, argv)


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(err: str, *mentions: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert ENCRYPTION_KEY not in err  # never the key
    assert OTHER_KEY not in err
    for mention in mentions:
        assert mention in lines[0], lines[0]
    return lines[0]


def test_first_start_makes_a_private_key_file_and_says_so_once(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/data/bot.sqlite3")
    assert cli.main(["db", "upgrade"]) == 0
    key = tmp_path / "data" / "encryption.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(base64.b64decode(key.read_text().strip())) == 32
    first = capsys.readouterr().err
    assert first.count("encryption_key_created") == 1
    assert str(key) in first
    assert (tmp_path / "data" / "bot.keyring.sqlite3").exists()  # the keyring, apart

    assert cli.main(["db", "upgrade"]) == 0
    assert "encryption_key_created" not in capsys.readouterr().err
    assert key.read_text() == key.read_text()  # never overwritten


def test_a_first_start_that_fails_still_says_a_key_was_made(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token typo or no network on the very first start: the key file exists from then on,
    and no later start says it again, so the failure's one line must not swallow it."""
    env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/data/bot.sqlite3")
    env.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    assert cli.main(["run"]) != 0
    err = capsys.readouterr().err
    key = tmp_path / "data" / "encryption.key"
    assert key.exists()
    assert err.count("encryption_key_created") == 1
    assert str(key) in err
    assert "always" not in err
    assert ENCRYPTION_KEY not in err


def test_a_missing_key_stops_the_start_before_anything_is_touched(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert cli.main(["db", "upgrade"]) == 0
    (tmp_path / "data" / "encryption.key").rename(tmp_path / "elsewhere.key")
    capsys.readouterr()
    before = fingerprint(database)

    assert cli.main(["run"]) == 2
    one_line(capsys.readouterr().err, "no encryption key", "encryption.key")
    assert fingerprint(database) == before
    assert not (tmp_path / "data" / "encryption.key").exists()  # not silently replaced

    env.setenv("ENCRYPTION_KEY_FILE", str(tmp_path / "nowhere.key"))
    assert cli.main(["run"]) == 2
    one_line(capsys.readouterr().err, "ENCRYPTION_KEY_FILE", "does not exist")

    env.setenv("ENCRYPTION_KEY_FILE", str(tmp_path / "elsewhere.key"))
    assert cli.main(["db", "upgrade"]) == 0  # the key, moved where it belongs


@pytest.mark.parametrize(
    ("setting", "value", "mention"),
    [
        ("ENCRYPTION_KEY", OTHER_KEY, "wrong encryption key"),
        ("ENCRYPTION_KEY", "not base64!", "not base64"),
        ("ENCRYPTION_KEY", base64.b64encode(b"short").decode(), "32 bytes"),
    ],
)
def test_a_wrong_key_stops_the_start_before_anything_is_touched(
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    setting: str,
    value: str,
    mention: str,
) -> None:
    database = tmp_path / "bot.sqlite3"
    env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    env.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    assert cli.main(["db", "upgrade"]) == 0
    capsys.readouterr()
    before = fingerprint(database)
    env.setenv(setting, value)
    assert cli.main(["run"]) == 2
    line = one_line(capsys.readouterr().err, mention)
    assert value not in line or (mention == "wrong encryption key" and OTHER_KEY not in line)
    assert fingerprint(database) == before


async def _sealed(bot: Bot) -> list[str]:
    async with bot.services.engine.connect() as connection:
        return list(await connection.scalars(select(Entry.__table__.c.text)))


async def test_rotation_rewraps_the_keys_and_leaves_the_words_as_they_are(
    bot: Bot, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("words that outlive a key rotation")
    await bot.user(1002).send("/start")
    sealed = await _sealed(bot)
    settings = bot.services.settings
    env.setenv("DATABASE_URL", settings.database_url)
    env.setenv("KEYRING_URL", settings.keyring_url)
    env.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)

    assert await in_thread(["keys", "check"]) == 0
    assert "opens all 3 data keys; each of the 2 users has one" in capsys.readouterr().out

    new = tmp_path / "secrets" / "new.key"
    assert await in_thread(["keys", "rotate", "--new-key-file", str(new)]) == 0
    out = capsys.readouterr().out
    assert "re-wrapped 3 data keys" in out
    assert f"ENCRYPTION_KEY_FILE={new}" in out
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert await _sealed(bot) == sealed  # nothing re-encrypted

    assert await in_thread(["keys", "check"]) == 2  # the old key opens nothing any more
    one_line(capsys.readouterr().err, "wrong encryption key")

    env.delenv("ENCRYPTION_KEY")
    env.setenv("ENCRYPTION_KEY_FILE", str(new))
    assert await in_thread(["keys", "check"]) == 0
    assert "opens all 3 data keys" in capsys.readouterr().out
    out_file = tmp_path / "export.json"
    assert await in_thread(["export", "--user-id", "1001", "--out", str(out_file)]) == 0
    assert "words that outlive a key rotation" in out_file.read_text(encoding="utf-8")

    assert await in_thread(["keys", "rotate", "--new-key-file", str(new)]) == 2
    one_line(capsys.readouterr().err, "in use already")
    assert await in_thread(["keys", "rotate"]) == 2
    one_line(capsys.readouterr().err, "--new-key-file")


async def test_check_names_a_user_whose_key_is_gone(
    bot: Bot, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await bot.user().send("/start")
    settings = bot.services.settings
    async with bot.services.reading() as session:
        from bot.storage.users import get_user

        stored = await get_user(session, 1001)
        assert stored is not None
        assert stored.key_id is not None
    await bot.services.vault.keyring.destroy(stored.key_id)
    env.setenv("DATABASE_URL", settings.database_url)
    env.setenv("KEYRING_URL", settings.keyring_url)
    env.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    assert await in_thread(["keys", "check"]) == 2
    one_line(capsys.readouterr().err, "user 1001", "missing from the keyring")
    assert os.environ["ENCRYPTION_KEY"] == ENCRYPTION_KEY


async def test_check_counts_keys_that_belong_to_no_user(
    bot: Bot, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A /delete whose key the keyring still holds (its shredding has not finished)."""
    from sqlalchemy import delete

    from bot.storage.models import User

    await bot.user().send("/start")
    await bot.user(1002).send("/start")
    async with bot.services.transaction() as session:  # the user row goes, the key stays
        await session.execute(delete(User).where(User.id == 1002))
    settings = bot.services.settings
    env.setenv("DATABASE_URL", settings.database_url)
    env.setenv("KEYRING_URL", settings.keyring_url)
    env.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    assert await in_thread(["keys", "check"]) == 0
    out = capsys.readouterr().out
    assert "each of the 1 users has one; 1 belong to no user" in out


async def test_users_whose_key_is_gone_get_no_more_prompts_and_the_rest_go_on(
    factory: BotFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup from before someone's /delete, restored: their rows are back, their key is
    not. They are left alone (no prompts that would fail on their words); others go on."""
    bot = await factory.start()
    ann, bea = bot.user(1001), bot.user(1002, first_name="Bea")
    await onboard(ann)
    await onboard(bea)
    await ann.send("Ann's words, shredded")
    async with bot.services.reading() as session:
        from bot.storage.users import get_user

        stored = await get_user(session, 1001)
        assert stored is not None
        assert stored.key_id is not None
    await bot.services.vault.keyring.destroy(stored.key_id)  # what /delete did, after the backup

    bot = await factory.restart(bot)
    ann_row, bea_row = await stored_user(bot, 1001), await stored_user(bot, 1002)
    assert ann_row is not None
    assert bea_row is not None
    assert (ann_row.blocked, ann_row.next_due_at) == (True, None)
    assert (bea_row.blocked, bea_row.next_due_at is not None) == (False, True)
    mark = bea.mark()
    bot.clock.set(bea_row.next_due_at)
    await bot.tick()
    assert any("review" in t.lower() for t in bea.texts_since(mark))  # her prompt came
    await factory.stop(bot)


async def test_a_keyring_with_none_of_the_users_keys_stops_the_start(
    bot: Bot, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await onboard(bot.user())
    before = await _sealed(bot)
    env.setenv("DATABASE_URL", bot.services.settings.database_url)
    env.setenv("KEYRING_URL", f"sqlite+aiosqlite:///{tmp_path}/elsewhere.sqlite3")
    env.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    assert await in_thread(["db", "upgrade"]) == 2
    one_line(capsys.readouterr().err, "holds none of the 1 users' data keys", "KEYRING_URL")
    assert await _sealed(bot) == before
