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
from tests.conftest import ENCRYPTION_KEY, Bot, keyring_url_for
from tests.helpers import onboard

FIXTURES = Path(__file__).parent / "imports"
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
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
    assert (launch.energy, launch.tags) == (5, ["work", "friends", "mood:rad"])
    renamed = next(e for e in stored if e.text == "Clocks jumped")
    assert (renamed.energy, renamed.tags) == (None, ["mood:sleepy-ish"])  # kept as words

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
    # CLDR's interval: thin spaces around the dash
    assert "Day One: 5 entries, 1 photo, Dec 2025\u2009–\u2009Mar 2026." in preview
    assert "2 could not be read, for example entry 6 of Journal.json: empty entry" in preview
    assert await notes(bot) == []  # nothing stored before Import
    await user.tap("📥 Import")
    assert "Imported 5 notes into 4 weeks, 1 photo among them. They show up" in user.last_text()
    assert "already here" not in user.last_text()  # no zero counts
    assert len(await notes(bot)) == 5

    await user.send_document((FIXTURES / "dayone.zip").read_bytes(), "dayone.zip")
    await user.tap("📥 Import")
    assert user.last_text() == "Nothing new in this file. 5 were already here."

    # The draft's ZIP carries the imported photo, which Telegram never had.
    bot.clock.set(dtm.datetime(2026, 12, 31, 12, 0, tzinfo=dtm.UTC))
    await user.send("/draft 2026")
    await user.tap("📦 Markdown ✓")
    import io
    import zipfile

    [(_, content)] = bot.api.calls_to("sendDocument")[-1].files.values()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        photos = [n for n in archive.namelist() if n.startswith("images/2026-w")]
        assert len(photos) == 1
        assert archive.read(photos[0]).startswith(b"\xff\xd8")


WEEKS = {
    "dayone.zip": {"2026-W01": 1, "2026-W02": 1, "2026-W10": 2, "2026-W11": 1},
    "jrnl.json": {"2026-W01": 2, "2026-W10": 2},
    "daylio.csv": {"2026-W01": 2, "2026-W10": 2, "2026-W11": 1},
    "markdown.zip": {"2026-W01": 2, "2026-W10": 2},
}
KEPT = {  # what each fixture's entries carry besides their words, as stored
    "dayone.zip": {"starred": 1, "tags": {"가족", "baking"}, "photos": 1, "energy": set()},
    "jrnl.json": {"starred": 1, "tags": {"@새해", "@run"}, "photos": 0, "energy": set()},
    "daylio.csv": {
        "starred": 0,
        "tags": {
            "family",
            "work",
            "friends",
            "mood:rad",
            "mood:good",
            "mood:meh",
            "mood:awful",
            "mood:sleepy-ish",
        },
        "photos": 0,
        "energy": {1, 3, 4, 5},
    },
    "markdown.zip": {"starred": 0, "tags": {"new-year", "새해"}, "photos": 0, "energy": set()},
}
SAMPLE = {  # an entry of each fixture, as the recap of March 2026 must show it
    "dayone.zip": "Landed; the clocks had jumped an hour",
    "jrnl.json": "After the change",
    "daylio.csv": "Shipped the app 🚀",
    "markdown.zip": "Landed in New York.",
}


