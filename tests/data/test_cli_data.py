"""``python -m bot export | import | draft``: self-hosters' data commands, without Telegram.

They run :func:`bot.cli.main` in a worker thread (it starts its own event loop) against the
database the bot under test writes to.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.config import Settings
from bot.reports.draft import compile_draft
from tests.conftest import ENCRYPTION_KEY, Bot, keyring_url_for
from tests.data.seed import drafts, journal_of, rows_by_table, seed_user

EXIT_CONFIG = 2
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """No bot settings at all (no token either) except the database and its encryption key
    (the keyring is the bot's); a clean working folder."""
    monkeypatch.chdir(tmp_path)
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    monkeypatch.setenv("KEYRING_URL", keyring_url_for(database_url))
    monkeypatch.setattr(cli, "configure_logging", lambda level, secrets: None)
    return tmp_path


async def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(cli.main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def test_export_writes_what_the_bot_sends(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await seed_user(bot)
    mark = user.mark()
    await user.send("/export")
    [sent] = [
        content
        for call in bot.api.calls_to("sendDocument")
        if call.seq > mark
        for name, content in call.files.values()
        if name.endswith(".json")
    ]
    code, out, err = await run(capsys, "export", "--user-id", "1001", "--out", "me.json")
    assert (code, err) == (0, "")
    assert "me.json" in out
    written = json.loads((env / "me.json").read_text(encoding="utf-8"))
    expected = json.loads(sent)
    del written["exported_at"], expected["exported_at"]
    assert written == expected


async def test_export_as_markdown_writes_the_archive(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_user(bot)
    code, _, err = await run(
        capsys, "export", "--user-id", "1001", "--out", "weeks.md", "--format", "markdown"
    )
    assert (code, err) == (0, "")
    assert (env / "weeks.md").read_text(encoding="utf-8") == (await drafts(bot))[2]


async def test_import_into_a_new_database_gives_back_the_same_drafts(
    bot: Bot, env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_user(bot)
    assert (await run(capsys, "export", "--user-id", "1001", "--out", "me.json"))[0] == 0
    for flags, name in (((), "before.md"), (("--all",), "before-all.md")):
        args = ("draft", "--user-id", "1001", "--year", "2026", "--out", name, *flags)
        assert (await run(capsys, *args))[0] == 0

    monkeypatch.setenv("DATABASE_URL", sqlite_url(env / "moved" / "new.sqlite3"))
    code, out, err = await run(capsys, "import", "me.json")
    assert (code, err) == (0, "")
    assert out.startswith("imported user 1001: added reviews 2, answers 9")
    assert "already present none" in out
    code, out, _ = await run(capsys, "import", "me.json")
    assert code == 0
    assert "added none; already present reviews 2, answers 9" in out

    for flags, name in (((), "after.md"), (("--all",), "after-all.md")):
        args = ("draft", "--user-id", "1001", "--year", "2026", "--out", name, *flags)
        assert (await run(capsys, *args))[0] == 0
    assert (env / "after.md").read_text() == (env / "before.md").read_text()
    assert (env / "after-all.md").read_text() == (env / "before-all.md").read_text()


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_draft_is_the_users_draft_private_answers_only_with_all(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    await seed_user(bot, language=language)
    code, out, _ = await run(
        capsys, "draft", "--user-id", "1001", "--year", "2026", "--out", "d.md"
    )
    assert code == 0
    assert "d.md" in out
    assert (
        await run(
            capsys, "draft", "--user-id", "1001", "--year", "2026", "--out", "all.md", "--all"
        )
    )[0] == 0
    journal = await journal_of(bot)
    today = dtm.datetime.now(dtm.UTC).astimezone(ZoneInfo("Asia/Seoul")).date()
    public = (env / "d.md").read_text(encoding="utf-8")
    everything = (env / "all.md").read_text(encoding="utf-8")
    assert public == compile_draft(journal, 2026, language, generated_on=today)
    assert everything == compile_draft(
        journal, 2026, language, include_private=True, generated_on=today
    )
    assert "Thanks to my team lead" not in public
    assert "🔒 Thanks to my team lead" in everything


async def test_unknown_user_is_one_line(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (("export",), ("draft", "--year", "2026")):
        code, out, err = await run(capsys, *command, "--user-id", "4242", "--out", "x")
        assert code == EXIT_CONFIG
        assert out == ""
        assert err.splitlines() == ["review-bot: no user with id 4242 in the database"]
        assert not (env / "x").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        (b"not json", "is not valid JSON"),
        (b'{"schema_version": 99}', "schema version 99"),
        (b'{"schema_version": 1, "user": {}}', "does not match the export schema"),
    ],
)
async def test_bad_import_files_are_one_line(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, expected: str
) -> None:
    if content is not None:
        (env / "in.json").write_bytes(content)
    code, out, err = await run(capsys, "import", "in.json")
    assert code == EXIT_CONFIG
    assert out == ""
    assert len(err.splitlines()) == 1
    assert expected in err
    assert "Traceback" not in err


async def test_export_from_a_missing_database_creates_nothing(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = env / "nowhere" / "db.sqlite3"
    monkeypatch.setenv("DATABASE_URL", sqlite_url(missing))
    code, _, err = await run(capsys, "export", "--user-id", "1", "--out", "x.json")
    assert code == EXIT_CONFIG
    assert err.splitlines() == [f"review-bot: no database at {missing}; check DATABASE_URL"]
    assert not missing.parent.exists()


async def test_unwritable_output_is_one_line(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_user(bot)
    code, _, err = await run(
        capsys, "export", "--user-id", "1001", "--out", str(env / "no" / "such" / "dir.json")
    )
    assert code == EXIT_CONFIG
    assert len(err.splitlines()) == 1
    assert "cannot write" in err


async def test_import_with_another_users_id_is_refused_in_one_line(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_user(bot)
    assert (await run(capsys, "export", "--user-id", "1001", "--out", "me.json"))[0] == 0
    before = await rows_by_table(bot)
    code, out, err = await run(capsys, "import", "me.json", "--user-id", "42")
    assert code == EXIT_CONFIG
    assert out == ""
    assert err.splitlines() == [
        "review-bot: cannot import me.json: it is user 1001's export, not user 42's"
    ]
    assert await rows_by_table(bot) == before
    code, out, _ = await run(capsys, "import", "me.json", "--user-id", "1001")
    assert code == 0
