"""Daylio's CSV export: ``full_date, date, weekday, time, mood, activities, note_title, note``.

Rows come newest first; times read ``9:40 pm`` or ``14:58`` and are local to the user (Daylio
keeps no zone). Activities are joined by `` | `` and become tags. Moods can be renamed by
the user: the five default labels map to energy 1–5 (awful … rad), any other label is kept
as text only. A row with a mood and no note is still an entry (its mood counts).
"""

from __future__ import annotations

import csv
import datetime as dtm
import hashlib
import io
import re

from bot.imports.base import (
    Files,
    ImportedEntry,
    ImportRefused,
    Parsed,
    Problem,
    Text,
    decode,
    problem,
    row_of,
    tags_of,
    zone_or,
)

FORMAT = "daylio"
COLUMNS = ("full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note")
DEFAULT_MOODS = {"awful": 1, "bad": 2, "meh": 3, "good": 4, "rad": 5}
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)


def parse(files: Files, user_zone: str) -> Parsed:
    """Every row of every ``*.csv`` file."""
    names = [n for n in files if n.lower().endswith(".csv")]
    if not names:
        raise ImportRefused("no_daylio")
    found = Parsed(FORMAT)
    for name in names:
        reader = csv.DictReader(io.StringIO(decode(files[name], name), newline=""))
        header = tuple(h.strip() for h in reader.fieldnames or ())
        if not set(COLUMNS) <= set(header):
            raise ImportRefused("not_daylio", name=name, columns=", ".join(COLUMNS))
        reader.fieldnames = list(header)
        for number, row in enumerate(reader, start=2):  # row 1 is the header
            entry = _entry(row, user_zone, row_of(number, name))
            if isinstance(entry, Problem):
                found.problems.append(entry)
            else:
                found.entries.append(entry)
    found.entries.sort(key=lambda e: e.written_at)  # Daylio lists the newest first
    return found


def local_time(text: str) -> dtm.time | None:
    """``9:40 pm`` / ``14:58`` → a time; None when unreadable."""
    match = _TIME.match(text or "")
    if match is None:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return dtm.time(hour, minute)


def _entry(row: dict[str, str | None], user_zone: str, where: Text) -> ImportedEntry | Problem:
    full_date = (row.get("full_date") or "").strip()
    try:
        day = dtm.date.fromisoformat(full_date)
    except ValueError:
        return problem(where, "bad_full_date", value=repr(full_date))
    at = local_time(row.get("time") or "")
    if at is None:
        return problem(where, "bad_time", value=repr(row.get("time")))
    mood = (row.get("mood") or "").strip() or None
    title = row.get("note_title") or ""
    note = row.get("note") or ""
    text = "\n".join(part for part in (title, note) if part.strip())
    if not text and mood is None:
        return problem(where, "empty_row")
    local = dtm.datetime.combine(day, at)
    tags = tags_of([a.strip() for a in (row.get("activities") or "").split(" | ") if a.strip()])
    digest = hashlib.sha256(f"{local.isoformat()}\n{mood}\n{text}".encode()).hexdigest()[:32]
    return ImportedEntry(
        source_id=f"{FORMAT}:{digest}",
        written_at=local.replace(tzinfo=zone_or(None, user_zone)),
        zone=None,
        text=text,
        tags=tags,
        mood=mood,
        energy=DEFAULT_MOODS.get(mood.casefold()) if mood else None,
    )