@pytest.mark.parametrize(
    ("name", "entries"),
    [("dayone.zip", 5), ("jrnl.json", 4), ("daylio.csv", 5), ("markdown.zip", 4)],
)
async def test_every_format_goes_through_the_bot(bot: Bot, name: str, entries: int) -> None:
    await _user(bot)
    user = bot.user(1001)
    await user.send_document((FIXTURES / name).read_bytes(), name)
    assert f": {entries} entries, " in user.last_text()
    await user.tap("📥 Import")
    assert "Imported" in user.last_text()
    stored = await notes(bot)
    found: dict[str, int] = {}
    for entry in stored:
        found[entry.week] = found.get(entry.week, 0) + 1
    assert found == WEEKS[name]
    kept = KEPT[name]
    assert sum(e.starred for e in stored) == kept["starred"]
    assert {t for e in stored for t in e.tags or ()} == kept["tags"]
    assert sum(e.kind == "photo" for e in stored) == kept["photos"]
    assert {e.energy for e in stored if e.energy is not None} == kept["energy"]
    bot.clock.set(dtm.datetime(2026, 12, 31, 12, 0, tzinfo=dtm.UTC))
    await user.send("/draft 2026")
    [(_, content)] = bot.api.calls_to("sendDocument")[-1].files.values()
    appendix = content.decode().split("## The year, week by week")[1]
    assert SAMPLE[name] in appendix
    assert appendix.count("⭐") == kept["starred"]
    bot.clock.set(dtm.datetime(2026, 4, 2, 3, 0, tzinfo=dtm.UTC))
    before = len(user.bot_messages())
    await user.send("/recap 2026-03")
    recap = "\n".join(m.text or "" for m in user.bot_messages()[before:])
    assert SAMPLE[name] in recap


