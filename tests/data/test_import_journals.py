"""Importing another app's journal with ``python -m bot import --format …``: entries land in the
weeks they were written, with stars, tags, photos and moods, feed the draft, and a second
import adds nothing."""

from __future__ import annotations

import asyncio
import datetime as dtm
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.config import Settings
from bot.storage.models import Entry, ImportedFile
from tests.conftest import Bot
from tests.helpers import onboard

FIXTURES = Path(__file__).parent / "imports"
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(cli, "configure_logging", lambda level, secrets: None)
    return tmp_path


async def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(cli.main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def notes(bot: Bot) -> list[Entry]:
    async with bot.services.reading() as session:
        rows = await session.scalars(
            select(Entry).where(Entry.user_id == 1001, Entry.message_id < 0).order_by(Entry.id)
        )
        return list(rows)


async def _user(bot: Bot) -> None:
    bot.clock.set(dtm.datetime(2025, 12, 1, 3, 0, tzinfo=dtm.UTC))
    await onboard(bot.user(1001))  # Asia/Seoul


@pytest.mark.parametrize(
    ("name", "kind", "weeks"),
    [
        ("dayone.zip", "dayone", {"2026-W01": 1, "2026-W02": 1, "2026-W10": 2, "2026-W11": 1}),
        ("jrnl.json", "jrnl", {"2026-W01": 2, "2026-W10": 2}),
        ("daylio.csv", "daylio", {"2026-W01": 2, "2026-W10": 2, "2026-W11": 1}),
        ("markdown.zip", "markdown", {"2026-W01": 2, "2026-W10": 2}),
    ],
)
async def test_each_format_lands_in_its_weeks_once(
    bot: Bot,
    env: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    kind: str,
    weeks: dict[str, int],
) -> None:
    await _user(bot)
    path = str(FIXTURES / name)
    code, out, err = await run(capsys, "import", "--format", kind, path, "--user-id", "1001")
    assert code == 0, err
    assert re.search(rf"added {sum(weeks.values())} notes", out), out
    assert "skipped" in out  # the broken rows are named, not dropped silently
    stored = await notes(bot)
    found: dict[str, int] = {}
    for entry in stored:
        found[entry.week] = found.get(entry.week, 0) + 1
    assert found == weeks

    code, out, _ = await run(capsys, "import", "--format", kind, path, "--user-id", "1001")
    assert code == 0
    assert "added 0 notes" in out  # a second import adds nothing
    assert len(await notes(bot)) == len(stored)


async def test_stars_tags_photos_and_moods_are_kept_and_feed_the_draft(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _user(bot)
    for name, kind in (("dayone.zip", "dayone"), ("daylio.csv", "daylio")):
        code, _, err = await run(
            capsys, "import", "--format", kind, str(FIXTURES / name), "--user-id", "1001"
        )
        assert code == 0, err
    stored = await notes(bot)
    first = next(e for e in stored if (e.text or "").startswith("# 올해의 마지막 밤"))
    assert first.starred
    assert first.tags == ["가족"]
    photo = next(e for e in stored if e.kind == "photo")
    assert photo.text == "Started the sourdough starter.\n\nDay one of many."
    async with bot.services.reading() as session:
        files = await session.scalar(select(func.count()).select_from(ImportedFile))
    assert files == 1
    launch = next(e for e in stored if e.text == "Launch\nShipped the app 🚀")
    assert (launch.energy, launch.tags) == (5, ["work", "friends"])

    out_file = env / "draft.md"
    code, _, err = await run(
        capsys, "draft", "--user-id", "1001", "--year", "2026", "--out", str(out_file)
    )
    assert code == 0, err
    draft = out_file.read_text()
    appendix = draft.split("## The year, week by week")[1]
    assert "- *Note:* ⭐ # 올해의 마지막 밤" in appendix  # the title line stays as written
    assert "Launch\n  Shipped the app 🚀" in appendix
    assert "dayone-moment" not in draft


async def test_refusals_are_one_line_with_the_config_exit_code(
    bot: Bot, env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await _user(bot)
    evil = tmp_path / "evil.zip"
    import zipfile

    with zipfile.ZipFile(evil, "w") as made:
        made.writestr("../../escape.md", "# 2026-03-14\n")
    code, _, err = await run(
        capsys, "import", "--format", "markdown", str(evil), "--user-id", "1001"
    )
    assert code == cli.EXIT_CONFIG
    assert err.count("\n") == 1
    assert "unsafe file name" in err
    assert await notes(bot) == []
    code, _, err = await run(capsys, "import", "--format", "jrnl", str(FIXTURES / "jrnl.json"))
    assert code == cli.EXIT_CONFIG
    assert "--user-id" in err


# --- through the bot: document → preview → Import ------------------------------------------


async def test_a_journal_sent_to_the_bot_is_previewed_then_imported_once(bot: Bot) -> None:
    await _user(bot)
    user = bot.user(1001)
    await user.send_document((FIXTURES / "dayone.zip").read_bytes(), "dayone.zip")
    preview = user.last_text()
    assert "Day One: 5 entries, Dec 2025 – Mar 2026, 1 photos." in preview
    assert "2 could not be read, for example entry 6 of Journal.json: empty entry" in preview
    assert await notes(bot) == []  # nothing stored before Import
    await user.tap("📥 Import")
    assert "Imported 5 notes into 4 weeks (1 photos). 0 were already here." in user.last_text()
    assert len(await notes(bot)) == 5

    await user.send_document((FIXTURES / "dayone.zip").read_bytes(), "dayone.zip")
    await user.tap("📥 Import")
    assert "Imported 0 notes into 0 weeks (0 photos). 5 were already here." in user.last_text()

    # The draft's ZIP carries the imported photo, which Telegram never had.
    bot.clock.set(dtm.datetime(2026, 12, 31, 12, 0, tzinfo=dtm.UTC))
    await user.send("/draft 2026")
    await user.tap("📦 Markdown ✓")
    import io
    import zipfile

    [(_, content)] = bot.api.calls_to("sendDocument")[-1].files.values()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        photos = [n for n in archive.namelist() if n.startswith("images/w")]
        assert len(photos) == 1
        assert archive.read(photos[0]).startswith(b"\xff\xd8")


async def test_cancel_and_hostile_files_store_nothing(bot: Bot) -> None:
    import io
    import zipfile

    await _user(bot)
    user = bot.user(1001, language_code="ko")
    await user.send_document((FIXTURES / "jrnl.json").read_bytes(), "jrnl.json")
    assert "📥 <b>jrnl</b>" in user.last_html() or "jrnl: 항목" in user.last_text()
    await user.tap(next(b for b in user.buttons() if b != "📥 Import" and "📥" not in b))
    assert await notes(bot) == []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as made:
        made.writestr("../../escape.md", "x")
    await user.send_document(buffer.getvalue(), "notes.zip")
    assert "unsafe file name" in user.last_text()
    assert await notes(bot) == []
