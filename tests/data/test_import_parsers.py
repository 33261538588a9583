"""Parsing journals from other apps (issue "Bring your past"): each format from fixtures built
from its documentation (tests/data/imports/make_fixtures.py), hostile ZIPs refused whole."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from bot.domain.weeks import IsoWeek
from bot.imports import archive
from bot.imports.base import ImportRefused, Parsed
from bot.imports.daylio import local_time
from bot.imports.formats import detect, files_of, parse_export

FIXTURES = Path(__file__).parent / "imports"
SEOUL = "Asia/Seoul"


def parsed(name: str, zone: str = SEOUL) -> Parsed:
    return parse_export((FIXTURES / name).read_bytes(), name, zone)


def by_text(found: Parsed, start: str) -> object:
    return next(e for e in found.entries if e.text.startswith(start))


def test_each_fixture_is_recognised_by_its_structure() -> None:
    for name, expected in (
        ("dayone.zip", "dayone"),
        ("jrnl.json", "jrnl"),
        ("daylio.csv", "daylio"),
        ("markdown.zip", "markdown"),
    ):
        content = (FIXTURES / name).read_bytes()
        assert detect(files_of(content, name)) == expected, name
        assert parsed(name).format == expected


def test_day_one_entries_keep_their_words_zone_stars_tags_and_photos() -> None:
    found = parsed("dayone.zip")
    texts = [e.text for e in found.entries]
    assert texts[0] == "# 올해의 마지막 밤\n가족과 함께 보낸 연말 🎆"
    first = found.entries[0]
    assert first.starred
    assert first.tags == ("가족",)
    assert first.week(SEOUL) == IsoWeek(2026, 1)  # Dec 31, 2025 is in ISO week 2026-W01
    sourdough = found.entries[1]
    assert "dayone-moment" not in sourdough.text  # the link never reaches the draft raw
    assert sourdough.text == "Started the sourdough starter.\n\nDay one of many."
    [photo] = sourdough.photos
    assert photo.content.startswith(b"\xff\xd8")
    # Sunday 16:00 UTC is Monday 01:00 in the entry's own zone: week 2, not week 1.
    assert sourdough.week("UTC") == IsoWeek(2026, 2)
    before, after = found.entries[2], found.entries[3]
    assert before.written_at.astimezone(after.written_at.tzinfo).hour != after.written_at.hour
    assert before.week(SEOUL) == after.week(SEOUL) == IsoWeek(2026, 10)  # Sunday, Mar 8
    no_zone = by_text(found, "No time zone")
    assert no_zone.zone is None  # type: ignore[attr-defined]
    assert [p.reason for p in found.problems] == [
        "empty entry",
        "unreadable creationDate 'not a date'",
    ]
    assert len({e.source_id for e in found.entries}) == len(found.entries)


def test_jrnl_entries_read_in_the_users_zone_with_title_first() -> None:
    found = parsed("jrnl.json")
    assert found.entries[0].text == "마지막 밤\n새해 목표를 적었다."
    assert found.entries[0].starred
    assert found.entries[0].week(SEOUL) == IsoWeek(2026, 1)
    assert found.entries[1].text == "New year\nRun 5 km ✅"
    assert found.entries[1].tags == ("@run",)
    assert found.entries[2].text == "Before the change"  # a title without a body
    assert {p.reason for p in found.problems} == {
        "empty entry",
        "unreadable date or time: '2026-13-40' '25:00'",
    }


def test_daylio_rows_oldest_first_with_moods_as_energy_and_activities_as_tags() -> None:
    found = parsed("daylio.csv")
    assert [e.written_at.date().isoformat() for e in found.entries] == [
        "2025-12-31",
        "2026-01-01",
        "2026-03-08",
        "2026-03-08",
        "2026-03-09",
    ]
    awful, new_year, before, renamed, launch = found.entries
    assert (awful.mood, awful.energy, awful.text) == ("awful", 1, "")  # a mood without a note
    assert new_year.text == "새해\n떡국을 먹었다"
    assert new_year.tags == ("family",)
    assert new_year.written_at.hour == 14
    assert (renamed.mood, renamed.energy) == ("sleepy-ish", None)  # a renamed mood: text only
    assert launch.tags == ("work", "friends")
    assert launch.energy == 5
    assert launch.written_at.hour == 21  # 9:40 pm
    assert before.written_at.hour == 1
    assert [p.reason for p in found.problems] == [
        "unreadable time ''",
        "unreadable full_date ''",
    ]


def test_daylio_times() -> None:
    assert local_time("9:40 pm") is not None
    assert str(local_time("12:05 am")) == "00:05:00"
    assert str(local_time("12:05 PM")) == "12:05:00"
    assert str(local_time("14:58")) == "14:58:00"
    for bad in ("", "25:00", "13:00 pm", "9.40", "noon"):
        assert local_time(bad) is None, bad


def test_markdown_daily_weekly_and_front_matter_notes() -> None:
    found = parsed("markdown.zip")
    weeks = {e.text.splitlines()[0]: e.week(SEOUL) for e in found.entries}
    assert weeks["Last day of the year. 마지막 날."] == IsoWeek(2026, 1)
    assert weeks["First day: a long walk."] == IsoWeek(2026, 1)
    assert weeks["## Week 10"] == IsoWeek(2026, 10)
    first_day = by_text(found, "First day")
    assert first_day.tags == ("new-year", "새해")  # type: ignore[attr-defined]
    trip = by_text(found, "Landed")
    assert trip.written_at.utcoffset().total_seconds() == -4 * 3600  # type: ignore[attr-defined]
    reasons = {p.where: p.reason for p in found.problems}
    assert reasons["Daily/2026-03-10.md"] == "empty note"
    assert reasons["Notes/undated.md"].startswith("no date")


def test_parsing_twice_gives_the_same_ids() -> None:
    for name in ("dayone.zip", "jrnl.json", "daylio.csv", "markdown.zip"):
        first = [e.source_id for e in parsed(name).entries]
        assert first == [e.source_id for e in parsed(name).entries]


# --- hostile files ---------------------------------------------------------------------------


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as made:
        for name, content in members.items():
            made.writestr(name, content)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            made.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (_zip({"../../evil.md": b"x"}), "unsafe file name"),
        (_zip({"/etc/evil.md": b"x"}), "unsafe file name"),
        (_zip({"..\\evil.md": b"x"}), "unsafe file name"),
        (_zip({"C:/evil.md": b"x"}), "unsafe file name"),
        (_zip({"a.md": b"x"}, symlink="link.md"), "symbolic link"),
        (_zip({f"n/{i}.md": b"" for i in range(archive.MAX_MEMBERS + 1)}), "holds 5,001 files"),
        (_zip({"bomb.md": b"0" * (50 * 1024 * 1024)}), "ZIP bomb"),
        (b"PK\x03\x04 not really a zip", "not a readable ZIP"),
    ],
    ids=["traversal", "absolute", "backslash", "drive", "symlink", "members", "bomb", "broken"],
)
def test_hostile_zips_are_refused_whole_with_one_line(content: bytes, reason: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        parse_export(content, "export.zip", SEOUL)
    message = str(refused.value)
    assert reason in message
    assert "\n" not in message


def test_a_file_in_no_known_format_is_refused() -> None:
    with pytest.raises(ImportRefused, match="does not look like"):
        parse_export(b"just some text", "notes.txt", SEOUL)
    with pytest.raises(ImportRefused, match="not valid JSON"):
        parse_export(b"{", "journal.json", SEOUL, kind="jrnl")
    with pytest.raises(ImportRefused, match="lacks Daylio's columns"):
        parse_export(b"a,b\n1,2\n", "moods.csv", SEOUL)


# --- odd shapes inside a readable file ---------------------------------------------------------


def _alias_bomb(depth: int) -> bytes:
    """Front matter whose tags nest YAML aliases: each level repeats the one below 9 times."""
    lines = ["---", "date: 2026-03-14", 'a0: &a0 ["lolololol", "lolololol", "lolololol"]']
    for level in range(1, depth + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines += [f"tags: [*a{depth}, kept]", "---", "A quiet Saturday."]
    return "\n".join(lines).encode()


def test_nested_yaml_aliases_in_tags_are_not_expanded() -> None:
    # Depth 12 would expand to about 3e11 characters if any tag were turned into text.
    found = parse_export(_alias_bomb(12), "2026-03-14.md", SEOUL)
    [entry] = found.entries
    assert entry.text == "A quiet Saturday."
    assert entry.tags == ("kept",)


def test_tags_are_cut_to_what_an_export_keeps() -> None:
    note = b"---\ndate: 2026-03-14\ntags: [" + b"y" * 250 + b", 7]\n---\nA long tag.\n"
    [entry] = parse_export(note, "2026-03-14.md", SEOUL).entries
    assert entry.tags == ("y" * 200, "7")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"---\ndate: 0206-03-14\n---\nA typo in the year.\n", "typo.md"),
        (b'{"entries": [{"date": "3026-03-14", "time": "09:00", "body": "x"}]}', "j.json"),
    ],
    ids=["markdown", "jrnl"],
)
def test_an_entry_dated_outside_1900_to_2100_is_a_problem_not_a_note(
    content: bytes, name: str
) -> None:
    found = parse_export(content, name, SEOUL)
    assert found.entries == []
    [problem] = found.problems
    assert problem.reason == "dated outside 1900–2100"
    assert problem.where.startswith("the entry of ")


def test_an_impossible_front_matter_date_is_one_files_problem() -> None:
    content = _zip(
        {
            "bad.md": b"---\ndate: 2026-02-30\n---\nNot a day.\n",
            "2026-03-14.md": b"A good day.\n",
        }
    )
    found = parse_export(content, "notes.zip", SEOUL)
    assert [entry.text for entry in found.entries] == ["A good day."]
    assert {p.where: p.reason for p in found.problems} == {"bad.md": "unreadable front matter"}


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (b"---\ndate: 2026-03-14\ntags: {a: 1}\n---\nfine\n", "2026-03-14.md", None),
        (b'{"entries": [{"date": "2026-03-14", "body": "x", "tags": 5}]}', "j.json", None),
        (
            b'{"entries": [{"creationDate": "2026-03-14T10:00:00Z", "text": "x", "photos": 5}]}',
            "Journal.json",
            "dayone",
        ),
    ],
    ids=["mapping-tags", "number-tags", "number-photos"],
)
def test_fields_of_an_unexpected_type_are_left_out(
    content: bytes, name: str, kind: str | None
) -> None:
    [entry] = parse_export(content, name, SEOUL, kind=kind).entries
    assert entry.tags == () or entry.tags == ("5",)
    assert entry.photos == ()


@pytest.mark.parametrize(
    ("content", "name", "kind", "reason"),
    [
        (
            b'{"entries": [{"date": "2026-03-14", "body": ' + b"9" * 5000 + b"}]}",
            "j.json",
            "jrnl",
            "not valid JSON",
        ),
        (
            b"full_date,date,weekday,time,mood,activities,note_title,note\n"
            + b'2026-03-14,March 14,Saturday,10:00,good,,,"'
            + b"x" * (200 * 1024)
            + b'"\n',
            "daylio.csv",
            None,
            "nothing was imported",
        ),
    ],
    ids=["huge-number", "huge-csv-field"],
)
def test_files_no_parser_foresaw_are_refused_in_one_line(
    content: bytes, name: str, kind: str | None, reason: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        parse_export(content, name, SEOUL, kind=kind)
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_password_protected_zip_is_refused_with_why() -> None:
    content = bytearray(_zip({"2026-03-14.md": b"A secret day.\n"}))
    # Set the "encrypted" flag of the entry (local header and central directory).
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = content.find(signature)
        content[at + offset] |= 0x01
    with pytest.raises(ImportRefused, match="protected by a password"):
        parse_export(bytes(content), "notes.zip", SEOUL)