async def test_the_preview_speaks_korean_and_cancel_stores_nothing(bot: Bot) -> None:
    bot.clock.set(dtm.datetime(2025, 12, 1, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(1001, language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    await user.send_document((FIXTURES / "jrnl.json").read_bytes(), "jrnl.json")
    assert "jrnl: 항목 4개, 2025년 12월~2026년 3월.\n" in user.last_text()  # no "사진 0장"
    await user.tap("취소")
    assert "아무것도 가져오지 않았어요" in user.last_text()
    assert await notes(bot) == []
    await user.send_document((FIXTURES / "jrnl.json").read_bytes(), "jrnl.json")
    await user.tap("📥 가져오기")
    weeks = len({note.week for note in await notes(bot)})
    assert (
        user.last_text()
        == f"✅ 메모 4개를 {weeks}주에 걸쳐 가져왔어요. /recap 과 /draft 에 나와요."
    )


def _hostile(kind: str) -> bytes:
    import io
    import stat
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as made:
        if kind == "traversal":
            made.writestr("../../escape.md", "x")
        elif kind == "bomb":
            made.writestr("2026-03-14.md", "0" * (60 * 1024 * 1024))
        elif kind == "files":
            for n in range(10_000):
                made.writestr(f"notes/{n}.md", "")
        else:
            info = zipfile.ZipInfo("2026-03-14.md")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            made.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("traversal", "unsafe file name"),
        ("bomb", "ZIP bomb"),
        ("files", "holds 10,000 files"),
        ("symlink", "symbolic link"),
    ],
)
async def test_hostile_zips_get_one_clear_reply_and_nothing_is_stored(
    bot: Bot, kind: str, reason: str
) -> None:
    await _user(bot)
    user = bot.user(1001)
    await user.send_document(_hostile(kind), "notes.zip")
    assert reason in user.last_text()
    assert "Traceback" not in user.last_text()
    assert await notes(bot) == []
    assert not bot.errors


async def test_a_file_with_nothing_readable_is_named_as_sent(bot: Bot) -> None:
    """The reply quotes the file's name with its &, < and > as the user typed them (escaped
    once in the HTML, not shown as &amp;)."""
    await _user(bot)
    user = bot.user(1001)
    await user.send_document(b"Just some thoughts, no date anywhere.\n", "Tom & Jerry <draft>.md")
    reply = user.last_text()
    assert "I found no entries I could read in this file." in reply
    assert "Tom & Jerry <draft>.md" in reply
    assert "&amp;" not in reply
    assert await notes(bot) == []


async def test_a_korean_user_is_told_in_korean_why_a_file_is_refused(bot: Bot) -> None:
    user = bot.user(1001, language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    await user.send_document(b"a,b\n1,2\n", "spending.csv")
    assert user.last_text() == (
        "이 파일은 가져올 수 없어요: spending.csv 파일에 Daylio의 열"
        "(full_date, date, weekday, time, mood, activities, note_title, note)이 없어요."
    )
    await user.send_document(_hostile("symlink"), "notes.zip")
    assert "ZIP 안에 심볼릭 링크가 있어요: '2026-03-14.md'" in user.last_text()
    await user.send_document(b"PK\x03\x04 not really a zip", "notes.zip")
    assert user.last_text() == "이 파일은 가져올 수 없어요: 읽을 수 있는 ZIP 파일이 아니에요."
    assert await notes(bot) == []


async def test_a_korean_preview_names_the_entries_left_out_in_korean(bot: Bot) -> None:
    bot.clock.set(dtm.datetime(2026, 4, 1, 3, 0, tzinfo=dtm.UTC))
    user = bot.user(1001, language_code="ko")
    await onboard(user, zone="서울", day="일요일", hour="19:00")
    await user.send_document((FIXTURES / "dayone.zip").read_bytes(), "dayone.zip")
    preview = user.last_text()
    assert "2개는 읽지 못했어요. 예: Journal.json의 6번째 항목: 빈 항목이에요" in preview
    assert not re.search(r"[A-Za-z]{4,} (entry|of|empty)", preview)


def test_every_import_message_is_in_both_catalogs() -> None:
    """Reasons are looked up by key when a Korean user meets them: a missing one would fail
    only then."""
    from bot.i18n import translator

    source = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (Path(__file__).parents[2] / "bot" / "imports").glob("*.py")
    )
    refused = set(re.findall(r'ImportRefused\(\s*"([a-z_]+)"', source))
    problems = set(re.findall(r'problem\(\s*[^,]+,\s*"([a-z_]+)"', source))
    assert {"unknown", "zip_bomb", "not_json"} <= refused
    assert {"empty_entry", "no_date"} <= problems
    keys = {f"import.refused.{k}" for k in refused} | {f"import.problem.{k}" for k in problems}
    keys |= {"import.where.file", "import.where.entry", "import.where.row", "import.where.dated"}
    for lang in ("en", "ko"):
        tr = translator(lang)
        for key in keys:
            assert tr.plain(
                key,
                name="n",
                number=1,
                **dict.fromkeys(
                    (
                        "columns",
                        "mb",
                        "chosen",
                        "formats",
                        "detail",
                        "count",
                        "most",
                        "ratio",
                        "date",
                        "time",
                        "value",
                        "first",
                        "last",
                    ),
                    "x",
                ),
            ), key


async def test_an_older_previews_import_button_does_not_import_the_newer_file(bot: Bot) -> None:
    await _user(bot)
    user = bot.user(1001)
    await user.send_document((FIXTURES / "dayone.zip").read_bytes(), "dayone.zip")
    first_preview = user.last_message().message_id
    await user.send_document((FIXTURES / "jrnl.json").read_bytes(), "jrnl.json")
    await user.tap("📥 Import", first_preview)
    assert "That preview is out of date" in user.last_text()
    assert await notes(bot) == []
    await user.tap("📥 Import")  # the newer preview's button still works
    assert "Imported 4 notes" in user.last_text()


async def test_one_of_each_reads_as_one(bot: Bot) -> None:
    await _user(bot)
    user = bot.user(1001)
    note = b"---\ndate: 2026-03-14\n---\nOne quiet day.\n"
    await user.send_document(note, "day.md")
    assert "Markdown: 1 entry, Mar 2026.\n" in user.last_text()
    await user.tap("📥 Import")
    assert user.last_text() == "✅ Imported 1 note into 1 week. They show up in /recap and /draft."
    await user.send_document(note, "day.md")
    await user.tap("📥 Import")
    assert "1 was already here." in user.last_text()


async def test_a_journal_sent_during_setup_waits_until_setup_is_done(bot: Bot) -> None:
    """Its weeks follow the time zone, and setup's question must stay open: the next word is
    still the time zone, not a note."""
    user = bot.user(1001)
    await user.send("/start")
    await user.tap(next(b for b in user.buttons() if b.startswith("✓")))  # English
    await user.send_document(b"---\ndate: 2026-03-14\n---\nOne quiet day.\n", "day.md")
    assert "finish setting up first" in user.last_text()
    await user.send("Seoul")
    assert "Which day should I send your weekly questions?" in user.last_text()
    assert await notes(bot) == []
