"""Writes the import fixtures next to this file, from each format's documented structure.

Run ``.venv/bin/python -m tests.data.imports.make_fixtures`` after changing it; the files it
writes are committed. They hold English, Korean and emoji text, entries on both sides of a DST
change (America/New_York, 2026-03-08) and of a year boundary (2025-12-31 is in ISO week
2026-W01), an entry whose own time zone puts it in another week than UTC does, empty entries
and broken rows.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
# A 1×1 JPEG (the smallest valid one), so photos have real bytes.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432"
    "ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a"
    "0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1"
    "082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455"
    "565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8"
    "a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6"
    "f7f8f9faffda0008010100003f00fbd3ffd9"
)
PHOTO_MD5 = hashlib.md5(JPEG, usedforsecurity=False).hexdigest()


def dayone() -> bytes:
    entries = [
        {
            "uuid": "A1",
            "creationDate": "2025-12-31T14:30:00Z",  # 23:30 in Seoul, still 2026-W01
            "timeZone": "Asia/Seoul",
            "text": "# 올해의 마지막 밤\n가족과 함께 보낸 연말 🎆",
            "tags": ["가족"],
            "starred": True,
        },
        {
            "uuid": "A2",
            "creationDate": "2026-01-04T16:00:00Z",  # Sunday in UTC, Monday 01:00 in Seoul
            "timeZone": "Asia/Seoul",
            "text": "Started the sourdough starter.\n\n![](dayone-moment://P1)\n\nDay one of many.",
            "tags": ["baking"],
            "starred": False,
            "photos": [{"identifier": "P1", "md5": PHOTO_MD5, "type": "jpeg"}],
        },
        {
            "uuid": "A3",
            "creationDate": "2026-03-08T06:30:00Z",  # 01:30 EST, before the change
            "timeZone": "America/New_York",
            "text": "Night flight to New York, before the clocks changed",
        },
        {
            "uuid": "A4",
            "creationDate": "2026-03-08T07:30:00Z",  # 03:30 EDT, after it
            "timeZone": "America/New_York",
            "text": "Landed; the clocks had jumped an hour",
        },
        {"uuid": "A5", "creationDate": "2026-03-09T10:00:00Z", "text": "No time zone here"},
        {"uuid": "A6", "creationDate": "2026-03-10T10:00:00Z", "text": "   "},  # empty
        {"uuid": "A7", "creationDate": "not a date", "text": "Broken date"},
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "Journal.json",
            json.dumps(
                {"metadata": {"version": "1.0"}, "entries": entries}, ensure_ascii=False, indent=2
            ),
        )
        archive.writestr(f"photos/{PHOTO_MD5}.jpeg", JPEG)
    return buffer.getvalue()


def jrnl() -> bytes:
    entries = [
        {
            "date": "2025-12-31",
            "time": "23:30",
            "title": "마지막 밤",
            "body": "새해 목표를 적었다.",
            "tags": ["@새해"],
            "starred": True,
        },
        {
            "date": "2026-01-01",
            "time": "09:00",
            "title": "New year",
            "body": "Run 5 km ✅",
            "tags": ["@run"],
            "starred": False,
        },
        {
            "date": "2026-03-08",
            "time": "01:30",
            "title": "Before the change",
            "body": "",
            "tags": [],
            "starred": False,
        },
        {
            "date": "2026-03-08",
            "time": "03:30",
            "title": "After the change",
            "body": "Lost an hour of sleep.",
            "tags": [],
            "starred": False,
        },
        {
            "date": "2026-03-09",
            "time": "12:00",
            "title": "",
            "body": "",
            "tags": [],
            "starred": False,
        },
        {
            "date": "2026-13-40",
            "time": "25:00",
            "title": "Broken",
            "body": "x",
            "tags": [],
            "starred": False,
        },
    ]
    return json.dumps(
        {"tags": {"@run": 1}, "entries": entries}, ensure_ascii=False, indent=2
    ).encode()


def daylio() -> bytes:
    rows = [
        "full_date,date,weekday,time,mood,activities,note_title,note",
        '2026-03-09,March 9,Monday,9:40 pm,rad,work | friends,Launch,"Shipped the app 🚀"',
        "2026-03-08,March 8,Sunday,3:30 am,sleepy-ish,,,Clocks jumped",
        "2026-03-08,March 8,Sunday,1:30 am,meh,,,Before the change",
        '2026-01-01,January 1,Thursday,14:58,good,family,새해,"떡국을 먹었다"',
        "2025-12-31,December 31,Wednesday,11:30 pm,awful,,,",
        "2025-12-30,December 30,Tuesday,,good,,,No time",
        ",,,,,,,",
    ]
    return ("\n".join(rows) + "\n").encode()


def markdown() -> bytes:
    notes = {
        "Daily/2025-12-31.md": "Last day of the year. 마지막 날.\n",
        "Daily/2026-01-01.md": "---\ntags: [new-year, 새해]\n---\nFirst day: a long walk.\n",
        "Weekly/2026-W10.md": "## Week 10\n- Clocks change on Sunday\n- Booked the flight\n",
        "Notes/trip.md": "---\ndate: 2026-03-08T03:30:00-04:00\n---\nLanded in New York.\n",
        "Notes/undated.md": "An idea with no date at all.\n",
        "Daily/2026-03-10.md": "\n\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in notes.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def main() -> None:
    (HERE / "dayone.zip").write_bytes(dayone())
    (HERE / "jrnl.json").write_bytes(jrnl())
    (HERE / "daylio.csv").write_bytes(daylio())
    (HERE / "markdown.zip").write_bytes(markdown())


if __name__ == "__main__":
    main()
